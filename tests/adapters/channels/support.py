"""Building blocks for the channel tests: a connection to a fake, a stored order, an outbox row."""

from __future__ import annotations

from typing import Any, Protocol

from oms.connection import PLATFORM_KINDS, ChannelConnection
from oms.model import NormalizedOrder, Order, Tracking
from oms.store.outbox import OutboxItem


class Reachable(Protocol):
    """A fake server, or anything else with a platform and a base URL."""

    platform: str
    base_url: str


def connection_to(fake: Reachable, **options: Any) -> ChannelConnection:
    return ChannelConnection(
        id=1,
        seller_id=1,
        name=f"{fake.platform}-test",
        platform=fake.platform,
        kind=PLATFORM_KINDS[fake.platform],
        base_url=fake.base_url,
        credentials_ref="env:TEST_CHANNEL_SECRET",
        options=options,
    )


def stored(n: NormalizedOrder, tracking: Tracking | None = None, **changes: Any) -> Order:
    """The order as the store would hand it to a push: the normalized order plus our fields."""
    return Order(
        id=1,
        seller_id=1,
        connection_id=1,
        connection_name="test",
        channel_kind=PLATFORM_KINDS[n.platform].value,
        platform=n.platform,
        channel_order_id=n.channel_order_id,
        order_number=n.order_number,
        channel_order_number=n.order_number,
        ordered_at=n.ordered_at,
        status=changes.pop("status", n.status),
        currency=n.currency,
        buyer=n.buyer,
        billing_address=n.billing_address,
        delivery_address=n.delivery_address,
        lines=n.lines,
        shipping=n.shipping,
        total=n.total,
        payment=n.payment,
        tracking=tracking,
        cancel_reason=changes.pop("cancel_reason", None),
        version=1,
    )


def item(event: str, payload: dict[str, Any] | None = None, attempts: int = 1) -> OutboxItem:
    return OutboxItem(
        id=1,
        seller_id=1,
        order_id=1,
        topic="channel",
        event=event,
        idempotency_key=f"channel:{event}:1:1",
        payload=payload or {},
        attempts=attempts,
    )


TRACKING = Tracking(
    tracking_id="99.00.123456.12345678",
    url="https://service.post.ch/ekp-web/ui/entry/shipping/1/?formattedParcelCodes=99.00.123456.12345678",
    carrier="Swiss Post",
)
TRACKING_PAYLOAD = {
    "tracking_id": TRACKING.tracking_id,
    "tracking_url": TRACKING.url,
    "carrier": TRACKING.carrier,
}


def mirakl_order(**changes: Any) -> dict[str, Any]:
    """An OR11 order as the Mirakl seller API documents it (amounts are JSON numbers)."""
    order: dict[str, Any] = {
        "order_id": "GAL-778-A",
        "commercial_id": "GAL-778",
        "created_date": "2026-11-20T09:15:00.000Z",
        "last_updated_date": "2026-11-20T09:16:00.000Z",
        "order_state": "WAITING_ACCEPTANCE",
        "currency_iso_code": "CHF",
        "order_tax_mode": "TAX_INCLUDED",
        "customer": {
            "firstname": "Chloé",
            "lastname": "Favre",
            "locale": "fr_CH",
            "billing_address": {
                "firstname": "Chloé",
                "lastname": "Favre",
                "street_1": "Rue du Marché 4",
                "zip_code": "1204",
                "city": "Genève",
                "country_iso_code": "CHE",
            },
            "shipping_address": {
                "firstname": "Chloé",
                "lastname": "Favre",
                "street_1": "Rue du Marché 4",
                "zip_code": "1204",
                "city": "Genève",
                "country_iso_code": "LIE",
            },
        },
        "customer_notification_email": "x1@notify.example",
        "total_price": 64.8,
        "order_lines": [
            {
                "order_line_id": "GAL-778-A-1",
                "order_line_state": "WAITING_ACCEPTANCE",
                "offer_sku": "MUG-01",
                "product_title": "Tasse &laquo;Matterhorn&raquo;",
                "quantity": 2,
                "price_unit": 19.9,
                "price": 39.8,
                "shipping_price": 7.0,
                "taxes": [{"amount": 2.98, "code": "MWST-8.1", "rate": 8.1}],
                "shipping_taxes": [{"amount": 0.52, "code": "MWST-8.1", "rate": 8.1}],
            },
            {
                "order_line_id": "GAL-778-A-2",
                "order_line_state": "WAITING_ACCEPTANCE",
                "offer_sku": "TEA-100",
                "product_title": "Tee",
                "quantity": 2,
                "price_unit": 9.0,
                "price": 18.0,
                "shipping_price": 0,
                "taxes": [{"amount": 0.46, "code": "MWST-2.6"}],
            },
        ],
    }
    order.update(changes)
    return order
