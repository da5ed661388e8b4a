"""Four auto-confirm runs at once, in four processes, on PostgreSQL (SKIP LOCKED).

Each process runs what one auto-confirm flow run does (find the work, then batch by
batch) with the plain functions its tasks wrap, behind a start barrier: Prefect's
own start-up jitter would otherwise let the first run finish before the others begin.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from oms.store.db import transaction
from oms.store.schema import OrderEventRow, OutboxItemRow
from tests.automations.fixtures import seller_with, statuses

ROOT = Path(__file__).resolve().parents[2]

# Each process imports everything, says READY, and starts its run when told: a barrier.
RUN_ON_GO = """
import json, sys
from oms.store.db import engine_for
from tasks.automations import Stage, advance, drive, find_work
engine = engine_for(sys.argv[1])
engine.connect().close()
print("READY", flush=True)
sys.stdin.readline()
work = find_work(engine, Stage.CONFIRM)
done = drive(work, 250, lambda slug, n: advance(engine, Stage.CONFIRM, slug, n, batch_size=250))
print("RESULT " + json.dumps({k: v for k, v in done.items() if v}), flush=True)
"""


def test_four_overlapping_auto_confirm_runs_confirm_each_order_exactly_once(
    engine: Engine, db_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED concurrency is a PostgreSQL property; SQLite serialises writers")
    a = seller_with(engine, "seller-a", 4000, auto_confirm=True)
    b = seller_with(engine, "seller-b", 4000, start=10_000, auto_confirm=True)
    off = seller_with(engine, "seller-off", 2000, start=20_000, auto_ship=True)
    with transaction(engine) as session:
        outbox_before = session.scalar(select(func.count()).select_from(OutboxItemRow))
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RUN_ON_GO, db_url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for run in runs:
        assert run.stdout is not None and run.stdout.readline().strip() == "READY"
    for run in runs:  # the barrier opens for all four at once
        assert run.stdin is not None
        run.stdin.write("go\n")
        run.stdin.flush()
    results = []
    for run in runs:
        out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err[-3000:]
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))

    assert sum(r.get("seller-a", 0) + r.get("seller-b", 0) for r in results) == 8000
    assert sum(1 for r in results if r) >= 2, f"the runs did not overlap: {results}"
    assert statuses(engine, a) == {"confirmed": 4000}
    assert statuses(engine, b) == {"confirmed": 4000}
    assert statuses(engine, off) == {"open": 2000}
    with transaction(engine) as session:
        audit = session.execute(
            select(OrderEventRow.order_id, func.count())
            .where(OrderEventRow.kind == "confirm")
            .group_by(OrderEventRow.order_id)
        ).all()
        outbox = session.execute(
            select(OutboxItemRow.seller_id, OutboxItemRow.topic, OutboxItemRow.event, func.count())
            .where(OutboxItemRow.event.in_(["confirmed", "paid"]))
            .group_by(OutboxItemRow.seller_id, OutboxItemRow.topic, OutboxItemRow.event)
        ).all()
        doubles = session.execute(
            select(OutboxItemRow.order_id, OutboxItemRow.topic, OutboxItemRow.event)
            .group_by(OutboxItemRow.order_id, OutboxItemRow.topic, OutboxItemRow.event)
            .having(func.count() > 1)
        ).all()
        outbox_after = session.scalar(select(func.count()).select_from(OutboxItemRow))
    assert len(audit) == 8000 and {n for _, n in audit} == {1}
    assert doubles == []
    webshop = {
        a.seller.id: sum(1 for n in range(4000) if n % 3),
        b.seller.id: sum(1 for n in range(10_000, 14_000) if n % 3),
    }
    expected = {
        (s.seller.id, topic, event): count
        for s in (a, b)
        for topic, event, count in [
            ("channel", "confirmed", 4000),
            ("documents", "confirmed", 4000),
            ("accounting", "paid", 4000),  # every test order is prepaid and paid
            ("email", "confirmed", webshop[s.seller.id]),  # webshop orders only
        ]
    }
    assert {(sid, t, e): n for sid, t, e, n in outbox} == expected
    assert (outbox_after or 0) - (outbox_before or 0) == sum(expected.values())
