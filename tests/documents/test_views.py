"""View models and HTML: what each document says, in which language, and that seller and
buyer text stays data. No database, no PDF engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from documents.render import css_str, render_html
from documents.sample import sample_order
from documents.view import delivery_note_view, fill_placeholders, invoice_view
from oms.model import PaymentMethod, Tracking
from oms.seller import Branding, DocumentSettings, Seller, SellerProfile
from oms.vat import vat_breakdown
from tests.factories import IBAN, QR_IBAN, VAT

ISSUED = date(2026, 11, 29)


def seller(iban: str | None = QR_IBAN, **branding: str) -> Seller:
    return Seller(
        id=1,
        profile=SellerProfile(
            slug="alpen",
            name="Alpen Handels AG",
            street="Bahnhofstrasse",
            house_number="12",
            postal_code="8001",
            city="Zürich",
            vat_number=VAT,
            iban=iban,
        ),
        branding=Branding(**branding),
        documents=DocumentSettings(payment_terms_days=20),
    )


@pytest.mark.parametrize(
    ("language", "title", "vat_word", "unpaid"),
    [
        ("de", "Rechnung", "davon MWST 2.6 % auf CHF", "OFFEN"),
        ("fr", "Facture", "dont TVA 2.6 % sur CHF", "À PAYER"),
        ("it", "Fattura", "di cui IVA 2.6 % su CHF", "DA PAGARE"),
        ("en", "Invoice", "incl. VAT 2.6 % on CHF", "UNPAID"),
    ],
)
def test_the_invoice_speaks_the_buyers_language(
    language: str, title: str, vat_word: str, unpaid: str
) -> None:
    s = seller()
    view = invoice_view(s, sample_order(s, language=language), "R-2026-00001", ISSUED)
    html = render_html(view)
    assert view.language == language
    assert title in html and vat_word in html and unpaid in html


def test_without_a_buyer_language_the_sellers_default_is_used() -> None:
    s = seller()
    s.profile.default_language = "fr"
    view = delivery_note_view(s, sample_order(s, language=None), "L-2026-00001", ISSUED)
    assert view.language == "fr" and view.title == "Bulletin de livraison"


def test_vat_per_rate_comes_from_the_shared_breakdown() -> None:
    s = seller()
    order = sample_order(s, language="de")
    view = invoice_view(s, order, "R-2026-00001", ISSUED)
    expected = vat_breakdown(((li.total, li.vat_rate) for li in order.lines), order.shipping)
    assert len(view.vat_lines) == len(expected) == 2
    for line, vat in zip(view.vat_lines, expected, strict=True):
        assert f"{vat.rate.normalize():f} %" in line
        assert f"CHF {vat.vat:.2f}" in line and f"CHF {vat.gross:,.2f}".replace(",", "'") in line


def test_due_date_follows_the_payment_terms_and_a_paid_invoice_says_so() -> None:
    s = seller()
    unpaid = invoice_view(s, sample_order(s, language="de"), "R-2026-00001", ISSUED)
    assert unpaid.due_date == "19.12.2026" and "20 Tagen" in unpaid.payment_terms
    assert not unpaid.paid and unpaid.qr_bill is not None
    paid = invoice_view(
        s, sample_order(s, method=PaymentMethod.PREPAID, language="de"), "R-2026-00002", ISSUED
    )
    html = render_html(paid)
    assert paid.paid and paid.qr_bill is None and "BEZAHLT" in html
    assert "Zahlbar innert" not in html


def test_an_invoice_order_in_a_currency_a_qr_bill_cannot_carry_gets_no_bill_and_a_reason() -> None:
    s = seller()
    order = sample_order(s, language="en").model_copy(update={"currency": "USD"})
    view = invoice_view(s, order, "R-2026-00003", ISSUED)
    assert view.qr_bill is None and view.qr_problem and "CHF or EUR" in view.qr_problem
    assert "Please transfer" in view.payment_note


def test_a_seller_without_an_iban_gets_invoices_without_a_bill_and_a_reason() -> None:
    s = seller(iban=None)
    view = invoice_view(s, sample_order(s), "R-2026-00004", ISSUED)
    assert view.qr_bill is None and view.qr_problem and "no IBAN" in view.qr_problem


def test_the_delivery_note_lists_items_and_tracking_but_no_prices() -> None:
    s = seller()
    order = sample_order(s, language="de").model_copy(
        update={"tracking": Tracking(tracking_id="99.60.123456.78901234")}
    )
    html = render_html(delivery_note_view(s, order, "L-2026-00007", ISSUED))
    assert "99.60.123456.78901234" in html and "L-2026-00007" in html
    assert "TEA-1" in html and "Enamel mug" in html
    assert "12.50" not in html and "CHF" not in html


HOSTILE = [
    '<img src="file:///etc/hostname">',
    '<link rel="attachment" href="file:///etc/passwd">',
    "</style><style>@import url(http://127.0.0.1:9/x.css);</style>",
    "{{ 7*7 }}",
    "{% for x in range(10**9) %}x{% endfor %}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_seller_and_buyer_text_is_escaped_data_never_markup_or_template(text: str) -> None:
    s = seller(thank_you=text, after_sales=text, disclaimer=text)
    order = sample_order(s, language="de")
    order = order.model_copy(
        update={
            "buyer": order.buyer.model_copy(update={"name": text[:255]}),
            "billing_address": order.billing_address.model_copy(update={"street": text[:255]}),
        }
    )
    html = render_html(invoice_view(s, order, "R-2026-00001", ISSUED))
    if "<" in text:
        assert text not in html  # never as raw markup
    # "{{ 7*7 }}" stays literal (checked below); a bare "49" may be a date or an amount.
    assert '<img src="file' not in html and 'rel="attachment"' not in html
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&#34;") in html


def test_placeholders_are_substituted_and_nothing_else() -> None:
    s = seller()
    order = sample_order(s, number="D-77")
    text = "Danke {buyer_name} für {order_number} {0} {buyer_name.__class__} {{ x }}"
    assert fill_placeholders(text, order) == (
        "Danke Anna Muster für D-77 {0} {buyer_name.__class__} {{ x }}"
    )


def test_a_css_string_cannot_break_out_of_its_quotes() -> None:
    escaped = str(css_str('R"; } body { background: url(http://x) } \\'))
    assert escaped.count('"') == 2 and "(" not in escaped and ";" not in escaped


def test_invoice_amounts_are_swiss_formatted() -> None:
    s = seller(iban=IBAN)
    order = sample_order(s, language="de", lines=60)
    view = invoice_view(s, order, "R-2026-00001", ISSUED)
    assert view.total == f"{order.total:,.2f}".replace(",", "'")
    assert order.total > Decimal(1000) and "'" in view.total
