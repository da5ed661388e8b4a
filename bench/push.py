"""Push 5,000 seller actions to a fake WooCommerce shop with 20 ms latency and a limit of
40 requests/s, with the real push flow; against the limit and against sending them one
after the other (same adapter and latency, a sample), same run.

    python -m bench.push [--events N] [--sequential-sample N]

Each confirmation is a read and a write (the adapter checks the state first), so the
channel sees two requests per event. Goal: >= 90 % of the limit, no 429 bursts.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from adapters.channels.base import RateLimited
from adapters.channels.fakes import Faults, start_fake
from adapters.channels.registry import channel_for
from bench.channels_common import add_seller_with_channel, bench_environment
from bench.common import Figure, stopwatch, write
from oms import actions
from oms.ingest import map_page, store_page
from oms.store import orders as order_store
from oms.store.db import engine_for, transaction
from oms.store.migrate import upgrade
from oms.store.outbox import OutboxItem
from oms.store.schema import OrderRow

LIMIT = 40.0
LATENCY = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--sequential-sample", type=int, default=300)
    args = parser.parse_args()
    faults = Faults(latency=LATENCY, rate_limit_per_second=LIMIT)
    with (
        bench_environment(),
        tempfile.TemporaryDirectory() as tmp,
        start_fake("woocommerce", faults=faults) as fake,
        start_fake("woocommerce", faults=faults) as twin,
    ):
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        os.environ["SALES_SCALER_DATABASE_URL"] = url
        engine = engine_for(url)
        ids = fake.add_orders(args.events, lines=3)
        twin.add_orders(args.sequential_sample, lines=3)
        seller, conn = add_seller_with_channel(
            engine, "woocommerce", fake.base_url, fake.secret, rate_limit_per_second=LIMIT
        )
        with httpx.Client() as client:
            channel = channel_for(conn, client, fake.secret)
            raws = [fake.order(i) for i in ids]
            for raw in raws:
                raw["status"] = "pending"  # every order waits for the seller's acceptance
                fake.orders[str(raw["id"])]["status"] = "pending"
            with transaction(engine) as session:
                store_page(
                    session, seller, conn, map_page(raws, channel.map_order), len(raws), None
                )
        with transaction(engine) as session:
            numbers = list(session.scalars(select(OrderRow.order_number).order_by(OrderRow.id)))
        actions.confirm(engine, seller, numbers)

        # Baseline: one event after the other, same adapter, same latency, on the twin shop.
        with transaction(engine) as session:
            orders = order_store.load_orders(
                session, seller, list(range(1, args.sequential_sample + 1))
            )
        for o in orders:
            twin.orders[o.channel_order_id]["status"] = "pending"
        with httpx.Client() as client, stopwatch() as seq_s:
            twin_channel = channel_for(
                conn.model_copy(update={"base_url": twin.base_url}), client, twin.secret
            )
            for o in orders:
                item = OutboxItem(0, seller.id, o.id, "channel", "confirmed", "bench", {}, 1)
                while True:  # unpaced, it runs into the limit: wait as told, then again
                    try:
                        twin_channel.apply(item, o)
                        break
                    except RateLimited as exc:
                        time.sleep(exc.retry_after or 1.0)
        sequential_rps = (twin.counters.requests - twin.counters.bucket_429) / seq_s()

        from prefect import flow

        from flows.push import push_to_channels

        @flow(name="bench-warm-up")
        def warm_up() -> None:
            """Start the temporary Prefect API before the clock runs."""

        warm_up()
        fake.reset_records()
        with stopwatch() as push_s:
            summary = push_to_channels(seller=seller.slug)
        achieved = fake.requests_per_second(skip_seconds=1.0)
        burst = fake.longest_429_run()
        bucket_429 = fake.counters.bucket_429
        applied = len(fake.effects())
    share = achieved / LIMIT
    write(
        "push",
        [
            Figure(
                "push flow, requests/s against a 40 req/s limit (20 ms latency)",
                achieved,
                "requests/s",
                LIMIT,
                "the channel's limit",
                ">= 90 % of the limit, no 429 bursts (longest run of 429s <= 2)",
                share,
                share >= 0.9 and burst <= 2,
            ),
            Figure(
                "push flow vs sequential sending",
                achieved,
                "requests/s",
                sequential_rps,
                f"one request after the other ({args.sequential_sample} events)",
                "",
                achieved / sequential_rps,
                None,
            ),
        ],
        {
            "events": args.events,
            "applied_on_the_fake": applied,
            "pushed": summary["pushed"],
            "dead": summary["dead"],
            "seconds": round(push_s(), 1),
            "bucket_429": bucket_429,
            "longest_429_run": burst,
        },
    )


if __name__ == "__main__":
    main()
