"""Idempotent upsert of channel orders, and reading them back (both backends)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, func, select

from oms.store import orders as order_store
from oms.store.db import transaction
from oms.store.schema import OrderEventRow, OrderLineRow, OrderRow, OutboxItemRow
from tests.factories import SellerSetup, import_orders, make_order, order_data


def count(engine: Engine, model: type) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_reading_the_same_page_twice_never_duplicates(engine: Engine, shop: SellerSetup) -> None:
    page = [make_order(i) for i in range(1, 6)]
    first = import_orders(engine, shop, page)
    second = import_orders(engine, shop, page + page[:2])
    assert len(first.new) == 5
    assert (second.new, second.updated, len(second.unchanged)) == ([], [], 5)
    assert count(engine, OrderRow) == 5
    assert count(engine, OrderLineRow) == 10
    assert count(engine, OrderEventRow) == 5


def test_a_changed_address_updates_the_order_and_says_what_changed(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    moved = dict(order_data(1)["delivery_address"], street="Neue Gasse 9")
    result = import_orders(engine, shop, [make_order(1, delivery_address=moved)])
    assert result.updated == ["1001"]
    with transaction(engine) as s:
        order = order_store.get_order(s, shop.seller, "1001")
        timeline = order_store.timeline(s, shop.seller, "1001")
    assert order.delivery_address.street == "Neue Gasse 9"
    assert timeline[-1].kind == "updated"
    assert timeline[-1].details == {"changed": ["delivery_address"]}


def test_a_cancellation_on_the_channel_goes_through_the_status_machine(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1), make_order(2)])
    result = import_orders(engine, shop, [make_order(1, status="cancelled")])
    assert result.transitions == ["1001: open -> cancelled"]
    with transaction(engine) as s:
        timeline = order_store.timeline(s, shop.seller, "1001")
        pushes = s.scalar(
            select(func.count()).select_from(OutboxItemRow).where(OutboxItemRow.topic == "channel")
        )
    cancel = timeline[-1]
    assert (cancel.kind, cancel.actor, cancel.from_status, cancel.to_status) == (
        "cancel",
        "channel",
        "open",
        "cancelled",
    )
    assert pushes == 0  # the channel told us; nothing to push back


def test_a_channel_status_behind_ours_is_kept_and_noted(engine: Engine, shop: SellerSetup) -> None:
    from oms import actions

    import_orders(engine, shop, [make_order(1)])
    actions.confirm(engine, shop.seller, ["1001"])
    actions.ship(engine, shop.seller, [("1001", None)])
    import_orders(engine, shop, [make_order(1, status="cancelled")])
    with transaction(engine) as s:
        order = order_store.get_order(s, shop.seller, "1001")
        last = order_store.timeline(s, shop.seller, "1001")[-1]
    assert order.status.value == "shipped"
    assert (last.kind, last.details) == ("channel_status_kept", {"channel_status": "cancelled"})


def test_an_order_shipped_on_the_channel_walks_the_whole_path(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    import_orders(engine, shop, [make_order(1, status="shipped")])
    with transaction(engine) as s:
        kinds = [e.kind for e in order_store.timeline(s, shop.seller, "1001")]
    assert kinds == ["imported", "updated", "confirm", "ship"]


def test_a_payment_reported_by_the_channel_marks_the_order_paid(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1, payment={"method": "invoice", "paid": False})])
    import_orders(engine, shop, [make_order(1, payment={"method": "invoice", "paid": True})])
    with transaction(engine) as s:
        order = order_store.get_order(s, shop.seller, "1001")
    assert order.payment.paid


def test_the_same_number_on_two_channels_stays_unique_per_seller(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    import_orders(engine, shop, [make_order(1, platform="mirakl")], marketplace=True)
    with transaction(engine) as s:
        numbers = sorted(r.order_number for r in order_store.list_orders(s, shop.seller))
        other = order_store.get_order(s, shop.seller, "market-1001")
    assert numbers == ["1001", "market-1001"]
    assert other.channel_order_number == "1001"


def test_new_orders_that_arrive_accepted_get_their_documents(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1, status="confirmed"), make_order(2)])
    with transaction(engine) as s:
        topics = sorted(s.scalars(select(OutboxItemRow.topic)))
    assert topics == ["accounting", "documents"]


def test_amounts_read_back_exactly_on_both_databases(engine: Engine, shop: SellerSetup) -> None:
    line = {
        "sku": "X",
        "name": "Präzisionswaage",
        "quantity": 3,
        "unit_price": "0.3333",
        "vat_rate": "8.1",
        "total": "1.00",
    }
    import_orders(engine, shop, [make_order(1, lines=[line], shipping="0.00", total="1.00")])
    with transaction(engine) as s:
        order = order_store.get_order(s, shop.seller, "1001")
    assert order.lines[0].unit_price == Decimal("0.3333")
    assert str(order.lines[0].vat_rate) == "8.1"
    assert order.total == Decimal("1.00")
    assert order.ordered_at.utcoffset() is not None


def test_list_orders_filters_and_pages(engine: Engine, shop: SellerSetup) -> None:
    import_orders(engine, shop, [make_order(i) for i in range(1, 8)])
    import_orders(engine, shop, [make_order(9, platform="mirakl")], marketplace=True)
    with transaction(engine) as s:
        first = order_store.list_orders(s, shop.seller, limit=3)
        rest = order_store.list_orders(s, shop.seller, after_id=first[-1].id, limit=100)
        market = order_store.list_orders(s, shop.seller, channel="market")
    assert [o.order_number for o in first] == ["1001", "1002", "1003"]
    assert len(rest) == 5
    assert [o.order_number for o in market] == ["1009"]


def test_numbers_stay_unique_when_the_prefixed_form_is_taken_too(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    market = [make_order(1, platform="mirakl", channel_order_id=f"M{i}") for i in range(3)]
    for order in market:
        import_orders(engine, shop, [order], marketplace=True)
    with transaction(engine) as s:
        numbers = sorted(r.order_number for r in order_store.list_orders(s, shop.seller))
    assert numbers == ["1001", "market-1001", "market-M1", "market-M2"]


def test_a_prefixed_number_that_would_be_too_long_still_fits_the_column(
    engine: Engine, shop: SellerSetup
) -> None:
    long_number = "N" * 64
    import_orders(engine, shop, [make_order(1, order_number=long_number)])
    import_orders(
        engine, shop, [make_order(1, platform="mirakl", order_number=long_number)], marketplace=True
    )
    with transaction(engine) as s:
        numbers = [r.order_number for r in order_store.list_orders(s, shop.seller)]
    assert numbers[0] == long_number
    assert len(numbers[1]) == 64 and numbers[1].startswith("market-NNN")
