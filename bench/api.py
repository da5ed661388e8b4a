"""The seller API under load vs the same functions called in-process, same run.

    python -m bench.api [--orders N] [--backend auto|sqlite|postgresql|both]

(auto: PostgreSQL when it is reachable, else SQLite; "both" takes about 3.5 minutes.)

1. List N orders (default 100,000) page by page (1,000 per page) through
   `GET /v1/orders`, against `oms.store.orders.list_orders` page by page.
2. Bulk confirm 1,000 orders per request through `POST /v1/orders/confirm`
   (20 requests), against `oms.actions.confirm` on 20 other sets of 1,000.

The API runs in its own process (uvicorn on 127.0.0.1), called by one httpx
client with keep-alive; figures are requests/s (or orders/s) and p95 latency.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from bench.actions import postgres_url, seed, vacuum
from bench.common import Figure, write
from oms import actions
from oms.store import api_keys
from oms.store import orders as store
from oms.store.db import make_engine, transaction
from oms.store.migrate import upgrade
from tests.factories import SellerSetup, add_demo_seller

PAGE = 1_000
BULK = 1_000
BULK_REQUESTS = 20


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) > 1 else samples[0]


@contextmanager
def api_server(url: str) -> Iterator[str]:
    """`create_app()` on the database at `url`, served by uvicorn in its own process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = (
        "import uvicorn; from api.app import create_app; "
        f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning')"
    )
    env = {**os.environ, "SALES_SCALER_DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def list_in_process(engine: Engine, setup: SellerSetup) -> list[float]:
    samples, after = [], 0
    while True:
        start = time.perf_counter()
        with transaction(engine) as session:
            rows = store.list_orders(session, setup.seller, after_id=after, limit=PAGE)
        samples.append(time.perf_counter() - start)
        if len(rows) < PAGE:
            return samples
        after = rows[-1].id


def list_over_http(client: httpx.Client) -> tuple[list[float], int]:
    samples, after, seen = [], 0, 0
    while True:
        start = time.perf_counter()
        page = client.get("/v1/orders", params={"after": after, "limit": PAGE}).json()
        samples.append(time.perf_counter() - start)
        seen += len(page["items"])
        if page["next_cursor"] is None:
            return samples, seen
        after = page["next_cursor"]


def figures_for(
    name: str, unit_per_call: int, unit: str, api: list[float], local: list[float]
) -> list[Figure]:
    api_rate, local_rate = (
        unit_per_call * len(api) / sum(api),
        unit_per_call * len(local) / sum(local),
    )
    return [
        Figure(
            f"{name}, via API",
            api_rate,
            unit,
            local_rate,
            "same function in-process",
            ratio=api_rate / local_rate,
        ),
        Figure(
            f"{name}, via API, p95 latency",
            p95(api) * 1000,
            "ms",
            p95(local) * 1000,
            "same function in-process (p95)",
            ratio=p95(api) / p95(local),
        ),
    ]


def measure(backend: str, url: str, n: int) -> list[Figure]:
    upgrade(url)
    engine = make_engine(url)
    setup = add_demo_seller(engine)
    numbers = seed(engine, setup, n)
    vacuum(engine)
    with transaction(engine) as session:
        _, key = api_keys.create_key(session, setup.seller, "bench")
    local_list = list_in_process(engine, setup)
    bulk_local: list[float] = []
    half = BULK * BULK_REQUESTS
    for i in range(BULK_REQUESTS):
        chunk = numbers[half + i * BULK : half + (i + 1) * BULK]
        start = time.perf_counter()
        actions.confirm(engine, setup.seller, chunk)
        bulk_local.append(time.perf_counter() - start)
    with (
        api_server(url) as base,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120
        ) as client,
    ):
        client.get("/v1/me").raise_for_status()
        api_list, seen = list_over_http(client)
        assert seen == n, seen
        bulk_api: list[float] = []
        for i in range(BULK_REQUESTS):
            chunk = numbers[i * BULK : (i + 1) * BULK]
            start = time.perf_counter()
            answer = client.post("/v1/orders/confirm", json={"order_numbers": chunk}).json()
            bulk_api.append(time.perf_counter() - start)
            assert answer["count"] == BULK, answer.get("refused", answer)[:3]
    with engine.connect() as c:
        confirmed = c.execute(text("SELECT count(*) FROM orders WHERE status='confirmed'")).scalar()
    assert confirmed == 2 * half, confirmed
    engine.dispose()
    print(
        f"{backend}: listed {n:,} orders in {len(api_list)} pages: API {sum(api_list):.2f} s, "
        f"in-process {sum(local_list):.2f} s; bulk confirm {BULK_REQUESTS} x {BULK:,}: "
        f"API {sum(bulk_api):.2f} s, in-process {sum(bulk_local):.2f} s"
    )
    return figures_for(
        f"list {n:,} orders ({PAGE:,}/page), {backend}", 1, "pages/s", api_list, local_list
    ) + figures_for(f"bulk confirm of {BULK:,}, {backend}", BULK, "orders/s", bulk_api, bulk_local)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--backend", default="auto", choices=["auto", "sqlite", "postgresql", "both"]
    )
    args = parser.parse_args()
    assert args.orders >= 2 * BULK * BULK_REQUESTS, "need orders for both bulk runs"
    figures: list[Figure] = []
    if args.backend in ("auto", "postgresql", "both") and (pg := postgres_url()):
        url, admin, name = pg
        try:
            figures += measure("postgresql", url, args.orders)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if args.backend in ("sqlite", "both") or (args.backend == "auto" and not figures):
        with tempfile.TemporaryDirectory() as tmp:
            figures += measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.orders)
    write("api", figures, {"orders": args.orders, "page": PAGE, "bulk": BULK})


if __name__ == "__main__":
    main()
