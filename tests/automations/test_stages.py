"""The automation stages as plain functions, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, func, select

from oms.seller import Automations, Seller, SellerProfile
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OrderEventRow, OutboxItemRow
from tasks.automations import Stage, advance, find_work, ship_due
from tests.automations.fixtures import seller_with, statuses


def _seller(at: time, timezone: str = "Europe/Zurich") -> Seller:
    profile = SellerProfile(
        slug="s", name="S", street="x", postal_code="8000", city="Z", timezone=timezone
    )
    return Seller(id=1, profile=profile, automations=Automations(auto_ship=True, auto_ship_at=at))


def test_auto_ship_is_due_in_the_quarter_hour_that_ends_at_its_local_time() -> None:
    seller = _seller(time(17, 0))
    winter_17h = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 17:00 in Zurich (CET)
    assert ship_due(seller, winter_17h)
    assert ship_due(seller, winter_17h + timedelta(minutes=14))
    assert not ship_due(seller, winter_17h + timedelta(minutes=15))
    assert not ship_due(seller, winter_17h - timedelta(seconds=1))
    summer_17h = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)  # 17:00 in Zurich (CEST)
    assert ship_due(seller, summer_17h)
    assert not ship_due(seller, summer_17h + timedelta(hours=1))


def test_auto_ship_uses_the_sellers_own_time_zone_and_time() -> None:
    london = _seller(time(9, 30), "Europe/London")
    assert ship_due(london, datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    assert ship_due(london, datetime(2026, 12, 1, 9, 44, tzinfo=UTC))
    assert not ship_due(london, datetime(2026, 12, 1, 10, 30, tzinfo=UTC))


def test_auto_ship_at_midnight_is_found_by_the_tick_just_after_it() -> None:
    seller = _seller(time(0, 0))
    assert ship_due(seller, datetime(2026, 12, 1, 23, 5, tzinfo=UTC))  # 00:05 Dec 2 in Zurich
    assert not ship_due(seller, datetime(2026, 12, 1, 22, 55, tzinfo=UTC))


def test_auto_confirm_skips_sellers_without_the_automation(engine: Engine) -> None:
    on = seller_with(engine, "on", 40, auto_confirm=True)
    off = seller_with(engine, "off", 30, start=100, auto_ship=True, auto_deliver=True)
    work = find_work(engine, Stage.CONFIRM)
    assert [(w.slug, w.pending) for w in work.sellers] == [("on", 40)]
    assert work.skipped == {"off": "auto-confirm is off"}
    with transaction(engine) as session:
        outbox_before = session.scalar(select(func.count()).select_from(OutboxItemRow))
    assert advance(engine, Stage.CONFIRM, "on", 25, batch_size=10) == 25
    assert advance(engine, Stage.CONFIRM, "on", 25, batch_size=10) == 15
    assert advance(engine, Stage.CONFIRM, "off", 25, batch_size=10) == 0
    assert statuses(engine, on) == {"confirmed": 40}
    assert statuses(engine, off) == {"open": 30}
    with transaction(engine) as session:
        audit = session.execute(
            select(OrderEventRow.seller_id, OrderEventRow.actor, func.count())
            .where(OrderEventRow.kind == "confirm")
            .group_by(OrderEventRow.seller_id, OrderEventRow.actor)
        ).all()
        off_outbox = session.scalar(
            select(func.count()).where(OutboxItemRow.seller_id == off.seller.id)
        )
        outbox_after = session.scalar(select(func.count()).select_from(OutboxItemRow))
    assert [tuple(r) for r in audit] == [(on.seller.id, "automation", 40)]
    assert off_outbox == 0
    assert (outbox_after or 0) > (outbox_before or 0)


def test_a_stage_finds_only_orders_in_its_source_status(engine: Engine) -> None:
    both = seller_with(engine, "both", 12, auto_confirm=True, auto_ship=True, auto_deliver=True)
    assert find_work(engine, Stage.SHIP).skipped == {"both": "no confirmed orders"}
    assert advance(engine, Stage.CONFIRM, "both", 100, batch_size=5) == 12
    assert advance(engine, Stage.SHIP, "both", 100, batch_size=5) == 12
    assert advance(engine, Stage.DELIVER, "both", 100, batch_size=5) == 12
    assert statuses(engine, both) == {"delivered": 12}


def test_a_scheduled_auto_ship_tick_ships_only_the_sellers_due_then(engine: Engine) -> None:
    seller_with(engine, "five", 3, auto_ship=True, auto_ship_at="17:00")
    seller_with(engine, "six", 3, start=50, auto_ship=True, auto_ship_at="18:00")
    for slug in ("five", "six"):
        with transaction(engine) as session:
            s = seller_store.get_seller(session, slug)
            s = seller_store.save_settings(
                session, s, "automations", s.automations.model_copy(update={"auto_confirm": True})
            )
        advance(engine, Stage.CONFIRM, slug, 10, batch_size=10)
    tick = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 17:00 in Zurich
    work = find_work(engine, Stage.SHIP, tick=tick)
    assert [w.slug for w in work.sellers] == ["five"]
    assert work.skipped == {"six": "ships at 18:00 local time"}
    manual = find_work(engine, Stage.SHIP, seller="six")  # no tick: an operator's run
    assert [(w.slug, w.pending) for w in manual.sellers] == [("six", 3)]
