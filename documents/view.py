"""View models: everything a document shows, as ready-made strings. Templates only place them.

Seller texts are data: `{order_number}` and `{buyer_name}` are replaced here
with plain `str.replace` (never `str.format`, never Jinja), and the template
escapes the result like any other value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from documents.bill_layout import BillParts, split_bill
from documents.logo import logo_data_uri
from documents.qr import QrBillError, make_qr_bill
from documents.texts import TEXTS, text
from oms.model import Address, Order, PaymentMethod
from oms.seller import Seller
from oms.vat import vat_breakdown

KINDS = ("delivery_note", "invoice")
PLACEHOLDERS = ("{order_number}", "{buyer_name}")
MAX_SNIPPET = 2000


def money(amount: Decimal) -> str:
    """Swiss style: 1'234.50."""
    return f"{amount:,.2f}".replace(",", "'")


def rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


def day(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def language_of(seller: Seller, order: Order) -> str:
    """The buyer's language where known, else the seller's default."""
    return order.buyer.language or seller.profile.default_language


def fill_placeholders(snippet: str, order: Order) -> str:
    """Substitute the documented placeholders; everything else stays literal text."""
    result = snippet.replace("{order_number}", order.order_number)
    return result.replace("{buyer_name}", order.buyer.name)[:MAX_SNIPPET]


def address_lines(address: Address) -> list[str]:
    lines = [address.company] if address.company else []
    lines += [address.name, address.street]
    if address.street2:
        lines.append(address.street2)
    lines.append(f"{address.country}-{address.postal_code} {address.city}")
    return lines


@dataclass(frozen=True)
class LineView:
    sku: str
    name: str
    quantity: int
    unit_price: str = ""
    vat_rate: str = ""
    total: str = ""


@dataclass(frozen=True)
class DocumentView:
    """What both documents share."""

    kind: str
    language: str
    labels: dict[str, str]
    title: str
    number: str
    issue_date: str
    seller_name: str
    seller_lines: list[str]
    seller_vat: str
    seller_email: str
    logo_uri: str | None
    primary_colour: str
    accent_colour: str
    font: str
    order_number: str
    order_date: str
    buyer_name: str
    address_title: str
    address: list[str]
    lines: list[LineView]
    tracking: str
    thank_you: str
    after_sales: str
    disclaimer: str


@dataclass(frozen=True)
class InvoiceView(DocumentView):
    delivery_date: str = ""
    due_date: str = ""
    payment_terms: str = ""
    currency: str = "CHF"
    shipping: str = ""
    total: str = ""
    vat_lines: list[str] = field(default_factory=list)
    paid: bool = False
    payment_note: str = ""
    qr_bill: BillParts | None = None
    qr_problem: str | None = None  # why a pay-by-invoice order has no QR-bill
    qr_payload: str | None = None


def _common(
    seller: Seller, order: Order, kind: str, number: str, issued: date
) -> dict[str, object]:
    lang = language_of(seller, order)
    p, b = seller.profile, seller.branding

    def snippet(value: str, default_key: str) -> str:
        return fill_placeholders(value or text(default_key, lang), order)

    return {
        "kind": kind,
        "language": lang,
        "labels": {key: text(key, lang) for key in TEXTS},
        "title": text(kind, lang),
        "number": number,
        "issue_date": day(issued),
        "seller_name": p.name,
        "seller_lines": [
            f"{p.street} {p.house_number}".strip(),
            f"{p.country}-{p.postal_code} {p.city}",
        ],
        "seller_vat": (p.vat_number or "").replace(" MWST", " " + text("vat_rate", lang)),
        "seller_email": p.email or "",
        "logo_uri": logo_data_uri(b.logo_png_base64),
        "primary_colour": b.primary_colour,
        "accent_colour": b.accent_colour,
        "font": b.font,
        "order_number": order.order_number,
        "order_date": day(order.ordered_at.astimezone(ZoneInfo(p.timezone)).date()),
        "buyer_name": order.buyer.name,
        "tracking": order.tracking.tracking_id if order.tracking else "",
        "thank_you": snippet(b.thank_you, "thank_you_default"),
        "after_sales": snippet(b.after_sales, "after_sales_default"),
        "disclaimer": snippet(b.disclaimer, "disclaimer_default"),
    }


def delivery_note_view(seller: Seller, order: Order, number: str, issued: date) -> DocumentView:
    values = _common(seller, order, "delivery_note", number, issued)
    lang = str(values["language"])
    return DocumentView(
        **values,  # type: ignore[arg-type]
        address_title=text("ship_to", lang),
        address=address_lines(order.delivery_address),
        lines=[LineView(li.sku, li.name, li.quantity) for li in order.lines],
    )


def invoice_view(
    seller: Seller, order: Order, number: str, issued: date, delivered: date | None = None
) -> InvoiceView:
    """The invoice (MWSTG art. 26), with a QR-bill for unpaid pay-by-invoice orders."""
    values = _common(seller, order, "invoice", number, issued)
    lang = str(values["language"])
    cur = order.currency
    days = seller.documents.payment_terms_days
    due = issued + timedelta(days=days)
    terms_key = "payment_terms" if days else "payment_terms_now"
    vat = vat_breakdown(((li.total, li.vat_rate) for li in order.lines), order.shipping)
    qr_bill: BillParts | None = None
    qr_problem = qr_payload = None
    post_paid = order.payment.method is PaymentMethod.INVOICE
    if post_paid and not order.payment.paid:
        try:
            bill = make_qr_bill(
                seller.profile, order.billing_address, order.total, cur, number, lang
            )
        except QrBillError as exc:
            qr_problem = str(exc)
        else:
            qr_payload = bill.payload
            qr_bill = split_bill(bill.svg)
    if order.payment.paid:
        note = text("paid_note", lang)
    else:
        note = text("unpaid_note" if qr_bill else "unpaid_note_no_qr", lang)
    return InvoiceView(
        **values,  # type: ignore[arg-type]
        address_title=text("bill_to", lang),
        address=address_lines(order.billing_address),
        lines=[
            LineView(
                li.sku,
                li.name,
                li.quantity,
                money(li.unit_price),
                rate_text(li.vat_rate) + " %",
                money(li.total),
            )
            for li in order.lines
        ],
        delivery_date=day(delivered or issued),
        due_date=day(due),
        payment_terms=text(terms_key, lang).format(days=days, due=day(due)),
        currency=cur,
        shipping=money(order.shipping),
        total=money(order.total),
        vat_lines=[
            text("vat_included", lang).format(
                rate=rate_text(v.rate), currency=cur, gross=money(v.gross), vat=money(v.vat)
            )
            for v in vat
        ],
        paid=order.payment.paid,
        payment_note=note,
        qr_bill=qr_bill,
        qr_problem=qr_problem,
        qr_payload=qr_payload,
    )


def local_date(moment: datetime, seller: Seller) -> date:
    return moment.astimezone(ZoneInfo(seller.profile.timezone)).date()
