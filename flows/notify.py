"""Flow: email webshop buyers about their orders (confirmed, cancelled, shipped, delivered)."""

from __future__ import annotations

from prefect import flow, get_run_logger, tags
from prefect.runtime import flow_run

from adapters.mail.dispatch import EmailLog
from flows.hooks import notify_failure
from oms.draining import DrainReport
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tasks import runtime
from tasks.notify import send_email_batch

MAX_BATCHES = 200  # a bounded run per schedule tick; the next tick takes the rest


def run_name() -> str:
    return f"send-notifications-{flow_run.parameters.get('seller') or 'all'}"


@flow(
    name="send-notifications",
    flow_run_name=run_name,
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def send_notifications(seller: str | None = None) -> dict[str, int]:
    """Drain the email outbox in batches (one mail connection per batch): render each buyer
    email in the buyer's language with the seller's branding, attach the invoice on the
    seller's chosen event, send; retry temporary failures later, fail bad recipients with
    the server's answer; end with a table of what was not sent and why."""
    runtime.settle_heap()
    seller_id = None
    if seller:
        with transaction(runtime.engine()) as session:
            seller_id = seller_store.get_seller(session, seller).id
    total, log = DrainReport(), EmailLog()
    with tags("notify", "email", f"seller:{seller or 'all'}"):
        for _ in range(MAX_BATCHES):
            report = send_email_batch(seller_id, log)
            total.add(report)
            if report.claimed == 0:
                break
    for row_id, key, error in total.errors[:20]:
        get_run_logger().warning("email outbox row %s (%s): %s", row_id, key, error)
    summary = {
        "sent": log.sent,
        "skipped": log.skipped,
        "failed": log.failed,
        "retried": log.retried,
        "dead": total.dead,
        "batches": total.batches,
    }
    rows = [{"result": "summary", "order": "", "event": "", "detail": str(summary)}]
    runtime.publish_table(
        f"send-notifications-{seller or 'all'}",
        rows + log.rows[:500],
        f"Buyer emails: {log.sent} sent, {log.skipped} skipped, {log.failed} failed, "
        f"{log.retried} to retry",
    )
    return summary
