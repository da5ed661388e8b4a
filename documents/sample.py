"""A sample order for previews (the web console's branding preview) and for benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from oms.model import Address, Buyer, Order, OrderLine, Payment, PaymentMethod
from oms.seller import Seller
from oms.status import OrderStatus


def sample_order(
    seller: Seller,
    order_id: int = 0,
    number: str = "1001",
    method: PaymentMethod = PaymentMethod.INVOICE,
    language: str | None = None,
    lines: int = 3,
) -> Order:
    """A plausible order of `seller`, paid by invoice unless told otherwise."""
    address = Address(
        name="Anna Muster",
        street="Seestrasse 5",
        postal_code="8002",
        city="Zürich",
        country="CH",
    )
    catalogue = [
        ("TEA-1", "Alpine herbal tea, 100 g", 2, Decimal("12.50"), Decimal("2.6")),
        ("MUG-1", "Enamel mug", 1, Decimal("19.90"), Decimal("8.1")),
        ("HNY-2", "Mountain honey, 250 g", 3, Decimal("9.80"), Decimal("2.6")),
    ]
    order_lines = [
        OrderLine(sku=sku, name=name, quantity=q, unit_price=price, vat_rate=rate, total=price * q)
        for sku, name, q, price, rate in (catalogue * (lines // len(catalogue) + 1))[:lines]
    ]
    shipping = Decimal("7.00")
    return Order(
        id=order_id,
        seller_id=seller.id,
        connection_id=0,
        connection_name="shop",
        channel_kind="webshop",
        platform="shopify",
        channel_order_id=number,
        order_number=number,
        channel_order_number=number,
        ordered_at=datetime(2026, 11, 20, 9, 15, tzinfo=UTC),
        status=OrderStatus.CONFIRMED,
        currency="CHF",
        buyer=Buyer(name="Anna Muster", email="anna@example.ch", language=language),
        billing_address=address,
        delivery_address=address,
        lines=order_lines,
        shipping=shipping,
        total=sum((li.total for li in order_lines), shipping),
        payment=Payment(method=method, paid=method is PaymentMethod.PREPAID),
        tracking=None,
        cancel_reason=None,
        version=1,
    )
