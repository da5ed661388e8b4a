"""The seller actions against a real database (both backends)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from oms import actions
from oms.errors import NotFound, OmsError
from oms.model import Tracking
from oms.status import Action, Actor
from oms.store import orders as order_store
from oms.store.db import transaction
from oms.store.schema import OrderEventRow, OrderRow, OutboxItemRow
from tests.factories import SellerSetup, add_demo_seller, import_orders, make_order


def statuses(engine: Engine) -> dict[str, str]:
    with transaction(engine) as s:
        return dict(s.execute(select(OrderRow.order_number, OrderRow.status)).all())


def outbox_rows(engine: Engine) -> list[tuple[str, str, str]]:
    with transaction(engine) as s:
        rows = s.execute(
            select(OrderRow.order_number, OutboxItemRow.topic, OutboxItemRow.event)
            .join(OrderRow, OrderRow.id == OutboxItemRow.order_id)
            .order_by(OutboxItemRow.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def events(engine: Engine, number: str) -> list[tuple[str, str | None, str, str]]:
    with transaction(engine) as s:
        rows = s.execute(
            select(
                OrderEventRow.kind,
                OrderEventRow.from_status,
                OrderEventRow.to_status,
                OrderEventRow.actor,
            )
            .join(OrderRow, OrderRow.id == OrderEventRow.order_id)
            .where(OrderRow.order_number == number)
            .order_by(OrderEventRow.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_confirm_writes_state_audit_and_every_side_effect_together(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    result = actions.confirm(engine, shop.seller, ["1001"])
    assert result.applied == ["1001"] and not result.refused
    assert statuses(engine) == {"1001": "confirmed"}
    assert events(engine, "1001")[-1] == ("confirm", "open", "confirmed", "seller")
    assert sorted(outbox_rows(engine)) == sorted(
        [
            ("1001", "channel", "confirmed"),
            ("1001", "email", "confirmed"),
            ("1001", "documents", "confirmed"),
            ("1001", "accounting", "paid"),
        ]
    )


def test_each_outbox_row_has_a_unique_idempotency_key_of_the_change(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    actions.confirm(engine, shop.seller, ["1001"])
    with transaction(engine) as s:
        keys = list(s.scalars(select(OutboxItemRow.idempotency_key)))
        oid = s.scalar(select(OrderRow.id))
    assert f"channel:confirmed:{oid}:2" in keys
    assert len(keys) == len(set(keys))


def test_marketplace_orders_get_no_buyer_email(engine: Engine, shop: SellerSetup) -> None:
    import_orders(engine, shop, [make_order(1, platform="mirakl")], marketplace=True)
    actions.confirm(engine, shop.seller, ["1001"])
    assert ("1001", "email", "confirmed") not in outbox_rows(engine)
    assert ("1001", "channel", "confirmed") in outbox_rows(engine)


def test_a_switched_off_email_event_writes_no_email_row(engine: Engine, shop: SellerSetup) -> None:
    from oms.store import sellers

    with transaction(engine) as s:
        seller = sellers.save_settings(
            s,
            shop.seller,
            "notifications",
            shop.seller.notifications.model_copy(update={"confirmed": False}),
        )
    import_orders(engine, shop, [make_order(1)])
    actions.confirm(engine, seller, ["1001"])
    assert ("1001", "email", "confirmed") not in outbox_rows(engine)


def test_a_bulk_action_applies_where_allowed_and_reports_each_refusal(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(i) for i in range(1, 5)])
    actions.confirm(engine, shop.seller, ["1002"])
    actions.cancel(engine, shop.seller, ["1003"], reason="buyer asked")
    before = outbox_rows(engine)
    result = actions.confirm(engine, shop.seller, ["1001", "1002", "1003", "1004", "9999", "1001"])
    assert result.applied == ["1001", "1004"]
    assert [str(r) for r in result.refused] == [
        "order 1002: is confirmed: cannot confirm it",
        "order 1003: is cancelled: cannot confirm it",
        "order 9999: not found",
    ]
    # The refused orders have no new rows of any kind.
    new = outbox_rows(engine)[len(before) :]
    assert {n for n, _, _ in new} == {"1001", "1004"}
    assert events(engine, "1003")[-1][0] == "cancel"


def test_a_single_refused_action_raises_and_changes_nothing(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    result = actions.ship(engine, shop.seller, [("1001", None)])
    with pytest.raises(OmsError, match="order 1001 is open: cannot ship it"):
        result.raise_for_single()
    assert statuses(engine) == {"1001": "open"}
    assert events(engine, "1001") == [("imported", None, "open", "channel")]


def test_another_sellers_order_is_not_found(engine: Engine, shop: SellerSetup) -> None:
    other = add_demo_seller(engine, slug="other")
    import_orders(engine, other, [make_order(1)])
    result = actions.confirm(engine, shop.seller, ["1001"])
    assert [str(r) for r in result.refused] == ["order 1001: not found"]
    with pytest.raises(NotFound):
        result.raise_for_single()
    assert statuses(engine) == {"1001": "open"}


def test_tracking_is_for_confirmed_orders_and_may_change_before_shipping(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1), make_order(2)])
    actions.confirm(engine, shop.seller, ["1001"])
    first = Tracking(tracking_id="99.1", url="https://post.ch/99.1", carrier="Swiss Post")
    result = actions.track(engine, shop.seller, [("1001", first), ("1002", first)])
    assert result.applied == ["1001"]
    assert [str(r) for r in result.refused] == ["order 1002: is open: cannot track it"]
    actions.track(engine, shop.seller, [("1001", Tracking(tracking_id="99.2"))])
    actions.ship(engine, shop.seller, [("1001", None)])
    late = actions.track(engine, shop.seller, [("1001", Tracking(tracking_id="99.3"))])
    assert [str(r) for r in late.refused] == ["order 1001: is shipped: cannot track it"]
    with transaction(engine) as s:
        order = order_store.get_order(s, shop.seller, "1001")
        timeline = order_store.timeline(s, shop.seller, "1001")
    assert order.tracking is not None and order.tracking.tracking_id == "99.2"
    assert [e.details.get("tracking_id") for e in timeline if e.kind == "track"] == ["99.1", "99.2"]
    assert [e for n, t, e in outbox_rows(engine) if t == "channel"] == [
        "confirmed",
        "tracking",
        "tracking",
        "shipped",
    ]


def test_ship_can_set_tracking_and_deliver_ends_the_journey(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1)])
    actions.confirm(engine, shop.seller, ["1001"])
    actions.ship(engine, shop.seller, [("1001", Tracking(tracking_id="T1"))])
    actions.deliver(engine, shop.seller, ["1001"])
    assert [e[0] for e in events(engine, "1001")] == ["imported", "confirm", "ship", "deliver"]
    assert statuses(engine) == {"1001": "delivered"}
    refused = actions.cancel(engine, shop.seller, ["1001"], reason="too late")
    assert [str(r) for r in refused.refused] == ["order 1001: is delivered: cannot cancel it"]


def test_cancel_needs_a_reason_and_records_it(engine: Engine, shop: SellerSetup) -> None:
    import_orders(engine, shop, [make_order(1)])
    with pytest.raises(OmsError, match="a reason is required"):
        actions.cancel(engine, shop.seller, ["1001"], reason="  ")
    actions.cancel(engine, shop.seller, ["1001"], reason="Out of stock")
    with transaction(engine) as s:
        order = order_store.get_order(s, shop.seller, "1001")
        payload = s.scalar(select(OutboxItemRow.payload).where(OutboxItemRow.topic == "channel"))
    assert order.cancel_reason == "Out of stock"
    assert json.loads(payload or "{}") == {"reason": "Out of stock"}


def test_mark_paid_books_the_payment_once(engine: Engine, shop: SellerSetup) -> None:
    unpaid = {"method": "invoice", "paid": False}
    import_orders(engine, shop, [make_order(1, payment=unpaid), make_order(2, payment=unpaid)])
    actions.cancel(engine, shop.seller, ["1002"], reason="x")
    result = actions.mark_paid(engine, shop.seller, ["1001", "1002"])
    assert result.applied == ["1001"]
    assert [str(r) for r in result.refused] == ["order 1002: is cancelled: cannot mark it paid"]
    again = actions.mark_paid(engine, shop.seller, ["1001"])
    assert [str(r) for r in again.refused] == ["order 1001: is paid already"]
    assert outbox_rows(engine).count(("1001", "accounting", "paid")) == 1


def test_automations_advance_every_allowed_order_in_batches(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(i) for i in range(1, 13)])
    actions.cancel(engine, shop.seller, ["1012"], reason="x")
    result = actions.advance_all(engine, shop.seller, Action.CONFIRM, batch_size=5)
    assert result.count == 11
    assert set(statuses(engine).values()) == {"confirmed", "cancelled"}
    with transaction(engine) as s:
        actors = set(s.scalars(select(OrderEventRow.actor).where(OrderEventRow.kind == "confirm")))
        docs = s.scalar(
            select(func.count())
            .select_from(OutboxItemRow)
            .where(OutboxItemRow.topic == "documents")
        )
    assert actors == {Actor.AUTOMATION.value}
    assert docs == 11
    assert actions.advance_all(engine, shop.seller, Action.CONFIRM).count == 0
