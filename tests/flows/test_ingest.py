"""Ingest logic without Prefect: mapping, quarantine, idempotent pages, cursor and overlap."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from adapters.channels.base import RetryableChannelError
from oms.ingest import IngestCounts, later_cursor, map_page, since_for, store_page
from oms.store import orders as order_store
from oms.store import outbox, quarantine
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OrderEventRow, OrderRow
from tasks.channels_stream import PageStream
from tests.factories import SellerSetup
from tests.flows.channel_double import MemoryChannel, raw


def ingest(engine: Engine, shop: SellerSetup, raws: list[dict[str, Any]]) -> IngestCounts:
    """One page through the same plain functions the store-page task calls."""
    channel = MemoryChannel(shop.webshop, raws)
    page = map_page(raws, channel.map_order)
    with transaction(engine) as session:
        return store_page(
            session, shop.seller, shop.webshop, page, len(raws), "2026-11-01T09:00:00+00:00"
        )


def table_sizes(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as session:
        orders = session.scalar(select(func.count()).select_from(OrderRow)) or 0
        events = session.scalar(select(func.count()).select_from(OrderEventRow)) or 0
    return orders, events


def test_reading_the_same_page_again_changes_nothing(engine: Engine, shop: SellerSetup) -> None:
    raws = [raw(i) for i in range(1, 5)]
    first = ingest(engine, shop, raws)
    before = table_sizes(engine)
    again = ingest(engine, shop, raws)
    assert (first.new, first.unchanged) == (4, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 4)
    assert table_sizes(engine) == before == (4, 4)


def test_an_unmappable_payload_is_quarantined_once_and_the_rest_goes_on(
    engine: Engine, shop: SellerSetup
) -> None:
    raws = [raw(1), {**raw(2), "broken": "line 1 has no price"}, raw(3)]
    counts = ingest(engine, shop, raws)
    ingest(engine, shop, raws)  # the overlap reads it again
    with transaction(engine) as session:
        held = quarantine.list_open(session, shop.seller.id)
    assert (counts.new, counts.quarantined) == (2, 1)
    assert [(q.channel_order_id, q.reason) for q in held] == [
        ("900002", "order 900002: line 1 has no price")
    ]
    assert held[0].payload["order"]["order_number"] == "1002"
    # Mapped after all (the channel fixed it): the open row is resolved.
    ingest(engine, shop, [raw(2)])
    with transaction(engine) as session:
        assert quarantine.list_open(session, shop.seller.id) == []


def test_a_cancellation_on_the_channel_cancels_the_order_with_its_audit_row(
    engine: Engine, shop: SellerSetup
) -> None:
    ingest(engine, shop, [raw(1), raw(2)])
    counts = ingest(engine, shop, [raw(1, minutes=5, status="cancelled"), raw(2)])
    with transaction(engine) as session:
        order = order_store.get_order(session, shop.seller, "1001")
        story = order_store.timeline(session, shop.seller, "1001")
        pending = outbox.counts(session, shop.seller.id)
    assert order.status.value == "cancelled"
    assert counts.transitions == ["1001: open -> cancelled"]
    cancel = [e for e in story if e.kind == "cancel"]
    assert [(e.actor, e.from_status, e.to_status) for e in cancel] == [
        ("channel", "open", "cancelled")
    ]
    assert ("channel", "pending") not in pending  # the channel told us: nothing to push back


def test_an_address_change_on_the_channel_updates_the_order(
    engine: Engine, shop: SellerSetup
) -> None:
    ingest(engine, shop, [raw(1)])
    moved = raw(1, minutes=3)
    moved["order"]["delivery_address"] = {
        **moved["order"]["delivery_address"],
        "street": "Neugasse 9",
        "city": "Winterthur",
        "postal_code": "8400",
    }
    counts = ingest(engine, shop, [moved])
    with transaction(engine) as session:
        order = order_store.get_order(session, shop.seller, "1001")
        story = order_store.timeline(session, shop.seller, "1001")
    assert counts.updated == 1
    assert (order.delivery_address.street, order.delivery_address.city) == (
        "Neugasse 9",
        "Winterthur",
    )
    assert story[-1].kind == "updated" and story[-1].actor == "channel"
    assert "delivery_address" in story[-1].details["changed"]  # type: ignore[operator]


def test_the_cursor_is_stored_with_the_page(engine: Engine, shop: SellerSetup) -> None:
    ingest(engine, shop, [raw(1)])
    with transaction(engine) as session:
        conn = seller_store.get_connection(session, shop.seller, "shop")
    assert conn.sync_cursor == "2026-11-01T09:00:00+00:00"


def test_a_poll_starts_the_overlap_before_the_cursor_and_the_cursor_never_moves_back() -> None:
    assert since_for(None, 300) is None
    assert since_for("2026-11-01T10:00:00+01:00", 300) == "2026-11-01T08:55:00+00:00"
    assert later_cursor("2026-11-01T09:00:00Z", "2026-11-01T08:00:00Z") == "2026-11-01T09:00:00Z"
    assert later_cursor("2026-11-01T09:00:00Z", "2026-11-01T11:00:00+01:00") == (
        "2026-11-01T11:00:00+01:00"
    )
    assert later_cursor(None, None) is None


def test_a_failed_walk_starts_again_from_the_committed_cursor_minus_the_overlap(
    shop: SellerSetup,
) -> None:
    channel = MemoryChannel(shop.webshop, [raw(i, minutes=i) for i in range(1, 7)])
    stream = PageStream(channel, "2026-11-01T08:00:00+00:00", overlap_seconds=60)
    first = stream.next_page()
    assert first is not None and [r["id"] for r in first.orders] == ["900001", "900002"]
    stream.commit(first.max_updated_at)
    channel.fail_reads = [RetryableChannelError("502")]
    with pytest.raises(RetryableChannelError):
        stream.next_page()
    again = stream.next_page()
    # Committed up to 08:02; the new walk starts a minute (the overlap) earlier.
    assert channel.since_asked == ["2026-11-01T07:59:00+00:00", "2026-11-01T08:01:00+00:00"]
    assert again is not None and [r["id"] for r in again.orders] == ["900001", "900002"]
