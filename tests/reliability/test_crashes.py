"""kill -9 the process running each flow at random moments, then run it again: nothing is
lost, nothing happens twice (emails: at most what the crash window allows, measured).

Each flow runs in a child process against the test session's Prefect API and the
test's database; the outside world (fake channel, SMTP server, fake Bexio) lives in
this process and survives the kills. Outbox leases are 1 s here, so rows claimed by
a killed worker come back quickly.

SALES_SCALER_CRASH_KILLS sets the kills per flow (default 20).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from adapters.erp.fake_bexio import FakeBexio, FakeBexioServer
from oms import actions
from oms.connection import ChannelConnection, ChannelKind, ConnectionOptions
from oms.model import Tracking
from oms.seller import Seller
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import DocumentRow, OrderEventRow, OrderRow, OutboxItemRow
from tests.factories import SellerSetup, import_orders, make_order
from tests.mail.conftest import SmtpServer

# 20 kills per flow on both databases (SALES_SCALER_CRASH_KILLS, and _SQLITE for SQLite,
# where each kill cycle is slower: lower it there to shorten a local run).
KILLS = int(os.environ.get("SALES_SCALER_CRASH_KILLS", "20"))
SQLITE_KILLS = int(os.environ.get("SALES_SCALER_CRASH_KILLS_SQLITE", "20"))
REPORT = Path("test-artifacts/crash-report.json")


def run_child(
    name: str, params: dict[str, Any], env: dict[str, str], kill_after: float | None
) -> tuple[bool, int]:
    """Run flow `name` in a child; kill -9 its process group after `kill_after` s.
    Returns (killed, exit code)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.runner", name, json.dumps(params)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _, err = proc.communicate(timeout=kill_after if kill_after is not None else 600)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return True, -9
    if proc.returncode != 0 and kill_after is None:
        raise AssertionError(f"{name} failed after the crashes:\n{err.decode()[-3000:]}")
    return False, proc.returncode


def kills_for(env: dict[str, str]) -> int:
    return SQLITE_KILLS if env["SALES_SCALER_DATABASE_URL"].startswith("sqlite") else KILLS


def crash_then_finish(
    name: str, params: dict[str, Any], env: dict[str, str], window: tuple[float, float], seed: int
) -> int:
    """KILLS runs killed at random moments in `window` seconds, then one run to the end
    (after the 1 s leases of the killed runs expired). Returns how many kills landed."""
    rng = random.Random(seed)
    landed = 0
    for _ in range(kills_for(env)):
        killed, _code = run_child(name, params, env, rng.uniform(*window))
        landed += killed
    time.sleep(1.2)
    run_child(name, params, env, None)
    return landed


def record(flow: str, backend: str, **figures: Any) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    data = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    data[f"{flow}/{backend}"] = {"kills": SQLITE_KILLS if backend == "sqlite" else KILLS, **figures}
    REPORT.write_text(json.dumps(data, indent=2) + "\n")


def with_settings(engine: Engine, seller: Seller, group: str, **values: Any) -> Seller:
    with transaction(engine) as s:
        current = getattr(seller, group)
        return seller_store.save_settings(s, seller, group, current.model_copy(update=values))


def per_order_counts(engine: Engine, kind: str) -> Counter[int]:
    with transaction(engine) as s:
        return Counter(s.scalars(select(OrderEventRow.order_id).where(OrderEventRow.kind == kind)))


def test_auto_confirm_killed_mid_run_confirms_each_order_once(
    engine: Engine, shop: SellerSetup, child_env: dict[str, str]
) -> None:
    with_settings(engine, shop.seller, "automations", auto_confirm=True)
    n = 3000
    for start in range(1, n + 1, 1000):
        import_orders(engine, shop, [make_order(i) for i in range(start, start + 1000)])
    env = {**child_env, "SALES_SCALER_BULK_BATCH_SIZE": "50"}
    landed = crash_then_finish("auto-confirm", {}, env, (1.5, 6.0), seed=1)
    confirms = per_order_counts(engine, "confirm")
    with transaction(engine) as s:
        statuses = Counter(s.scalars(select(OrderRow.status)))
        rows = s.execute(
            select(OutboxItemRow.order_id, OutboxItemRow.topic, OutboxItemRow.event)
        ).all()
    assert statuses == {"confirmed": n}
    assert len(confirms) == n and set(confirms.values()) == {1}
    per_side_effect = Counter(tuple(r) for r in rows)
    assert set(per_side_effect.values()) == {1}
    assert len(rows) == 4 * n  # channel, email, documents, payment booking
    record("auto-confirm", engine.dialect.name, kills_landed=landed, orders=n)


