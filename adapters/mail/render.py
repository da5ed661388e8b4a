"""Render a buyer email: order + seller + event (+ invoice) -> EmailMessage. No I/O beyond
reading our own templates.

Templates (templates/emails/<event>.{html,txt}.j2) are our code; everything the
seller or the buyer typed is data: autoescaped in HTML, never compiled as a
template, and only the placeholders {order_number} and {buyer_name} are filled
in, by us. The Message-ID is derived from (seller, order, event), so a re-sent
email carries the same one.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from oms.model import LANGUAGES, Order
from oms.seller import HEX_COLOUR, Seller

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
EVENTS = ("confirmed", "cancelled", "shipped", "delivered")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
_MAX_LOGO = 500_000


class RenderError(ValueError):
    """The email cannot be made from this order (the message says why, for the operator)."""


@dataclass(frozen=True)
class Attachment:
    """The invoice PDF to attach: its number (named in the text and the file name) and bytes."""

    number: str
    pdf: bytes


def address_problem(email: str | None) -> str | None:
    """Why `email` cannot receive mail (missing or malformed), or None when it looks right."""
    if email is None or not email.strip():
        return "the buyer has no email address"
    value = email.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value) or ".." in value:
        return f"the buyer's email address {value!r} is malformed"
    return None


def language_of(order: Order, seller: Seller) -> str:
    lang = order.buyer.language
    return lang if lang in LANGUAGES else seller.profile.default_language


def message_id(seller: Seller, order: Order, event: str, domain: str) -> str:
    """The same (seller, order, event) always gives the same Message-ID."""
    return f"<{event}.order-{order.id}.{seller.slug}@{domain}>"


@lru_cache(maxsize=8)
def texts(lang: str) -> dict[str, Any]:
    with (TEMPLATES / "texts" / f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} for the names in `values` only; everything else stays as written."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _nl2br(value: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in value.splitlines())


@lru_cache(maxsize=2)
def _environment(html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["nl2br"] = _nl2br
    return env


def _one_line(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()


def _money(currency: str, amount: Decimal) -> str:
    return f"{currency} {amount:,.2f}".replace(",", "'")


def _colour(value: str, default: str) -> str:
    return value if HEX_COLOUR.fullmatch(value) else default  # CSS is not autoescaped


def _logo(seller: Seller) -> bytes | None:
    raw = seller.branding.logo_png_base64
    if not raw:
        return None
    try:
        png = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
    return png if png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) <= _MAX_LOGO else None


def _context(
    order: Order, seller: Seller, event: str, lang: str, attachment: Attachment | None
) -> dict[str, Any]:
    catalogue = texts(lang)
    zone = ZoneInfo(seller.profile.timezone)
    values = {
        "order_number": _one_line(order.channel_order_number),
        "buyer_name": _one_line(order.buyer.name),
        "order_date": order.ordered_at.astimezone(zone).strftime("%d.%m.%Y"),
        "invoice_number": attachment.number if attachment else "",
    }
    t = {k: fill(v, values) for k, v in catalogue.items() if isinstance(v, str)}
    t["intro"] = fill(catalogue["intro"][event], values)
    snippet_values = {k: values[k] for k in ("order_number", "buyer_name")}
    p = seller.profile
    return {
        "lang": lang,
        "t": t,
        "subject": fill(catalogue["subject"][event], values),
        "seller_name": p.name,
        "seller_address": f"{p.street} {p.house_number}".strip() + f", {p.postal_code} {p.city}",
        "primary": _colour(seller.branding.primary_colour, "#1f3a5f"),
        "accent": _colour(seller.branding.accent_colour, "#e4572e"),
        "font": seller.branding.font.replace("'", ""),
        "lines": [
            {"name": li.name, "quantity": li.quantity, "total": _money(order.currency, li.total)}
            for li in order.lines
        ],
        "shipping": _money(order.currency, order.shipping),
        "total": _money(order.currency, order.total),
        "tracking": _tracking(order) if event == "shipped" else None,
        "reason": order.cancel_reason or "",
        "refund": event == "cancelled" and order.payment.paid,
        "invoice_number": attachment.number if attachment else None,
        "thank_you": fill(seller.branding.thank_you, snippet_values),
        "after_sales": fill(seller.branding.after_sales, snippet_values),
        "disclaimer": fill(seller.branding.disclaimer, snippet_values),
        "reply_to": reply_to(seller),
        "logo_cid": None,
    }


def _tracking(order: Order) -> dict[str, str | None] | None:
    if order.tracking is None:
        return None
    url = order.tracking.url
    return {
        "id": order.tracking.tracking_id,
        "url": url if url and re.match(r"https?://", url) else None,
        "carrier": order.tracking.carrier,
    }


def reply_to(seller: Seller) -> str | None:
    """Where the buyer's answer goes: the notifications reply-to, else the seller's email."""
    for candidate in (seller.notifications.reply_to, seller.profile.email):
        if candidate and address_problem(candidate) is None:
            return candidate.strip()
    return None


def render(
    order: Order,
    seller: Seller,
    event: str,
    attachment: Attachment | None = None,
    mail_from: str = "orders@sales-scaler.example",
    now: datetime | None = None,
) -> EmailMessage:
    """The buyer's email for `event` on `order`: text + HTML, in the buyer's language."""
    if event not in EVENTS:
        raise RenderError(f"no buyer email for the event {event!r}")
    problem = address_problem(order.buyer.email)
    if problem:
        raise RenderError(problem)
    lang = language_of(order, seller)
    ctx = _context(order, seller, event, lang, attachment)
    logo = _logo(seller)
    if logo is not None:
        ctx["logo_cid"] = f"logo.{seller.slug}@sales-scaler"
    text = _environment(False).get_template(f"{event}.txt.j2").render(ctx)
    html = _environment(True).get_template(f"{event}.html.j2").render(ctx)

    msg = EmailMessage()
    domain = mail_from.rpartition("@")[2]
    msg["Subject"] = _one_line(ctx["subject"])
    msg["From"] = formataddr((_one_line(seller.profile.name), mail_from))
    msg["To"] = Address(
        display_name=_one_line(order.buyer.name), addr_spec=str(order.buyer.email).strip()
    )
    if ctx["reply_to"]:
        msg["Reply-To"] = formataddr((_one_line(seller.profile.name), ctx["reply_to"]))
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = message_id(seller, order, event, domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Sales-Scaler-Order"] = _one_line(order.order_number)
    msg["X-Sales-Scaler-Event"] = event
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    if logo is not None:
        html_part = msg.get_body(("html",))
        assert html_part is not None
        html_part.add_related(logo, "image", "png", cid=f"<{ctx['logo_cid']}>")
    if attachment is not None:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{ctx['t']['invoice_file']}-{attachment.number}")
        msg.add_attachment(attachment.pdf, "application", "pdf", filename=f"{name}.pdf")
    msg["Content-Language"] = lang  # after the body: set_content moves Content-* headers
    for part in msg.walk():
        if part.is_multipart():
            # "=_" never occurs in base64 or quoted-printable bodies, so the boundary is safe
            # without the generator's search through the whole message for a collision.
            part.set_boundary(f"=_ss_{uuid.uuid4().hex}")
    return msg
