"""Flow: push every seller action waiting in the channel outbox to its sales channel."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

from prefect import flow, get_run_logger, tags

from flows.hooks import notify_failure
from oms.draining import DrainReport
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tasks import runtime
from tasks.channels_links import Links
from tasks.channels_push import PushStats
from tasks.channels_runs import run_name, tag_run
from tasks.push import push_batch

MAX_BATCHES = 250  # per lane: a bounded run per schedule tick; the next tick takes the rest
LANES = 2


def _lane(seller_id: int | None, links: Links, stats: PushStats) -> DrainReport:
    total = DrainReport()
    for _ in range(MAX_BATCHES):
        report = push_batch(seller_id, links, stats)
        total.add(report)
        if report.claimed == 0:
            break
    return total


@flow(
    name="push-to-channels",
    flow_run_name=run_name("push", "seller"),
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def push_to_channels(seller: str | None = None) -> dict[str, int]:
    """Drain the channel outbox in batches, keeping each order's events in order, at every
    channel's rate limit, over one keep-alive client per connection; end with a table of
    pushed / unchanged / retried / dead."""
    runtime.settle_heap()
    seller_id = None
    if seller:
        with transaction(runtime.engine()) as session:
            seller_id = seller_store.get_seller(session, seller).id
    tag_run("channels", "push", f"seller:{seller or 'all'}")
    total, stats = DrainReport(), PushStats()
    with tags("channels", "push"), Links() as links, ThreadPoolExecutor(LANES) as pool:
        # Two lanes claim batches side by side, so that no connection idles while a batch is
        # recorded and the next one claimed; the claim never hands out an event whose
        # predecessor of the same order is not done, so each order stays in order.
        lanes = [
            pool.submit(contextvars.copy_context().run, _lane, seller_id, links, stats)
            for _ in range(LANES)
        ]
        for lane in lanes:
            total.add(lane.result())
    for row_id, key, error in total.errors[:20]:
        get_run_logger().warning("outbox row %s (%s): %s", row_id, key, error)
    summary = {
        "pushed": sum(stats.pushed.values()),
        "unchanged": sum(stats.unchanged.values()),
        "retried": total.retried,
        "dead": total.dead,
        "attempts": stats.attempts,
        "rate_limited": stats.rate_limited,
    }
    channels = sorted({*stats.pushed, *stats.unchanged, *stats.failed})
    rows = [
        {
            "channel": name,
            "pushed": stats.pushed.get(name, 0),
            "unchanged": stats.unchanged.get(name, 0),
            "failed": stats.failed.get(name, 0),
        }
        for name in channels
    ]
    rows.append({"channel": "all", **summary})
    runtime.publish_table(
        f"push-{seller or 'all'}", rows, "Channel events pushed, unchanged, retried later, dead"
    )
    return summary
