"""One seller never reads or changes another's orders, documents or settings (CLI and
Python API); a credential never appears in logs, artifacts, errors or the database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from adapters.channels.fakes import start_fake
from documents import api as documents
from oms import actions
from oms.cli.main import app
from oms.connection import ChannelConnection, ChannelKind
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import Base, OrderRow
from tests.factories import SellerSetup, add_demo_seller, import_orders, make_order

SECRET = "shpat_sekret-7f3a9c-DO-NOT-LEAK"
runner = CliRunner()


@pytest.fixture
def two_sellers(engine: Engine) -> tuple[SellerSetup, SellerSetup]:
    a = add_demo_seller(engine, slug="alpha")
    b = add_demo_seller(engine, slug="beta")
    import_orders(engine, a, [make_order(1)])
    import_orders(engine, b, [make_order(2)])
    actions.confirm(engine, b.seller, ["1002"])
    return a, b


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_the_cli_never_shows_or_changes_another_sellers_order(
    engine: Engine, two_sellers: tuple[SellerSetup, SellerSetup]
) -> None:
    code, out = cli("orders", "show", "1002", "--seller", "alpha")
    assert code == 2 and "order 1002 not found" in out
    for verb in (["confirm"], ["deliver"], ["paid"], ["cancel", "--reason", "x"]):
        code, out = cli("orders", *verb, "1002", "--seller", "alpha")
        assert code == 2 and "not found" in out, verb
    code, out = cli("orders", "list", "--seller", "alpha")
    assert "1001" in out and "1002" not in out
    with transaction(engine) as s:
        status = s.scalar(select(OrderRow.status).where(OrderRow.order_number == "1002"))
    assert status == "confirmed"


def test_the_python_api_scopes_every_lookup_to_one_seller(
    engine: Engine, two_sellers: tuple[SellerSetup, SellerSetup]
) -> None:
    a, b = two_sellers
    with transaction(engine) as s:
        theirs = s.scalar(select(OrderRow.id).where(OrderRow.order_number == "1002"))
        assert order_store.load_orders(s, a.seller, [theirs or 0]) == []
        with pytest.raises(Exception, match="not found"):
            order_store.timeline(s, a.seller, "1002")
    assert theirs is not None
    documents.render_missing(engine, b.seller, [theirs])
    assert documents.stored_pdf(engine, b.seller, theirs, "invoice") is not None
    assert documents.stored_pdf(engine, a.seller, theirs, "invoice") is None
    merged, skipped = documents.merge_pdfs(engine, a.seller, [theirs], ["invoice"])
    assert skipped and not merged.count(b"/Type /Page\n")
    assert [str(r) for r in actions.ship(engine, a.seller, [("1002", None)]).refused] == [
        "order 1002: not found"
    ]


def test_settings_of_one_seller_do_not_touch_the_other(
    engine: Engine, two_sellers: tuple[SellerSetup, SellerSetup]
) -> None:
    code, out = cli(
        "sellers", "set", "--seller", "alpha", "branding.thank_you=Merci!", "accounts.bank=1021"
    )
    assert code == 0, out
    with transaction(engine) as s:
        beta = seller_store.get_seller(s, "beta")
    assert beta.branding.thank_you == "" and beta.accounts.bank == "1020"


@pytest.fixture
def leaky_fake() -> Iterator[Any]:
    fake = start_fake("shopify", secret=SECRET)
    fake.add_orders(30, lines=2)
    try:
        yield fake
    finally:
        fake.stop()


def all_text_in_database(engine: Engine) -> str:
    import oms.store.tables  # noqa: F401  (every table)

    parts: list[str] = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f"SELECT * FROM {table.name}")):
                parts.append(json.dumps([str(v) for v in row]))
    return "\n".join(parts)


async def prefect_logs_and_artifacts() -> str:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        logs = await client.read_logs()
        artifacts = await client.read_artifacts()
    return "\n".join([*(log.message for log in logs), *(json.dumps(a.data) for a in artifacts)])


def test_no_credential_appears_in_logs_artifacts_errors_or_the_database(
    engine: Engine,
    shop: SellerSetup,
    leaky_fake: Any,
    prefect_api: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from flows.ingest import ingest_orders
    from flows.push import push_to_channels

    monkeypatch.setenv("LEAK_TEST_TOKEN", SECRET)
    monkeypatch.setenv("WRONG_TEST_TOKEN", SECRET + "-but-wrong")
    with transaction(engine) as s:
        for name, ref in (("leaky", "env:LEAK_TEST_TOKEN"), ("wrong", "env:WRONG_TEST_TOKEN")):
            seller_store.add_connection(
                s,
                shop.seller,
                ChannelConnection(
                    name=name,
                    platform="shopify",
                    kind=ChannelKind.WEBSHOP,
                    base_url=leaky_fake.base_url,
                    credentials_ref=ref,
                ),
            )
    caplog.set_level("DEBUG")
    assert ingest_orders(seller=shop.seller.slug, channel="leaky")["new"] == 30
    errors: list[str] = []
    try:
        ingest_orders(seller=shop.seller.slug, channel="wrong")
    except Exception as exc:
        errors.append(f"{exc!r} {exc}")
    assert errors, "a wrong credential must fail the sync"
    with transaction(engine) as s:
        numbers = list(s.scalars(select(OrderRow.order_number).limit(5)))
    actions.confirm(engine, shop.seller, numbers)
    push_to_channels(seller=shop.seller.slug)
    seen = "\n".join(
        [
            all_text_in_database(engine),
            asyncio.run(prefect_logs_and_artifacts()),
            caplog.text,
            *errors,
        ]
    )
    assert "sekret-7f3a9c" not in seen
    assert "LEAK_TEST_TOKEN" in all_text_in_database(
        engine
    )  # the reference is stored, not the value
