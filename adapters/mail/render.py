"""Render a buyer email: order + seller + event (+ invoice) -> EmailMessage. No I/O beyond
reading our own templates.

Templates (templates/emails/<event>.{html,txt}.j2) are our code; everything the
seller or the buyer typed is data: autoescaped in HTML, never compiled as a
template, and only the placeholders {order_number} and {buyer_name} are filled
in, by us. The Message-ID is derived from (seller, order, event), so a re-sent
email carries the same one. Templates are compiled once per process, what a seller's
emails share (branding, logo part) once per seller; the MIME tree and its SMTP bytes
are built together by adapters/mail/mime.py.
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
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from adapters.mail.mime import (
    Part,
    binary_part,
    build,
    fitted,
    mailbox,
    multipart,
    text_part,
    unstructured,
)
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
        auto_reload=False,  # our templates change with a release, not while a process runs
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["nl2br"] = _nl2br
    return env


@lru_cache(maxsize=16)
def _template(event: str, html: bool) -> Template:
    """Compiled once per process (`extends` resolves the layout once, too)."""
    return _environment(html).get_template(f"{event}.{'html' if html else 'txt'}.j2")


def _one_line(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()


def _money(currency: str, amount: Decimal) -> str:
    return f"{currency} {amount:,.2f}".replace(",", "'")


def _colour(value: str, default: str) -> str:
    return value if HEX_COLOUR.fullmatch(value) else default  # CSS is not autoescaped


def _logo(raw: str | None) -> bytes | None:
    if not raw:
        return None
    try:
        png = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
    return png if png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) <= _MAX_LOGO else None


@dataclass(frozen=True)
class _Sender:
    """What every email of one seller shares (branding, addresses, logo): made once."""

    values: dict[str, Any]
    logo: Part | None


@lru_cache(maxsize=64)
def _sender(
    slug: str,
    profile: tuple[str, ...],
    colours: tuple[str, str, str],
    reply: str | None,
    logo_png_base64: str | None,
) -> _Sender:
    name, street, house_number, postal_code, city = profile
    primary, accent, font = colours
    png = _logo(logo_png_base64)
    cid = f"logo.{slug}@sales-scaler" if png is not None else None
    return _Sender(
        {
            "seller_name": name,
            "seller_address": f"{street} {house_number}".strip() + f", {postal_code} {city}",
            "primary": _colour(primary, "#1f3a5f"),
            "accent": _colour(accent, "#e4572e"),
            "font": font.replace("'", ""),
            "reply_to": reply,
            "logo_cid": cid,
        },
        None
        if png is None
        else binary_part(
            "image/png", png, [("Content-Disposition", "inline"), ("Content-ID", f"<{cid}>")]
        ),
    )


def _seller_part(seller: Seller) -> _Sender:
    p, b = seller.profile, seller.branding
    return _sender(
        seller.slug,
        (p.name, p.street, p.house_number, p.postal_code, p.city),
        (b.primary_colour, b.accent_colour, b.font),
        reply_to(seller),
        b.logo_png_base64,
    )


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
    return {
        **_seller_part(seller).values,
        "lang": lang,
        "t": t,
        "subject": fill(catalogue["subject"][event], values),
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
    text = _template(event, False).render(ctx)
    html = text_part("html", _template(event, True).render(ctx))
    sender = _seller_part(seller)
    # One random part per email; the letter keeps one boundary from being the beginning of
    # another (RFC 2046 lets a reader match a boundary on the beginning of a line).
    boundary = uuid.uuid4().hex
    if sender.logo is not None:
        html = multipart("related", [html, sender.logo], f"=_ss_r{boundary}")
    body = multipart("alternative", [text_part("plain", text), html], f"=_ss_a{boundary}")
    if attachment is not None:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{ctx['t']['invoice_file']}-{attachment.number}")
        pdf = binary_part(
            "application/pdf",
            attachment.pdf,
            [
                (
                    "Content-Disposition",
                    fitted("Content-Disposition", f'attachment; filename="{name}.pdf"'),
                )
            ],
        )
        body = multipart("mixed", [body, pdf], f"=_ss_m{boundary}")

    seller_name = _one_line(seller.profile.name)
    buyer = str(order.buyer.email).strip()
    headers = [
        ("Subject", unstructured("Subject", _one_line(ctx["subject"]))),
        ("From", mailbox("From", seller_name, mail_from)),
        ("To", mailbox("To", _one_line(order.buyer.name), buyer)),
    ]
    if ctx["reply_to"]:
        headers.append(("Reply-To", mailbox("Reply-To", seller_name, ctx["reply_to"])))
    domain = mail_from.rpartition("@")[2]
    headers += [
        ("Date", format_datetime(now or datetime.now(UTC))),
        ("Message-ID", message_id(seller, order, event, domain)),
        ("Auto-Submitted", "auto-generated"),
        (
            "X-Sales-Scaler-Order",
            unstructured("X-Sales-Scaler-Order", _one_line(order.order_number)),
        ),
        ("X-Sales-Scaler-Event", event),
        ("Content-Language", lang),
    ]
    return build(headers, body, (mail_from, [buyer]))
