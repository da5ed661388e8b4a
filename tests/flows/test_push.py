"""Push logic without Prefect: order per order, exactly-once effects under faults, dead rows."""

from __future__ import annotations

from contextlib import nullcontext

from sqlalchemy import Engine, select

from adapters.channels.base import PermanentChannelError, RetryableChannelError
from oms import actions
from oms.draining import DrainReport, drain
from oms.effects import Topic
from oms.model import Tracking
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OutboxItemRow
from tasks.channels_http import Pacer
from tasks.channels_links import Links
from tasks.channels_push import PushStats, RetryPolicy, push_items
from tests.factories import SellerSetup, import_orders, make_order
from tests.flows.channel_double import MemoryChannel, faults

FAST = RetryPolicy(tries=4, base=0.001, cap=0.01, later=0.0)


def fast_connection(engine: Engine, shop: SellerSetup) -> None:
    with transaction(engine) as session:
        options = {**shop.webshop.options.model_dump(mode="json"), "rate_limit_per_second": 500}
        seller_store.update_connection(session, shop.webshop.id, options=options)


def push_all(
    engine: Engine, channel: MemoryChannel, max_attempts: int = 8, rounds: int = 10
) -> tuple[DrainReport, PushStats]:
    """Drain the channel outbox as push_to_channels does, until nothing is left to try."""
    total, stats = DrainReport(), PushStats()
    with Links(opener=lambda conn: nullcontext((channel, Pacer(500)))) as links:
        for _ in range(rounds):
            report = drain(
                engine,
                Topic.CHANNEL,
                lambda items: push_items(engine, links, items, stats, FAST),
                batch_size=5,
                max_attempts=max_attempts,
                in_order=True,
            )
            total.add(report)
            if report.claimed == 0:
                break
    return total, stats


def outbox_states(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        states = session.scalars(
            select(OutboxItemRow.state).where(OutboxItemRow.topic == "channel")
        )
        result: dict[str, int] = {}
        for s in states:
            result[s] = result.get(s, 0) + 1
        return result


def seller_day(engine: Engine, shop: SellerSetup) -> None:
    """12 orders: all confirmed, 6 tracked and shipped, 2 delivered, 3 cancelled."""
    fast_connection(engine, shop)
    import_orders(engine, shop, [make_order(i) for i in range(1, 13)])
    numbers = [str(1000 + i) for i in range(1, 13)]
    s = shop.seller
    actions.confirm(engine, s, numbers)
    post = [(n, Tracking(tracking_id=f"99.{n}", carrier="Post")) for n in numbers[:6]]
    actions.track(engine, s, post)
    actions.ship(engine, s, [(n, None) for n in numbers[:6]])
    actions.deliver(engine, s, numbers[:2])
    actions.cancel(engine, s, numbers[9:], reason="out of stock")


def test_every_event_reaches_the_channel_once_and_in_order_despite_faults(
    engine: Engine, shop: SellerSetup
) -> None:
    seller_day(engine, shop)
    channel = MemoryChannel(shop.webshop, [])
    channel.fail_writes = faults(20)
    report, stats = push_all(engine, channel)
    assert outbox_states(engine) == {"done": 12 + 6 * 2 + 2 + 3}
    assert channel.state["900001"] == ["confirmed", "tracking", "shipped", "delivered"]
    assert channel.state["900005"] == ["confirmed", "tracking", "shipped"]
    assert channel.state["900008"] == ["confirmed"]
    assert channel.state["900012"] == ["confirmed", "cancelled"]
    assert len(channel.writes) == 29 + 20  # every fault cost exactly one more request
    assert (report.dead, stats.rate_limited) == (0, 7)
    assert sum(stats.pushed.values()) == 29


def test_an_event_the_channel_already_shows_counts_as_done(
    engine: Engine, shop: SellerSetup
) -> None:
    seller_day(engine, shop)
    channel = MemoryChannel(shop.webshop, [])
    channel.state = {"900001": ["confirmed"]}
    _, stats = push_all(engine, channel)
    assert stats.unchanged == {"shop": 1}
    assert outbox_states(engine) == {"done": 29}


def test_a_permanent_error_parks_the_event_and_holds_back_the_later_ones_of_its_order(
    engine: Engine, shop: SellerSetup
) -> None:
    seller_day(engine, shop)
    channel = MemoryChannel(shop.webshop, [])
    channel.fail_writes = [PermanentChannelError("POST /orders/900001/cancel.json: 404")]
    report, _ = push_all(engine, channel)
    with transaction(engine) as session:
        dead = session.scalars(select(OutboxItemRow).where(OutboxItemRow.state == "dead")).all()
    assert report.dead == 1 and len(dead) == 1
    assert dead[0].last_error is not None and "404" in dead[0].last_error
    with transaction(engine) as session:
        held = session.scalars(
            select(OutboxItemRow.event)
            .where(OutboxItemRow.order_id == dead[0].order_id, OutboxItemRow.state == "pending")
            .where(OutboxItemRow.topic == "channel")
            .order_by(OutboxItemRow.id)
        ).all()
    # The order whose confirmation is dead got nothing after it; its later events wait.
    assert len(channel.state) == 11 and dead[0].event == "confirmed"
    assert held == ["tracking", "shipped", "delivered"]
    assert outbox_states(engine) == {"done": 29 - 1 - 3, "dead": 1, "pending": 3}


def test_an_event_that_keeps_failing_is_parked_dead_after_the_last_attempt(
    engine: Engine, shop: SellerSetup
) -> None:
    fast_connection(engine, shop)
    import_orders(engine, shop, [make_order(1)])
    actions.confirm(engine, shop.seller, ["1001"])
    channel = MemoryChannel(shop.webshop, [])
    channel.fail_writes = [RetryableChannelError("503")] * (FAST.tries * 3)
    report, _ = push_all(engine, channel, max_attempts=3)
    with transaction(engine) as session:
        row = session.scalars(select(OutboxItemRow).where(OutboxItemRow.topic == "channel")).one()
    assert (row.state, row.attempts, report.retried, report.dead) == ("dead", 3, 2, 1)
    assert row.last_error == "shop: 503"
    assert len(channel.writes) == FAST.tries * 3
