"""Rendering a buyer email, without a network or a database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes
from email.policy import SMTP, default
from typing import Any

import pytest

from adapters.mail.render import Attachment, RenderError, address_problem, render
from adapters.mail.smtp import wire_format
from oms.model import Address, Buyer, Order, OrderLine, Payment, PaymentMethod, Tracking
from oms.seller import Branding, Notifications, Seller, SellerProfile
from oms.status import OrderStatus

ADDRESS = Address(
    name="Anna", street="Seestrasse 5", postal_code="8002", city="Zürich", country="CH"
)


def an_order(language: str | None = "de", **changes: Any) -> Order:
    values: dict[str, Any] = dict(
        id=7,
        seller_id=1,
        connection_id=1,
        connection_name="shop",
        channel_kind="webshop",
        platform="shopify",
        channel_order_id="900001",
        order_number="1001",
        channel_order_number="1001",
        ordered_at=datetime(2026, 11, 20, 9, 15, tzinfo=UTC),
        status=OrderStatus.SHIPPED,
        currency="CHF",
        buyer=Buyer(name="Anna Muster", email="anna@example.ch", language=language),
        billing_address=ADDRESS,
        delivery_address=ADDRESS,
        lines=[
            OrderLine(
                name="Alpine tea",
                quantity=2,
                unit_price=Decimal("12.50"),
                vat_rate=Decimal("2.6"),
                total=Decimal("25.00"),
            )
        ],
        shipping=Decimal("7.00"),
        total=Decimal("32.00"),
        payment=Payment(method=PaymentMethod.PREPAID, paid=True),
        tracking=Tracking(
            tracking_id="99.60.123456.78901234",
            url="https://service.post.ch/track?id=99.60&lang=de",
            carrier="Swiss Post",
        ),
        cancel_reason=None,
        version=4,
    )
    values.update(changes)
    return Order(**values)


def a_seller(**branding: Any) -> Seller:
    return Seller(
        id=1,
        profile=SellerProfile(
            slug="alpen",
            name="Alpen Tee GmbH",
            street="Bahnhofstrasse",
            house_number="12",
            postal_code="8001",
            city="Zürich",
            email="hallo@alpen-tee.example",
            default_language="fr",
        ),
        branding=Branding(**branding),
    )


def bodies(msg: Any) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("de", "Ihre Bestellung 1001 ist unterwegs"),
        ("fr", "Votre commande 1001 est en route"),
        ("it", "Il suo ordine 1001 è in viaggio"),
        ("en", "Your order 1001 is on its way"),
        (None, "Votre commande 1001 est en route"),  # no buyer language: the seller's default
    ],
)
def test_the_shipped_email_speaks_the_buyers_language(language: str | None, subject: str) -> None:
    msg = render(an_order(language), a_seller(), "shipped")
    assert msg["Subject"] == subject
    assert msg["Content-Language"] == (language or "fr")


def test_the_shipped_email_has_the_tracking_id_and_a_link_to_the_tracking_url() -> None:
    text, html = bodies(render(an_order(), a_seller(), "shipped"))
    assert "99.60.123456.78901234" in text and "99.60.123456.78901234" in html
    assert "https://service.post.ch/track?id=99.60&lang=de" in text
    assert 'href="https://service.post.ch/track?id=99.60&amp;lang=de"' in html


def test_headers_name_the_seller_and_the_message_id_is_the_same_on_a_resend() -> None:
    seller = a_seller()
    seller.notifications = Notifications(reply_to="service@alpen-tee.example")
    first = render(an_order(), seller, "shipped", mail_from="mail@ss.example")
    again = render(an_order(), seller, "shipped", mail_from="mail@ss.example")
    other = render(an_order(), seller, "delivered", mail_from="mail@ss.example")
    assert first["From"] == "Alpen Tee GmbH <mail@ss.example>"
    assert first["Reply-To"] == "Alpen Tee GmbH <service@alpen-tee.example>"
    assert first["To"] == "Anna Muster <anna@example.ch>"
    assert first["Message-ID"] == again["Message-ID"] == "<shipped.order-7.alpen@ss.example>"
    assert other["Message-ID"] != first["Message-ID"]
    assert render(an_order(), a_seller(), "shipped")["Reply-To"].endswith(
        "<hallo@alpen-tee.example>"
    )


def test_seller_snippets_are_data_only_two_placeholders_are_filled() -> None:
    seller = a_seller(
        thank_you="Danke {buyer_name} für {order_number}! {{ 7*7 }} {seller}",
        after_sales="<script>alert(1)</script>\nZweite Zeile",
        disclaimer="{% for x in range(9) %}x{% endfor %}",
        primary_colour="#004b87",
    )
    text, html = bodies(render(an_order(), seller, "confirmed"))
    assert "Danke Anna Muster für 1001! {{ 7*7 }} {seller}" in text
    assert "49" not in text.replace("1'049", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>" in html and "<script>" not in html
    assert "{% for x in range(9) %}x{% endfor %}" in html
    assert "#004b87" in html


def test_buyer_names_are_escaped_in_html() -> None:
    order = an_order(buyer=Buyer(name="<b>Eve</b>", email="eve@example.ch", language="en"))
    _, html = bodies(render(order, a_seller(), "confirmed"))
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve</b>" not in html


def test_the_cancelled_email_gives_the_reason_and_promises_the_refund_of_a_paid_order() -> None:
    text, _ = bodies(
        render(an_order("de", cancel_reason="Nicht an Lager"), a_seller(), "cancelled")
    )
    assert "Grund: Nicht an Lager" in text
    assert "erstatten" in text


def test_the_invoice_is_attached_as_a_pdf_named_after_its_number() -> None:
    msg = render(an_order("de"), a_seller(), "confirmed", Attachment("R-2026-00042", b"%PDF-1.7"))
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "Rechnung-R-2026-00042.pdf"
    assert part.get_content() == b"%PDF-1.7"
    assert "R-2026-00042" in bodies(msg)[0]


@pytest.mark.parametrize(
    "email", [None, "", "   ", "anna", "anna@", "@example.ch", "an na@example.ch", "a@b", "a@@b.ch"]
)
def test_a_missing_or_malformed_buyer_address_is_refused_with_the_reason(
    email: str | None,
) -> None:
    assert address_problem(email) is not None
    order = an_order(buyer=Buyer.model_construct(name="X", email=email, language="de"))
    with pytest.raises(RenderError, match="email address"):
        render(order, a_seller(), "confirmed")


def test_there_is_no_email_for_an_event_without_one() -> None:
    with pytest.raises(RenderError, match="tracking"):
        render(an_order(), a_seller(), "tracking")


def test_the_sellers_logo_is_an_inline_image_the_html_refers_to() -> None:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#004b87").save(buffer, format="PNG")
    seller = a_seller(logo_png_base64=base64.b64encode(buffer.getvalue()).decode())
    msg = render(an_order(), seller, "confirmed")
    html_part = msg.get_body(("html",))
    assert html_part is not None
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<logo.alpen@sales-scaler>"
    assert 'src="cid:logo.alpen@sales-scaler"' in html_part.get_content()  # type: ignore[attr-defined]


def test_the_bytes_sent_are_the_ones_the_email_library_writes_for_the_rendered_message() -> None:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#004b87").save(buffer, format="PNG")
    seller = a_seller(logo_png_base64=base64.b64encode(buffer.getvalue()).decode())
    for language in ("de", "fr", "it", "en"):
        buyer = Buyer(name='Zoë Müller, "Dr." ' * 4, email="zoe@example.ch", language=language)
        order = an_order(language, buyer=buyer, order_number="R" * 80)
        for event in ("confirmed", "cancelled", "shipped", "delivered"):
            msg = render(order, seller, event, Attachment("R-2026-" + "4" * 80, b"%PDF-1.7" * 99))
            sender, recipients, sent, options = wire_format(msg)
            assert sent == msg.as_bytes(policy=SMTP)
            assert (sender, recipients, options) == (
                "orders@sales-scaler.example",
                ["zoe@example.ch"],
                [],
            )
            assert str(message_from_bytes(sent, policy=default)["To"]) == str(msg["To"])


def test_a_rendered_message_changed_afterwards_is_sent_as_changed() -> None:
    msg = render(an_order(), a_seller(), "shipped")
    before = wire_format(msg)[2]
    del msg["Subject"]
    msg["Subject"] = "Geändert"
    assert message_from_bytes(wire_format(msg)[2], policy=default)["Subject"] == "Geändert"
    body = msg.get_body(("plain",))
    assert body is not None
    body.set_content("Neuer Text")
    sent = wire_format(msg)[2]
    assert sent != before and sent == msg.as_bytes(policy=SMTP) and b"Neuer Text" in sent
