"""Prefect task of the push flow: one claimed batch of the channel outbox."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from oms.draining import DrainReport, drain
from oms.effects import Topic
from tasks import runtime
from tasks.channels_links import Links
from tasks.channels_push import PushStats, push_items


@task(name="push-batch", cache_policy=NO_CACHE)
def push_batch(seller_id: int | None, links: Links, stats: PushStats) -> DrainReport:
    """Claim one batch of channel events (oldest first, one per order at a time) and push it.

    No task-level retry: the outbox rows are the retry, and a repeated push is harmless
    only because rows carry idempotency keys; retrying here would just double the wait.
    """
    settings = runtime.settings()
    engine = runtime.engine()
    return drain(
        engine,
        Topic.CHANNEL,
        lambda items: push_items(engine, links, items, stats),
        batch_size=settings.outbox_batch_size,
        max_attempts=settings.outbox_max_attempts,
        max_batches=1,
        in_order=True,
        seller_id=seller_id,
    )