def ingest_in_process(
    engine: Engine, seller: Seller, conn: ChannelConnection, fake: Any, ids: list[str]
) -> list[str]:
    """Put the fake's orders in the store (not what these tests are about)."""
    from adapters.channels.registry import mapper_for
    from oms.ingest import map_page, store_page

    page = map_page([fake.order(i) for i in ids], mapper_for(fake.platform))
    assert not page.rejected, page.rejected[:1]
    with transaction(engine) as s:
        store_page(s, seller, conn, page, fetched=len(ids), cursor=None)
        return list(
            s.scalars(
                select(OrderRow.order_number)
                .where(OrderRow.connection_id == conn.id)
                .order_by(OrderRow.id)
            )
        )


def assert_each_action_once_in_order(fake: Any, orders: int) -> int:
    effects = fake.effects()
    counts = Counter(effects)
    assert set(counts.values()) == {1}, [e for e, c in counts.items() if c > 1][:5]
    by_order: dict[str, list[str]] = {}
    for order_id, event in effects:
        by_order.setdefault(order_id, []).append(event)
    assert len(by_order) == orders
    for events in by_order.values():
        assert "confirmed" in events and "shipped" in events, events
        assert events.index("shipped") > events.index("confirmed"), events
    return len(effects)


def channel_connection(
    engine: Engine, seller: Seller, fake: Any, name: str = "live"
) -> ChannelConnection:
    kind = ChannelKind.MARKETPLACE if fake.platform == "mirakl" else ChannelKind.WEBSHOP
    with transaction(engine) as s:
        return seller_store.add_connection(
            s,
            seller,
            ChannelConnection(
                name=name,
                platform=fake.platform,
                kind=kind,
                base_url=fake.base_url,
                credentials_ref="env:CRASH_SHOP_TOKEN",
                options=ConnectionOptions(page_size=25, rate_limit_per_second=200),
            ),
        )


def test_ingest_killed_mid_run_loses_and_duplicates_no_order(
    engine: Engine, shop: SellerSetup, child_env: dict[str, str], fake_shop: Any
) -> None:
    ids = fake_shop.add_orders(600, lines=3)
    channel_connection(engine, shop.seller, fake_shop)
    env = {**child_env, "CRASH_SHOP_TOKEN": fake_shop.secret}
    landed = crash_then_finish(
        "ingest-orders", {"seller": shop.seller.slug, "channel": "live"}, env, (1.5, 5.0), seed=2
    )
    with transaction(engine) as s:
        stored = Counter(s.scalars(select(OrderRow.channel_order_id)))
    assert set(stored) == set(ids)
    assert set(stored.values()) == {1}
    imported = per_order_counts(engine, "imported")
    assert len(imported) == 600 and set(imported.values()) == {1}
    record("ingest-orders", engine.dialect.name, kills_landed=landed, orders=600)


def test_push_killed_mid_run_acknowledges_every_event_once_in_order(
    engine: Engine, shop: SellerSetup, child_env: dict[str, str], fake_market: Any
) -> None:
    ids = fake_market.add_orders(150, lines=1)
    conn = channel_connection(engine, shop.seller, fake_market)
    numbers = ingest_in_process(engine, shop.seller, conn, fake_market, ids)
    assert len(numbers) == 150
    actions.confirm(engine, shop.seller, numbers)
    actions.ship(
        engine,
        shop.seller,
        [(n, Tracking(tracking_id=f"99.{i}", carrier="Swiss Post")) for i, n in enumerate(numbers)],
    )
    env = {**child_env, "CRASH_SHOP_TOKEN": fake_market.secret}
    landed = crash_then_finish("push-to-channels", {}, env, (1.5, 5.0), seed=3)
    events = assert_each_action_once_in_order(fake_market, 150)
    with transaction(engine) as s:
        left = s.scalar(
            select(func.count())
            .select_from(OutboxItemRow)
            .where(OutboxItemRow.topic == "channel", OutboxItemRow.state != "done")
        )
    assert left == 0
    record("push-to-channels", engine.dialect.name, kills_landed=landed, events=events)


