"""Auto-confirm of 100,000 open orders through the Prefect flow vs `advance_all` directly.

    python -m bench.automations [--orders N] [--backend sqlite|postgresql|both]

Same run, same database, same orders (reset between the two): the baseline calls
`oms.actions.advance_all` without Prefect; the figure runs the `auto_confirm` flow
(a temporary local Prefect API, started before the clock runs; heartbeat at its
default). Goals: flow time <= 1.5x the direct call, <= 1 task run per 500 orders.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.actions import postgres_url, reset, seed, vacuum
from bench.channels_common import bench_environment
from bench.common import Figure, stopwatch, write
from oms import actions
from oms.seller import Automations
from oms.settings import get_settings
from oms.status import Action, Actor
from oms.store import sellers as seller_store
from oms.store.db import engine_for, transaction
from oms.store.migrate import upgrade
from tests.factories import add_demo_seller


def task_runs_of(flow_run_id: Any, expected: int) -> int:
    """Task runs the server recorded for the flow run (polls: the recorder lags a little)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])), limit=200
            )
            if len(found) >= expected or time.monotonic() > deadline:
                return len(found)
            time.sleep(0.5)


def measure(backend: str, url: str, n: int) -> list[Figure]:
    os.environ["SALES_SCALER_DATABASE_URL"] = url
    get_settings.cache_clear()
    upgrade(url)
    engine: Engine = engine_for(url)
    setup = add_demo_seller(engine, slug="bench")
    seed(engine, setup, n)
    with transaction(engine) as session:
        seller = seller_store.save_settings(
            session, setup.seller, "automations", Automations(auto_confirm=True)
        )
    vacuum(engine)
    from flows.automations import auto_confirm, auto_deliver

    auto_deliver(seller="bench")  # starts the temporary Prefect API before the clock runs
    batch = get_settings().bulk_batch()
    with stopwatch() as direct:
        count = actions.advance_all(engine, seller, Action.CONFIRM, Actor.AUTOMATION, batch).count
    assert count == n, count
    direct_s = direct()
    reset(engine)
    with stopwatch() as flowed:
        state = auto_confirm(seller="bench", return_state=True)
    flow_s = flowed()
    assert state.is_completed() and state.result() == {"bench": n}, state
    expected_tasks = 1 + -(-n // batch)
    tasks = task_runs_of(state.state_details.flow_run_id, expected_tasks)
    with engine.connect() as c:
        confirmed = c.execute(text("SELECT count(*) FROM orders WHERE status = 'confirmed'"))
        assert confirmed.scalar_one() == n
    print(
        f"{backend}: {n:,} orders; advance_all {direct_s:.2f} s; auto_confirm flow "
        f"{flow_s:.2f} s with {tasks} task runs (batch {batch:,})"
    )
    return [
        Figure(
            f"auto-confirm flow, {backend}",
            n / flow_s,
            "orders/s",
            n / direct_s,
            "advance_all without Prefect",
            "time ratio <= 1.5",
            flow_s / direct_s,
            flow_s / direct_s <= 1.5,
        ),
        Figure(
            f"auto-confirm task runs per 500 orders, {backend}",
            tasks * 500 / n,
            "task runs / 500 orders",
            None,
            "",
            "<= 1",
            None,
            tasks * 500 / n <= 1,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql", "both"])
    args = parser.parse_args()
    figures: list[Figure] = []
    # A Prefect home of our own: temporary servers of other processes on one SQLite file
    # would lock each other (PREFECT.md rule 8).
    with bench_environment(), tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            figures += measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.orders)
        if args.backend in ("postgresql", "both") and (pg := postgres_url()):
            url, admin, name = pg
            try:
                figures += measure("postgresql", url, args.orders)
            finally:
                from oms.store.db import dispose_all

                dispose_all()
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    write("automations", figures, {"orders": args.orders})


if __name__ == "__main__":
    main()
