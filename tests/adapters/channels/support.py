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
