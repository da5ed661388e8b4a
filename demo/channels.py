"""Demo steps of the sales channels: three fake channel servers, ingest through the real
flows, seller actions on channel orders, and everything pushed back to the channels."""

from __future__ import annotations

import os

from rich.table import Table
from sqlalchemy import func, select

from adapters.channels.fakes import FakeChannel, Faults, start_fake
from demo.context import DemoContext
from flows.cli_run import patient_prefect
from oms import actions
from oms.connection import PLATFORM_KINDS, ChannelConnection
from oms.model import Tracking
from oms.store import orders as order_store
from oms.store import quarantine
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import ChannelRow, OrderRow

# (seller, connection name, platform, orders on the fake)
CHANNELS = [
    ("alpen-tee", "shopify", "shopify", 90),
    ("alpen-tee", "galaxus", "mirakl", 60),
    ("lac-leman", "woo", "woocommerce", 60),
]
# A few glitches of every kind, so the run shows the retries doing their work.
FAULTS = Faults(error_rate=0.04, rate_limit_rate=0.04, retry_after=0.05, drop_rate=0.02, seed=5)
FAKES: dict[str, FakeChannel] = {}


def start_channels(ctx: DemoContext) -> None:
    """Start the fake Shopify, WooCommerce and Mirakl servers and connect the sellers."""
    ctx.step("sales channels (fake Shopify, WooCommerce, Mirakl on 127.0.0.1)")
    for i, (slug, name, platform, n) in enumerate(CHANNELS):
        fake = ctx.stack.enter_context(start_fake(platform, faults=FAULTS))
        ids = fake.add_orders(n, start=1001, lines=2, seed=i)
        if platform == "shopify":
            fake.touch(ids[-1], broken=True)  # one payload we cannot map: it goes to quarantine
        FAKES[name] = fake
        var = f"SALES_SCALER_DEMO_{name.upper()}_KEY"
        os.environ[var] = fake.secret  # the connection holds the reference only
        with transaction(ctx.engine) as session:
            seller_store.add_connection(
                session,
                ctx.sellers[slug],
                ChannelConnection(
                    name=name,
                    platform=platform,
                    kind=PLATFORM_KINDS[platform],
                    base_url=fake.base_url,
                    credentials_ref=f"env:{var}",
                    options={"rate_limit_per_second": 50, "page_size": 25},
                ),
            )
        ctx.console.print(f"{platform:12} {fake.base_url}  {n} orders  → {slug}/{name}")


def ingest_channels(ctx: DemoContext) -> None:
    """Run the ingest-all flow: every connection, page by page, into the order store."""
    ctx.step("ingest (Prefect flow ingest-all)")
    from flows.ingest import ingest_all

    with patient_prefect():
        counts = ingest_all()
    ctx.console.print(
        "fetched {fetched}, new {new}, updated {updated}, quarantined {quarantined}".format(
            **counts
        )
    )


def act_on_channel_orders(ctx: DemoContext) -> None:
    """alpen-tee confirms, tracks, ships and cancels some of its channel orders."""
    ctx.step("seller actions on channel orders")
    seller = ctx.sellers["alpen-tee"]
    with transaction(ctx.engine) as session:
        open_orders = [
            o.order_number
            for name in ("shopify", "galaxus")
            for o in order_store.list_orders(session, seller, status=None, channel=name, limit=500)
            if o.status == "open"
        ]
    chosen = open_orders[::3][:40]
    e = ctx.engine
    confirmed = actions.confirm(e, seller, chosen).applied
    post = "https://service.post.ch/ekp-web/ui/entry/search/{}"
    tracked = actions.track(
        e,
        seller,
        [
            (n, Tracking(tracking_id=f"99.60.1{i:07d}", url=post.format(i), carrier="Swiss Post"))
            for i, n in enumerate(confirmed[:25])
        ],
    ).applied
    shipped = actions.ship(e, seller, [(n, None) for n in tracked[:20]]).applied
    cancelled = actions.cancel(e, seller, confirmed[-5:], reason="Out of stock").applied
    ctx.console.print(
        f"confirmed {len(confirmed)}, tracked {len(tracked)}, shipped {len(shipped)}, "
        f"cancelled {len(cancelled)}"
    )


def push_back(ctx: DemoContext) -> None:
    """Run the push-to-channels flow and show what each fake channel acknowledged."""
    ctx.step("push back (Prefect flow push-to-channels)")
    from flows.push import push_to_channels

    with patient_prefect():
        summary = push_to_channels()
    table = Table("channel", "platform", "orders here", "changes applied on the channel")
    per_channel = _orders_per_channel(ctx)
    for slug, name, platform, _ in CHANNELS:
        effects = FAKES[name].effects() if name in FAKES else []
        table.add_row(f"{slug}/{name}", platform, str(per_channel.get(name, 0)), str(len(effects)))
    ctx.console.print(table)
    ctx.console.print(
        f"pushed {summary['pushed']}, already so {summary['unchanged']}, "
        f"to retry later {summary['retried']}, dead {summary['dead']}"
    )
    with transaction(ctx.engine) as session:
        held = sum(len(quarantine.list_open(session, s.id)) for s in ctx.sellers.values())
    ctx.summary["channels"] = {
        "orders_per_channel": per_channel,
        "pushes_acknowledged": {name: len(f.effects()) for name, f in FAKES.items()},
        "push_run": summary,
        "quarantined": held,
    }


def _orders_per_channel(ctx: DemoContext) -> dict[str, int]:
    with transaction(ctx.engine) as session:
        rows = session.execute(
            select(ChannelRow.name, func.count())
            .join(OrderRow, OrderRow.connection_id == ChannelRow.id)
            .group_by(ChannelRow.name)
        ).all()
    return {name: n for name, n in rows}
