"""Prefect tasks of the accounting export: one batch of the accounting outbox booked, one
batch of bookings exported. Thin wrappers: the rules live in oms/accounting.py,
oms/store/accounting*.py and adapters/erp/.

No task-level retry: the outbox rows and the export rows are the retry (with
back-off), and an exporter retries transient errors inside a batch itself.
"""

from __future__ import annotations

from functools import partial

from prefect import task
from prefect.cache_policies import NO_CACHE

from adapters.erp.base import LedgerExporter
from adapters.erp.export import export_batch
from oms.draining import DrainReport, drain_batch
from oms.effects import Topic
from oms.seller import Seller
from oms.store import accounting_exports as exports
from oms.store import sellers as seller_store
from oms.store.accounting import AccountTotal, record_events, trial_balance
from oms.store.db import transaction
from tasks import runtime


@task(name="find-sellers", cache_policy=NO_CACHE)
def sellers_task(slug: str | None) -> list[Seller]:
    with transaction(runtime.engine()) as session:
        if slug:
            return [seller_store.get_seller(session, slug)]
        return seller_store.list_sellers(session)


@task(name="book-accounting-events", cache_policy=NO_CACHE)
def book_events_task(seller_id: int | None) -> DrainReport:
    """Turn one batch of accounting outbox rows into bookings (in order per order)."""
    engine, s = runtime.engine(), runtime.settings()
    return drain_batch(
        engine,
        Topic.ACCOUNTING,
        partial(record_events, engine),
        batch_size=s.outbox_batch_size,
        max_attempts=s.outbox_max_attempts,
        lease_seconds=s.outbox_lease_seconds,
        in_order=True,
        seller_id=seller_id,
    )


@task(name="export-bookings", cache_policy=NO_CACHE)
def export_batch_task(
    seller: Seller, exporter: LedgerExporter
) -> tuple[str | None, dict[str, int]]:
    """Hand one batch of a seller's pending bookings to the exporter; record each outcome."""
    s = runtime.settings()
    return export_batch(
        runtime.engine(),
        seller,
        exporter,
        batch_size=s.accounting_batch_size,
        max_attempts=s.outbox_max_attempts,
        lease_seconds=s.outbox_lease_seconds,
    )


@task(name="summarise-accounting", cache_policy=NO_CACHE)
def summary_task(
    seller: Seller, target: str
) -> tuple[list[AccountTotal], list[tuple[str, str, str]], dict[str, int]]:
    """Totals per account, the exports that failed (with the reason), export states."""
    with transaction(runtime.engine()) as session:
        return (
            trial_balance(session, seller.id),
            exports.failures(session, seller.id, target),
            exports.state_counts(session, seller.id, target),
        )
