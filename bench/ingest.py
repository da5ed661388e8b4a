"""Ingest 20,000 orders (3 lines each) from the fake Shopify into PostgreSQL with the real
ingest flow, against fetching and parsing the same pages without storing them, same run.

    python -m bench.ingest [--orders N] [--page-size 250]

Goal: ingest within 2x of fetch-only (ratio = ingest time / fetch-only time). The fake
Shopify runs in a process of its own, as a real shop is not inside ours.
"""

from __future__ import annotations

import argparse

from sqlalchemy import func, select

from bench.channels_common import (
    add_seller_with_channel,
    bench_environment,
    fake_in_child,
    postgres_database,
)
from bench.common import Figure, stopwatch, write
from oms.store.db import transaction
from oms.store.schema import OrderRow
from tasks.channels_links import open_for_reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=250)
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
        # Fetch and parse only: the same adapter, client and pages, nothing stored.
        with open_for_reading(conn) as (channel, _), stopwatch() as fetch_s:
            parsed = sum(
                len([channel.map_order(raw) for raw in page.orders]) for page in channel.pages(None)
            )
        assert parsed == args.orders, parsed
        from prefect import flow

        from flows.ingest import ingest_orders
        from tasks.ingest import BATCH_ORDERS

        @flow(name="bench-warm-up")
        def warm_up() -> None:
            """Start the temporary Prefect API before the clock runs."""

        warm_up()
        with stopwatch() as ingest_s:
            counts = ingest_orders(seller=seller.slug, channel=conn.name)
        with transaction(engine) as session:
            stored = session.scalar(select(func.count()).select_from(OrderRow))
        assert counts["new"] == stored == args.orders, (counts, stored)
    ratio = ingest_s() / fetch_s()
    write(
        "ingest",
        [
            Figure(
                "ingest flow, fake Shopify -> PostgreSQL",
                args.orders / ingest_s(),
                "orders/s",
                args.orders / fetch_s(),
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
        },
    )


if __name__ == "__main__":
    main()
