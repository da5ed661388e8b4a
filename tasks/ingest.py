"""Prefect tasks of the ingest flow: fetch and map a batch of pages, store that batch (never
one task per order, nor per page: a task run costs tens of milliseconds of CPU, a page of
250 orders about as much to store).

Fetching and storing are separate tasks so that a retried fetch never repeats a
database write, and a failed write never re-fetches behind the cursor's back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from adapters.channels.base import OrderPage, RetryableChannelError
from oms.connection import ChannelConnection
from oms.ingest import IngestCounts, MappedPage, later_cursor, map_page, store_page
from oms.model import NormalizedOrder
from oms.seller import Seller
from oms.store.db import transaction
from tasks import runtime
from tasks.channels_stream import PageStream

BATCH_ORDERS = 1000  # raw orders per fetch / store task (whole pages; at least one page)


def retryable_only(task: Task[Any, Any], run: TaskRun, state: State[Any]) -> bool:
    """Retry the fetch on 429 / 5xx / timeouts / dropped connections, never on 4xx."""
    try:
        state.result()
    except RetryableChannelError:
        return True
    except Exception:
        return False
    return False


@dataclass
class Batch:
    """Pages read from the channel and mapped: what one store task writes."""

    pages: int
    fetched: int  # raw orders on those pages
    newest: str | None  # the latest "updated at" the pages reported
    last: bool  # the walk ended with these pages
    mapped: MappedPage


@task(
    name="fetch-pages",
    retries=4,
    retry_delay_seconds=[1, 2, 5, 10],
    retry_jitter_factor=0.5,
    retry_condition_fn=retryable_only,
    cache_policy=NO_CACHE,
)
def fetch_pages(
    stream: PageStream,
    map_order: Callable[[dict[str, Any]], NormalizedOrder],
    max_orders: int = BATCH_ORDERS,
) -> Batch | None:
    """The next pages of changed orders, until they hold `max_orders` orders or the walk ends,
    mapped (None: the walk is complete). A retry starts over from the stream's committed
    cursor. Mapping here, not in the store task, lets it overlap the previous batch's
    database round trips."""
    pages: list[OrderPage] = []
    held = 0
    while held < max_orders and (page := stream.next_page()) is not None:
        pages.append(page)
        held += len(page.orders)
    if not pages:
        return None
    newest: str | None = None
    for page in pages:
        newest = later_cursor(newest, page.max_updated_at)
    raws = [raw for page in pages for raw in page.orders]
    return Batch(
        len(pages), len(raws), newest, pages[-1].next_page is None, map_page(raws, map_order)
    )


@task(name="store-pages", cache_policy=NO_CACHE)
def store_orders_pages(
    seller: Seller, conn: ChannelConnection, batch: Batch, cursor: str | None
) -> IngestCounts:
    """Upsert a mapped batch, quarantine what could not be mapped and move the cursor, in one
    transaction."""
    with transaction(runtime.engine()) as session:
        return store_page(
            session, seller, conn, batch.mapped, batch.fetched, cursor, pages=batch.pages
        )
