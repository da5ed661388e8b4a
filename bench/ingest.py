"""Ingest 20,000 orders (3 lines each) from the fake Shopify into PostgreSQL with the real
ingest flow, against fetching and parsing the same pages without storing them, same run.

    python -m bench.ingest [--orders N] [--page-size 250]

Goal: ingest within 2x of fetch-only (ratio = ingest time / fetch-only time). The fake
Shopify runs in a process of its own, as a real shop is not inside ours. The machine is
shared: each figure is the median of `--rounds` rounds that alternate fetch-only and a
full ingest into emptied tables, so a noisy minute hits both alike.
"""

from __future__ import annotations

import argparse
import statistics

from sqlalchemy import Engine, func, select, text

from bench.channels_common import (
    add_seller_with_channel,
    bench_environment,
    fake_in_child,
    postgres_database,
)
from bench.common import Figure, stopwatch, write
from oms.connection import ChannelConnection
from oms.store.db import transaction
from oms.store.schema import OrderRow
from tasks.channels_links import open_for_reading

STORED = ("orders", "order_lines", "order_events", "outbox", "quarantine")


def fetch_only(conn: ChannelConnection) -> tuple[int, float]:
    """Fetch and map every page with the same adapter and client; store nothing."""
    with stopwatch() as fetch_s, open_for_reading(conn) as (channel, _):
        parsed = sum(
            len([channel.map_order(raw) for raw in page.orders]) for page in channel.pages(None)
        )
    return parsed, fetch_s()


def empty(engine: Engine) -> None:
    """Back to no orders and no cursor, for the next round's ingest."""
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {', '.join(STORED)} RESTART IDENTITY CASCADE"))
        c.execute(text("UPDATE channel_connections SET sync_cursor = NULL"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with (
        bench_environment(),
        postgres_database() as engine,
        fake_in_child("shopify", args.orders, lines=3) as (base_url, secret),
    ):
        seller, conn = add_seller_with_channel(
            engine,
            "shopify",
            base_url,
            secret,
            page_size=args.page_size,
            rate_limit_per_second=1000,
        )
        from prefect import flow

        from flows.ingest import ingest_orders
        from tasks.ingest import BATCH_ORDERS

        @flow(name="bench-warm-up")
        def warm_up() -> None:
            """Start the temporary Prefect API before the clock runs."""

        warm_up()
        # The flows settle the heap (tasks/runtime.py) on their first run; the baseline gets
        # the same process from its first round on.
        from tasks import runtime

        runtime.settle_heap()
        fetch_times, ingest_times = [], []
        for n in range(args.rounds):
            parsed, fetch_s = fetch_only(conn)
            assert parsed == args.orders, parsed
            fetch_times.append(fetch_s)
            if n:
                empty(engine)
            with stopwatch() as ingest_s:
                counts = ingest_orders(seller=seller.slug, channel=conn.name)
            ingest_times.append(ingest_s())
            with transaction(engine) as session:
                stored = session.scalar(select(func.count()).select_from(OrderRow))
            assert counts["new"] == stored == args.orders, (counts, stored)
    fetch_s, ingest_s = statistics.median(fetch_times), statistics.median(ingest_times)
    print(
        f"ingest: {args.orders:,} orders; medians of {args.rounds}: fetch + parse {fetch_s:.2f} s "
        f"({', '.join(f'{t:.2f}' for t in fetch_times)}), ingest {ingest_s:.2f} s "
        f"({', '.join(f'{t:.2f}' for t in ingest_times)})"
    )
    ratio = ingest_s / fetch_s
    write(
        "ingest",
        [
            Figure(
                "ingest flow, fake Shopify -> PostgreSQL",
                args.orders / ingest_s,
                "orders/s",
                args.orders / fetch_s,
                "fetch + parse only, same pages",
                "ingest time <= 2x fetch-only",
                ratio,
                ratio <= 2,
            )
        ],
        {
            "orders": args.orders,
            "lines_per_order": 3,
            "page_size": args.page_size,
            "orders_per_task": BATCH_ORDERS,
            "rounds": args.rounds,
            "fetch_seconds": fetch_times,
            "ingest_seconds": ingest_times,
        },
    )


if __name__ == "__main__":
    main()
