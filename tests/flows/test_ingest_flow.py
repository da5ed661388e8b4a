"""The ingest and push flows against the fake Shopify server (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from adapters.channels.fakes import FakeChannel, Faults, start_fake
from flows.ingest import ingest_orders
from flows.push import push_to_channels
from oms import actions
from oms.store import orders as order_store
from oms.store import quarantine
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tests.factories import SellerSetup

FAULTS = Faults(error_rate=0.1, rate_limit_rate=0.1, retry_after=0.01, drop_rate=0.05, seed=3)


@pytest.fixture
def shopify(
    shop: SellerSetup, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeChannel]:
    """The seller's webshop connection pointed at a fake Shopify with 120 orders."""
    with start_fake("shopify", faults=FAULTS) as fake:
        fake.add_orders(120, lines=2)
        monkeypatch.setenv("TEST_SHOP_TOKEN", fake.secret)
        options = {"rate_limit_per_second": 100, "page_size": 50}
        with transaction(engine) as session:
            seller_store.update_connection(
                session, shop.webshop.id, base_url=fake.base_url, options=options
            )
        yield fake


def test_ingest_reads_every_order_once_and_a_second_run_changes_nothing(
    prefect_api: None, engine: Engine, shop: SellerSetup, shopify: FakeChannel
) -> None:
    first = ingest_orders(seller="alpen", channel="shop")
    second = ingest_orders(seller="alpen", channel="shop")
    with transaction(engine) as session:
        stored = order_store.list_orders(session, shop.seller, limit=500)
        conn = seller_store.get_connection(session, shop.seller, "shop")
    assert (first["fetched"], first["new"], first["quarantined"]) == (120, 120, 0)
    assert (second["new"], second["updated"]) == (0, 0)  # the overlap re-reads, unchanged
    assert len(stored) == 120 and len({o.order_number for o in stored}) == 120
    assert conn.sync_cursor is not None


def test_a_cancellation_and_an_address_change_on_the_channel_arrive_through_ingest(
    prefect_api: None, engine: Engine, shop: SellerSetup, shopify: FakeChannel
) -> None:
    ingest_orders(seller="alpen", channel="shop")
    ids = sorted(shopify.orders)
    shopify.touch(ids[0], cancelled=True)
    new_home = {
        "name": "Anna Muster",
        "street": "Neugasse 9",
        "postal_code": "8400",
        "city": "Winterthur",
        "country": "CH",
    }
    shopify.touch(ids[1], address=new_home)
    counts = ingest_orders(seller="alpen", channel="shop")
    with transaction(engine) as session:
        by_id = {
            o.channel_order_id: o
            for o in order_store.load_orders(
                session,
                shop.seller,
                [o.id for o in order_store.list_orders(session, shop.seller, limit=500)],
            )
        }
    assert counts["updated"] == 2
    assert by_id[ids[0]].status.value == "cancelled"
    assert by_id[ids[1]].delivery_address.city == "Winterthur"


def test_push_sends_each_seller_action_to_the_shop_once_in_order(
    prefect_api: None, engine: Engine, shop: SellerSetup, shopify: FakeChannel
) -> None:
    ingest_orders(seller="alpen", channel="shop")
    with transaction(engine) as session:
        numbers = [o.order_number for o in order_store.list_orders(session, shop.seller, limit=20)]
    actions.confirm(engine, shop.seller, numbers)
    actions.ship(engine, shop.seller, [(n, None) for n in numbers[:10]])
    actions.cancel(engine, shop.seller, numbers[10:], reason="out of stock")
    summary = push_to_channels(seller="alpen")
    effects = shopify.effects()
    assert summary["dead"] == 0
    assert len(effects) == len(set(effects)) == 20  # confirm is a no-op on Shopify
    assert sorted(e for _, e in effects) == ["cancelled"] * 10 + ["shipped"] * 10
    with transaction(engine) as session:
        assert quarantine.list_open(session, shop.seller.id) == []