def test_render_killed_mid_run_skips_and_reuses_no_document_number(
    engine: Engine, shop: SellerSetup, child_env: dict[str, str]
) -> None:
    n = 24
    unpaid = {"method": "invoice", "paid": False}
    import_orders(engine, shop, [make_order(i, payment=unpaid) for i in range(1, n + 1)])
    actions.confirm(engine, shop.seller, [str(1000 + i) for i in range(1, n + 1)])
    landed = crash_then_finish("render-documents", {}, child_env, (2.0, 7.0), seed=4)
    with transaction(engine) as s:
        docs = s.execute(
            select(
                DocumentRow.kind,
                DocumentRow.number,
                DocumentRow.order_id,
                DocumentRow.path,
                DocumentRow.sha256,
            )
        ).all()
    for kind in ("invoice", "delivery_note"):
        mine = [d for d in docs if d.kind == kind]
        assert len(mine) == n and len({d.order_id for d in mine}) == n
        seqs = sorted(int(d.number.rsplit("-", 1)[-1]) for d in mine)
        assert seqs == list(range(1, n + 1)), f"{kind} numbers: {seqs}"
    for d in docs:
        assert d.path and hashlib.sha256(Path(d.path).read_bytes()).hexdigest() == d.sha256
    record("render-documents", engine.dialect.name, kills_landed=landed, documents=len(docs))


def test_notify_killed_mid_run_sends_each_email_and_measures_duplicates(
    engine: Engine, shop: SellerSetup, child_env: dict[str, str]
) -> None:
    seller = with_settings(engine, shop.seller, "notifications", attach_invoice_on=None)
    n = 300
    import_orders(engine, shop, [make_order(i) for i in range(1, n + 1)])
    actions.confirm(engine, seller, [str(1000 + i) for i in range(1, n + 1)])
    smtp = SmtpServer()
    smtp.start()
    try:
        env = {
            **child_env,
            "SALES_SCALER_MAIL_TRANSPORT": "smtp",
            "SALES_SCALER_SMTP_HOST": "127.0.0.1",
            "SALES_SCALER_SMTP_PORT": str(smtp.port),
            "SALES_SCALER_SMTP_SECURITY": "none",
            "SALES_SCALER_MAIL_BATCH_SIZE": "50",
        }
        landed = crash_then_finish("send-notifications", {}, env, (1.5, 5.0), seed=5)
    finally:
        smtp.stop()
    per_id = smtp.recorder.by_id()
    assert len(per_id) == n  # every email arrived
    duplicates = sum(c - 1 for c in per_id.values())
    # The crash window: a kill between the server's OK and the commit of that email's row
    # (each sent email is committed at once), so at most one duplicate per kill.
    assert duplicates <= landed
    record(
        "send-notifications",
        engine.dialect.name,
        kills_landed=landed,
        emails=n,
        duplicates=duplicates,
        duplicates_per_kill=round(duplicates / max(landed, 1), 2),
    )


def test_export_killed_mid_run_books_each_entry_once_in_the_erp(
    engine: Engine, shop: SellerSetup, child_env: dict[str, str]
) -> None:
    n = 200
    import_orders(engine, shop, [make_order(i) for i in range(1, n + 1)])
    actions.confirm(engine, shop.seller, [str(1000 + i) for i in range(1, n + 1)])
    bexio = FakeBexio(token="crash-token")
    with FakeBexioServer(bexio) as server:
        env = {
            **child_env,
            "SALES_SCALER_BEXIO_BASE_URL": server.url,
            "SALES_SCALER_BEXIO_TOKEN_REF": "env:CRASH_BEXIO_TOKEN",
            "CRASH_BEXIO_TOKEN": "crash-token",
            "SALES_SCALER_ACCOUNTING_BATCH_SIZE": "20",
        }
        landed = crash_then_finish(
            "export-accounting", {"target": "bexio"}, env, (1.5, 5.0), seed=6
        )
    refs = bexio.references()
    assert len(refs) == n, f"{len(refs)} of {n} bookings arrived"
    assert set(refs.values()) == {1}, [r for r, c in refs.items() if c > 1][:5]
    record("export-accounting", engine.dialect.name, kills_landed=landed, bookings=n)
