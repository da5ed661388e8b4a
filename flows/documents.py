"""Flow: render the delivery note and the invoice of every newly accepted order."""

from __future__ import annotations

from prefect import flow, get_run_logger, tags
from prefect.runtime import flow_run

from documents.outbox import DocumentsLog
from flows.hooks import notify_failure
from oms.draining import DrainReport
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tasks import runtime
from tasks.documents import render_batch

MAX_BATCHES = 100  # a bounded run per schedule tick; the next tick takes the rest


def run_name() -> str:
    return f"render-documents-{flow_run.parameters.get('seller') or 'all'}"


@flow(
    name="render-documents",
    flow_run_name=run_name,
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def render_documents(seller: str | None = None) -> dict[str, int]:
    """Drain the documents outbox in batches: give each accepted order its delivery note and
    invoice (gapless numbers, Swiss QR-bill on pay-by-invoice orders), render them in a pool
    of processes, store the PDFs with number, language and sha256; a retry reuses numbers."""
    runtime.settle_heap()
    seller_id = None
    if seller:
        with transaction(runtime.engine()) as session:
            seller_id = seller_store.get_seller(session, seller).id
    total, log = DrainReport(), DocumentsLog()
    with tags("documents", f"seller:{seller or 'all'}"):
        for _ in range(MAX_BATCHES):
            report = render_batch(seller_id, log)
            total.add(report)
            if report.claimed == 0:
                break
    logger = get_run_logger()
    for line in log.problems[:50]:
        logger.warning("%s", line)
    rows = [{"seller": slug, **counts} for slug, counts in sorted(log.rows.items())]
    summary = {
        "rendered": sum(r["rendered"] for r in log.rows.values()),
        "present": sum(r["present"] for r in log.rows.values()),
        "errors": sum(r["errors"] for r in log.rows.values()),
        "retried": total.retried,
        "dead": total.dead,
        "batches": total.batches,
    }
    runtime.publish_table(
        f"render-documents-{seller or 'all'}",
        rows or [{"seller": "-", "rendered": 0}],
        f"Documents: {summary['rendered']} rendered, {summary['errors']} failed "
        f"({total.batches} batches)",
    )
    return summary
