"""On PostgreSQL, four worker processes drain the same outbox, and run the same automation
stage, at once: every effect happens exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, select

from oms import actions
from oms.store.db import transaction
from oms.store.schema import DocumentRow, OrderEventRow, OutboxItemRow
from tests.factories import SellerSetup, import_orders, make_order
from tests.reliability.test_crashes import (
    assert_each_action_once_in_order,
    channel_connection,
    ingest_in_process,
    with_settings,
)

WORKERS = 4


@pytest.fixture
def postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers on one outbox is a PostgreSQL deployment (SKIP LOCKED)")


def run_workers(name: str, params: str, env: dict[str, str]) -> None:
    # No worker dies here, so leases outlast any batch: with the crash tests' 1 s lease, a
    # batch slowed past 1 s on a loaded machine was claimed again by a second worker.
    # What is under test is that concurrent claims never overlap (SKIP LOCKED).
    env = {**env, "SALES_SCALER_OUTBOX_LEASE_SECONDS": "300"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.runner", name, params],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(WORKERS)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-3000:]


def test_four_workers_push_each_channel_event_exactly_once_in_order(
    postgres_only: None,
    engine: Engine,
    shop: SellerSetup,
    child_env: dict[str, str],
    fake_market: Any,
) -> None:
    ids = fake_market.add_orders(200, lines=1)
    conn = channel_connection(engine, shop.seller, fake_market)
    numbers = ingest_in_process(engine, shop.seller, conn, fake_market, ids)
    actions.confirm(engine, shop.seller, numbers)
    actions.ship(engine, shop.seller, [(n, None) for n in numbers])
    env = {
        **child_env,
        "CRASH_SHOP_TOKEN": fake_market.secret,
        "SALES_SCALER_OUTBOX_BATCH_SIZE": "20",
    }
    run_workers("push-to-channels", "{}", env)
    with transaction(engine) as s:
        errors = Counter(
            s.scalars(select(OutboxItemRow.last_error).where(OutboxItemRow.topic == "channel"))
        )
    assert not any(errors), errors.most_common(3)
    assert_each_action_once_in_order(fake_market, 200)
    with transaction(engine) as s:
        states = Counter(
            s.scalars(select(OutboxItemRow.state).where(OutboxItemRow.topic == "channel"))
        )
    assert states == {"done": 400}


def test_four_workers_render_documents_with_gapless_unique_numbers(
    postgres_only: None, engine: Engine, shop: SellerSetup, child_env: dict[str, str]
) -> None:
    n = 16
    import_orders(engine, shop, [make_order(i) for i in range(1, n + 1)])
    actions.confirm(engine, shop.seller, [str(1000 + i) for i in range(1, n + 1)])
    run_workers("render-documents", "{}", {**child_env, "SALES_SCALER_OUTBOX_BATCH_SIZE": "2"})
    with transaction(engine) as s:
        docs = s.execute(select(DocumentRow.kind, DocumentRow.number)).all()
    for kind in ("invoice", "delivery_note"):
        seqs = sorted(int(num.rsplit("-", 1)[-1]) for k, num in docs if k == kind)
        assert seqs == list(range(1, n + 1)), (kind, seqs)


def test_four_automation_runs_confirm_each_order_once(
    postgres_only: None, engine: Engine, shop: SellerSetup, child_env: dict[str, str]
) -> None:
    with_settings(engine, shop.seller, "automations", auto_confirm=True)
    n = 4000
    for start in range(1, n + 1, 1000):
        import_orders(engine, shop, [make_order(i) for i in range(start, start + 1000)])
    run_workers("auto-confirm", "{}", {**child_env, "SALES_SCALER_BULK_BATCH_SIZE": "200"})
    with transaction(engine) as s:
        confirms = Counter(
            s.scalars(select(OrderEventRow.order_id).where(OrderEventRow.kind == "confirm"))
        )
        rows = Counter(
            tuple(r)
            for r in s.execute(
                select(OutboxItemRow.order_id, OutboxItemRow.topic, OutboxItemRow.event)
            ).all()
        )
    assert len(confirms) == n and set(confirms.values()) == {1}
    assert len(rows) == 4 * n and set(rows.values()) == {1}
