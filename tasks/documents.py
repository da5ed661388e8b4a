"""Prefect task of the render-documents flow: one claimed batch of the documents outbox."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from documents.outbox import DocumentsLog, documents_handler
from oms.draining import DrainReport, drain
from oms.effects import Topic
from tasks import runtime


@task(name="render-documents-batch", cache_policy=NO_CACHE)
def render_batch(seller_id: int | None, log: DocumentsLog, batch_size: int = 100) -> DrainReport:
    """Claim one batch of accepted orders, render and store their delivery notes and
    invoices (in a process pool when the batch is large), record each outcome."""
    settings = runtime.settings()
    engine = runtime.engine()
    handler = documents_handler(engine, log)
    return drain(
        engine,
        Topic.DOCUMENTS,
        handler,
        batch_size=batch_size,
        max_attempts=settings.outbox_max_attempts,
        max_batches=1,
        seller_id=seller_id,
    )
