"""Prefect tasks of the ingest flow: fetch one page, store one page (never one task per order).

Fetching and storing are separate tasks so that a retried fetch never repeats a
database write, and a failed write never re-fetches behind the cursor's back.
"""

from __future__ import annotations

from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from adapters.channels.base import OrderPage, RetryableChannelError, SalesChannel
from oms.connection import ChannelConnection
from oms.ingest import IngestCounts, map_page, store_page
from oms.seller import Seller
from oms.store.db import transaction
from tasks import runtime
from tasks.channels_stream import PageStream


def retryable_only(task: Task[Any, Any], run: TaskRun, state: State[Any]) -> bool:
    """Retry the fetch on 429 / 5xx / timeouts / dropped connections, never on 4xx."""
    try:
        state.result()
    except RetryableChannelError:
        return True
    except Exception:
        return False
    return False


@task(
    name="fetch-page",
    retries=4,
    retry_delay_seconds=[1, 2, 5, 10],
    retry_jitter_factor=0.5,
    retry_condition_fn=retryable_only,
    cache_policy=NO_CACHE,
)
def fetch_page(stream: PageStream) -> OrderPage | None:
    """The next page of changed orders (None: the walk is complete)."""
    return stream.next_page()


@task(name="store-page", cache_policy=NO_CACHE)
def store_orders_page(
    seller: Seller,
    conn: ChannelConnection,
    channel: SalesChannel,
    page: OrderPage,
    cursor: str | None,
) -> IngestCounts:
    """Map one page, quarantine what cannot be mapped, upsert the rest and move the cursor,
    in one transaction."""
    mapped = map_page(page.orders, channel.map_order)
    with transaction(runtime.engine()) as session:
        return store_page(session, seller, conn, mapped, len(page.orders), cursor)
