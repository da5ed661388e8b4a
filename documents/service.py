"""Issue and render the documents of accepted orders: numbers first, then PDFs, then files.

Rendering runs in a pool of processes when there is enough to render (each
worker keeps its own WeasyPrint font configuration); a handful of documents is
rendered in the calling process, where a pool would cost more than it saves.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from documents import store
from documents.render import Rendered, RenderJob, render_job
from documents.view import KINDS, language_of, local_date
from oms.model import Order
from oms.seller import Seller
from oms.settings import get_settings
from oms.status import OrderStatus
from oms.store import orders as order_store
from oms.store.db import transaction

ACCEPTED = (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
POOL_FROM = 12  # documents; below that the pool's start-up costs more than it saves


@dataclass
class RenderReport:
    """What one call did. `errors` are retryable failures; `skipped` need no retry."""

    rendered: list[tuple[int, str, str]] = field(default_factory=list)  # order id, kind, number
    present: int = 0  # documents that were stored already
    skipped: dict[int, str] = field(default_factory=dict)  # order id -> reason
    errors: dict[int, str] = field(default_factory=dict)  # order id -> error
    notes: dict[int, str] = field(default_factory=dict)  # order id -> e.g. why no QR-bill
    numbers: dict[int, str] = field(default_factory=dict)  # order id -> order number

    def lines(self) -> list[str]:
        """Problems as "order N: reason" lines."""
        out = []
        for source in (self.skipped, self.errors, self.notes):
            out += [f"order {self.numbers.get(i, f'#{i}')}: {why}" for i, why in source.items()]
        return out


def skip_reason(order: Order) -> str | None:
    """Why an order has no documents (None when it has, or will have, them)."""
    if order.status in ACCEPTED:
        return None
    if order.status is OrderStatus.CANCELLED:
        return "is cancelled: it has no documents to print"
    return f"is {order.status.value}: documents exist once it is confirmed"


_pool: Executor | None = None


def _shared_pool(workers: int) -> Executor:
    """One pool per process, started on first use (spawned: no forked Prefect threads)."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        atexit.register(_pool.shutdown, cancel_futures=True)
    return _pool


def render_jobs(jobs: Sequence[RenderJob], workers: int | None = None) -> Iterator[Rendered | str]:
    """Each job's Rendered (or its error message), in the order given."""
    cpus = workers or min(2, os.cpu_count() or 1)
    if cpus > 1 and len(jobs) >= POOL_FROM:
        global _pool
        futures = [_shared_pool(cpus).submit(render_job, job) for job in jobs]
        for future in futures:
            try:
                yield future.result()
            except BrokenProcessPool as exc:
                _pool = None  # a worker died (e.g. out of memory): the next call starts afresh
                yield f"{type(exc).__name__}: {exc}"
            except Exception as exc:
                yield f"{type(exc).__name__}: {exc}"
        return
    for job in jobs:
        try:
            yield render_job(job)
        except Exception as exc:
            yield f"{type(exc).__name__}: {exc}"


def render_orders(
    engine: Engine,
    seller: Seller,
    order_ids: Sequence[int],
    kinds: Sequence[str] = KINDS,
    workers: int | None = None,
    root: Path | None = None,
) -> RenderReport:
    """Issue and store every missing document of these orders (idempotent, gapless)."""
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown document kind {bad[0]!r} (use {', '.join(KINDS)})")
    root = root or get_settings().documents_dir
    report = RenderReport()
    with transaction(engine) as session:
        orders = order_store.load_orders(session, seller, list(dict.fromkeys(order_ids)))
        shipped = store.shipped_at(session, [o.id for o in orders])
        have = store.documents_of(session, seller.id, [o.id for o in orders], kinds)
    found = {o.id for o in orders}
    report.skipped.update({i: "not found" for i in order_ids if i not in found})
    accepted = []
    for order in orders:
        report.numbers[order.id] = order.order_number
        reason = skip_reason(order)
        if reason:
            report.skipped[order.id] = reason
        else:
            accepted.append(order)
    wanted = [
        (o.id, kind, language_of(seller, o))
        for o in accepted
        for kind in kinds
        if not ((doc := have.get((o.id, kind))) and doc.has_file)
    ]
    report.present = len(accepted) * len(kinds) - len(wanted)
    if not wanted:
        return report
    docs = store.issue(engine, seller, wanted, datetime.now(UTC))
    by_id = {o.id: o for o in accepted}
    jobs = [
        RenderJob(
            seller,
            by_id[order_id],
            kind,
            docs[(order_id, kind)].number,
            local_date(docs[(order_id, kind)].issued_at, seller),
            local_date(shipped[order_id], seller) if order_id in shipped else None,
        )
        for order_id, kind, _ in wanted
    ]
    _store_all(engine, seller, root, jobs, docs, render_jobs(jobs, workers), report)
    return report


def _store_all(
    engine: Engine,
    seller: Seller,
    root: Path,
    jobs: Sequence[RenderJob],
    docs: dict[tuple[int, str], store.StoredDocument],
    results: Iterable[Rendered | str],
    report: RenderReport,
) -> None:
    for job, result in zip(jobs, results, strict=True):
        doc = docs[(job.order.id, job.kind)]
        if isinstance(result, str):
            report.errors[job.order.id] = f"{job.kind.replace('_', ' ')}: {result}"
            continue
        try:
            store.save_pdf(
                engine, doc, store.document_path(root, seller, job.kind, doc.number), result.pdf
            )
        except OSError as exc:
            report.errors[job.order.id] = f"{job.kind.replace('_', ' ')}: cannot store: {exc}"
            continue
        report.rendered.append((job.order.id, job.kind, doc.number))
        if result.problem:
            report.notes[job.order.id] = f"invoice {doc.number} has no QR-bill: {result.problem}"
