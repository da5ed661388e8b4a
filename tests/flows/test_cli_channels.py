"""`sales-scaler quarantine list|show|retry` and `channels sync` through the real CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from adapters.channels.fakes import FakeChannel, fake_for
from adapters.channels.fakes.data import sample_order
from oms.cli.main import app
from oms.store import orders as order_store
from oms.store import quarantine
from oms.store.db import transaction
from tests.factories import SellerSetup

runner = CliRunner()


def shopify_raw(number: int) -> dict[str, object]:
    fake: FakeChannel = fake_for("shopify")
    _, raw = fake.render(sample_order(number))
    return raw


def test_quarantine_list_show_and_retry(engine: Engine, shop: SellerSetup) -> None:
    good = shopify_raw(7)
    broken = {**shopify_raw(8), "line_items": []}
    with transaction(engine) as session:
        kept = quarantine.add(
            session, shop.seller.id, shop.webshop.id, good, "adapter bug", str(good["id"])
        )
        stuck = quarantine.add(
            session, shop.seller.id, shop.webshop.id, broken, "no lines", str(broken["id"])
        )
    listed = runner.invoke(app, ["quarantine", "list", "--seller", "alpen"])
    shown = runner.invoke(app, ["quarantine", "show", str(stuck), "--seller", "alpen"])
    refused = runner.invoke(app, ["quarantine", "retry", str(stuck), "--seller", "alpen"])
    retried = runner.invoke(app, ["quarantine", "retry", str(kept), "--seller", "alpen"])
    assert listed.exit_code == 0 and "adapter bug" in listed.output and "2 open" in listed.output
    assert shown.exit_code == 0 and json.loads(shown.output.split("\n", 2)[2])["line_items"] == []
    assert refused.exit_code == 2 and "still cannot be mapped" in refused.output
    assert retried.exit_code == 0 and "resolved" in retried.output, retried.output
    with transaction(engine) as session:
        still_open = [q.id for q in quarantine.list_open(session, shop.seller.id)]
        stored = order_store.list_orders(session, shop.seller)
    assert still_open == [stuck]
    assert [o.channel for o in stored] == ["shop"]


def test_retrying_an_unknown_quarantine_id_says_so(engine: Engine, shop: SellerSetup) -> None:
    result = runner.invoke(app, ["quarantine", "retry", "999", "--seller", "alpen"])
    assert result.exit_code == 2 and "#999" in result.output


@pytest.mark.usefixtures("prefect_api")
def test_channels_sync_runs_the_ingest_flow_and_prints_the_counts(
    engine: Engine, shop: SellerSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.channels.fakes import start_fake
    from oms.store import sellers as seller_store

    with start_fake("shopify") as fake:
        fake.add_orders(30)
        monkeypatch.setenv("TEST_SHOP_TOKEN", fake.secret)
        with transaction(engine) as session:
            seller_store.update_connection(session, shop.webshop.id, base_url=fake.base_url)
        result = runner.invoke(app, ["channels", "sync", "shop", "--seller", "alpen"])
    assert result.exit_code == 0, result.output
    assert "fetched" in result.output and "30" in result.output
    assert fake.secret not in result.output
