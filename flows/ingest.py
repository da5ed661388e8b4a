"""Flows: read the orders that changed on sales channels into the order store."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from prefect import flow, get_run_logger, tags
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from flows.hooks import notify_failure
from oms.connection import ChannelConnection
from oms.ingest import IngestCounts, later_cursor
from oms.seller import Seller
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tasks import runtime
from tasks.channels_links import Opener, open_for_reading
from tasks.channels_runs import run_name, tag_run
from tasks.channels_stream import PageStream
from tasks.ingest import fetch_pages, store_orders_pages

FAN_OUT = 4  # connections ingested at once in ingest_all


def ingest_connection(
    seller: Seller, conn: ChannelConnection, opener: Opener = open_for_reading
) -> IngestCounts:
    """Walk the connection's changed orders a batch of pages at a time, fetching and mapping
    a batch while the previous one is stored. The cursor moves with each committed batch
    when the channel lists pages in update order, otherwise with the last page of the walk
    (so a failed walk loses nothing)."""
    counts = IngestCounts()
    with opener(conn) as (channel, _):
        stream = PageStream(channel, conn.sync_cursor, conn.options.overlap_seconds)
        in_update_order = bool(getattr(channel, "pages_in_update_order", False))
        newest = conn.sync_cursor
        storing: tuple[PrefectFuture[IngestCounts], str | None] | None = None
        while (batch := fetch_pages(stream, channel.map_order)) is not None:
            newest = later_cursor(newest, batch.newest)
            cursor = newest if in_update_order or batch.last else stream.committed
            if storing is not None:
                counts.add(_stored(stream, *storing))
            # quote(): Prefect would otherwise walk every order of the batch (~0.1 s a page).
            quoted: Any = quote(batch)
            future = store_orders_pages.submit(seller, conn, quoted, cursor)
            storing = (future, cursor)
        if storing is not None:
            counts.add(_stored(stream, *storing))
    return counts


def _stored(
    stream: PageStream, future: PrefectFuture[IngestCounts], cursor: str | None
) -> IngestCounts:
    counts = future.result()
    stream.commit(cursor)
    return counts


def _load(seller: str, channel: str | None) -> tuple[Seller, list[ChannelConnection]]:
    with transaction(runtime.engine()) as session:
        s = seller_store.get_seller(session, seller)
        if channel is not None:
            return s, [seller_store.get_connection(session, s, channel)]
        return s, [c for c in seller_store.list_connections(session, s) if c.platform != "manual"]


def _report(key: str, rows: list[dict[str, object]]) -> None:
    runtime.publish_table(key, rows, "Orders fetched / new / updated / unchanged / quarantined")


@flow(
    name="ingest-orders",
    flow_run_name=run_name("ingest", "seller", "channel"),
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def ingest_orders(seller: str, channel: str) -> dict[str, int]:
    """Read the orders that changed on one channel connection since its cursor into the
    order store, page by page; unmappable payloads go to quarantine."""
    runtime.settle_heap()
    tag_run("channels", "ingest", f"seller:{seller}", f"channel:{channel}")
    s, (conn,) = _load(seller, channel)
    with tags("channels", "ingest"):
        counts = ingest_connection(s, conn)
    for line in counts.transitions[:50]:
        get_run_logger().info("changed on the channel: %s", line)
    _report(f"ingest-{seller}-{channel}", [{"channel": channel, **counts.row()}])
    return counts.row()


@flow(
    name="ingest-all",
    flow_run_name=run_name("ingest", "seller"),
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def ingest_all(seller: str | None = None) -> dict[str, int]:
    """Ingest every channel connection of one seller (or of every seller), a few at a time;
    a connection that fails is reported and does not stop the others."""
    runtime.settle_heap()
    tag_run("channels", "ingest", f"seller:{seller or 'all'}")
    with transaction(runtime.engine()) as session:
        everyone = [seller_store.get_seller(session, seller)] if seller else None
        everyone = everyone or seller_store.list_sellers(session)
        work = [
            (s, c)
            for s in everyone
            for c in seller_store.list_connections(session, s)
            if c.platform != "manual"
        ]
    rows: list[dict[str, object]] = []
    total, failed = IngestCounts(), []
    with tags("channels", "ingest"), ThreadPoolExecutor(FAN_OUT) as pool:
        # Each connection runs in its own copy of the flow's context, so its tasks belong here.
        futures = [
            pool.submit(contextvars.copy_context().run, ingest_connection, s, c) for s, c in work
        ]
        for (s, c), future in zip(work, futures, strict=True):
            name = f"{s.slug}/{c.name}"
            try:
                counts = future.result()
            except Exception as exc:
                failed.append(name)
                get_run_logger().error("%s: %s: %s", name, type(exc).__name__, exc)
                rows.append({"channel": name, "error": f"{type(exc).__name__}: {exc}"[:300]})
                continue
            total.add(counts)
            rows.append({"channel": name, **counts.row()})
    rows.append({"channel": "all", **total.row()})
    _report(f"ingest-{seller or 'all'}", rows)
    if failed:
        raise RuntimeError(f"ingest failed for {', '.join(failed)} (the others are in)")
    return total.row()
