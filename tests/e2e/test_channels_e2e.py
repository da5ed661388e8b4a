"""End to end: three fake channels (Shopify, WooCommerce, Mirakl) with 2,000 orders each and
~20 % faults of every kind; the real ingest and push flows; PostgreSQL and SQLite.

Proves: after ingest the database holds exactly the channels' orders (none lost, none
twice) and a re-run changes nothing; seller actions on 500 of them reach the channels
exactly once each (as state changes the fakes applied), in order, despite the faults.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import Engine, func, select

from adapters.channels.fakes import FakeChannel, Faults, start_fake
from flows.ingest import ingest_all
from flows.push import push_to_channels
from oms import actions
from oms.connection import ChannelConnection, ChannelKind
from oms.model import Tracking
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OrderRow, OutboxItemRow
from tests.factories import SellerSetup

ORDERS = 2_000
FAULTS = Faults(
    error_rate=0.06,
    rate_limit_rate=0.05,
    retry_after=0.01,
    drop_rate=0.04,
    slow_rate=0.03,
    slow_seconds=0.05,
    mutate_rate=0.2,
    seed=11,
)
PLATFORMS = {"shop": "shopify", "woo": "woocommerce", "market": "mirakl"}
pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def fakes(
    engine: Engine, shop: SellerSetup, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, FakeChannel]]:
    """The seller's three connections, each pointed at its fake holding 2,000 orders."""
    with ExitStack() as stack:
        started: dict[str, FakeChannel] = {}
        for name, platform in PLATFORMS.items():
            fake = stack.enter_context(start_fake(platform, faults=FAULTS))
            fake.add_orders(ORDERS, lines=3, seed=len(started))
            started[name] = fake
        monkeypatch.setenv("TEST_SHOP_TOKEN", started["shop"].secret)
        monkeypatch.setenv("TEST_MIRAKL_KEY", started["market"].secret)
        monkeypatch.setenv("TEST_WOO_KEYS", started["woo"].secret)
        options = {"rate_limit_per_second": 200, "page_size": 100}
        with transaction(engine) as session:
            seller_store.add_connection(
                session,
                shop.seller,
                ChannelConnection(
                    name="woo",
                    platform="woocommerce",
                    kind=ChannelKind.WEBSHOP,
                    base_url=started["woo"].base_url,
                    credentials_ref="env:TEST_WOO_KEYS",
                ),
            )
            for conn in seller_store.list_connections(session, shop.seller):
                seller_store.update_connection(
                    session, conn.id, base_url=started[conn.name].base_url, options=options
                )
        yield started


def stored_ids(engine: Engine) -> dict[str, list[str]]:
    with transaction(engine) as session:
        conns = {c.id: c.name for c in seller_store.list_connections(session)}
        rows = session.execute(select(OrderRow.connection_id, OrderRow.channel_order_id)).all()
    found: dict[str, list[str]] = defaultdict(list)
    for conn_id, cid in rows:
        found[conns[conn_id]].append(cid)
    return found


def seller_actions(engine: Engine, shop: SellerSetup) -> None:
    """On 500 orders spread over the three channels: confirm all, track 300, ship 250 of
    those, deliver 100 of those, cancel 100 of the untracked."""
    with transaction(engine) as session:
        numbers = list(
            session.scalars(
                select(OrderRow.order_number)
                .where(OrderRow.status == "open")
                .order_by(func.mod(OrderRow.id, 12), OrderRow.id)
                .limit(500)
            )
        )
    s = shop.seller
    assert len(actions.confirm(engine, s, numbers).applied) == 500
    post = "https://service.post.ch/track?id={}"
    tracked = [
        (n, Tracking(tracking_id=f"99.60.{i:08d}", url=post.format(i), carrier="Swiss Post"))
        for i, n in enumerate(numbers[:300])
    ]
    assert len(actions.track(engine, s, tracked).applied) == 300
    assert len(actions.ship(engine, s, [(n, None) for n in numbers[:250]]).applied) == 250
    assert len(actions.deliver(engine, s, numbers[:100]).applied) == 100
    assert len(actions.cancel(engine, s, numbers[400:], reason="out of stock").applied) == 100


def channel_rows(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        rows = session.execute(
            select(OutboxItemRow.state, func.count())
            .where(OutboxItemRow.topic == "channel")
            .group_by(OutboxItemRow.state)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def push_until_done(engine: Engine, deadline_seconds: float = 240) -> list[dict[str, int]]:
    runs = []
    deadline = time.monotonic() + deadline_seconds
    while channel_rows(engine).get("pending") and time.monotonic() < deadline:
        runs.append(push_to_channels(seller="alpen"))
        if channel_rows(engine).get("pending"):
            time.sleep(1)  # rows handed back wait for their back-off
    return runs


def outbox_events(engine: Engine) -> dict[str, list[str]]:
    """channel order id -> the channel events we wrote for it, oldest first."""
    with transaction(engine) as session:
        rows = session.execute(
            select(OrderRow.channel_order_id, OutboxItemRow.event)
            .join(OrderRow, OrderRow.id == OutboxItemRow.order_id)
            .where(OutboxItemRow.topic == "channel")
            .order_by(OutboxItemRow.id)
        ).all()
    events: dict[str, list[str]] = defaultdict(list)
    for cid, event in rows:
        events[cid].append(event)
    return events


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    it = iter(whole)
    return all(e in it for e in part)


def test_three_faulty_channels_ingest_exactly_and_every_action_lands_once_in_order(
    prefect_api: None, engine: Engine, shop: SellerSetup, fakes: dict[str, FakeChannel]
) -> None:
    first = ingest_all(seller="alpen")
    found = stored_ids(engine)
    for name, fake in fakes.items():
        assert sorted(found[name]) == sorted(fake.orders), name  # none lost, none twice
    assert (first["new"], first["quarantined"]) == (3 * ORDERS, 0)
    assert sum(f.counters.answered_500 + f.counters.dropped for f in fakes.values()) > 0
    again = ingest_all(seller="alpen")
    assert (again["new"], again["updated"], again["quarantined"]) == (0, 0, 0)
    assert stored_ids(engine) == found

    seller_actions(engine, shop)
    runs = push_until_done(engine)
    assert channel_rows(engine) == {"done": sum(len(v) for v in outbox_events(engine).values())}
    assert sum(r["dead"] for r in runs) == 0

    ours = outbox_events(engine)
    for name, fake in fakes.items():
        effects = fake.effects()
        assert len(effects) == len(set(effects)), f"{name}: a change applied twice"
        applied: dict[str, list[str]] = defaultdict(list)
        for cid, event in effects:
            applied[cid].append(event)
        assert set(applied) <= set(ours), name
        for cid, events in applied.items():
            assert is_subsequence(events, ours[cid]), (name, cid, events, ours[cid])
        for cid, wanted in ours.items():
            if cid not in fake.orders:
                continue
            for final in ("shipped", "cancelled"):
                if final in wanted:
                    assert final in applied[cid], (name, cid, applied[cid])
    total = sum(len(f.effects()) for f in fakes.values())
    assert total >= 250 + 100  # every shipment and every cancellation at least
