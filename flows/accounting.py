"""Flow: book the accounting events as balanced journal entries and export them to the ERP."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, tags
from prefect.runtime import flow_run

from adapters.erp.registry import open_exporter
from flows.hooks import notify_failure
from oms.draining import DrainReport
from oms.store.accounting import AccountTotal
from tasks import runtime
from tasks.accounting import book_events_task, export_batch_task, sellers_task, summary_task

MAX_BATCHES = 200  # a bounded run per schedule tick; the next tick takes the rest


def run_name() -> str:
    params = flow_run.parameters
    return f"export-accounting-{params.get('target') or 'csv'}-{params.get('seller') or 'all'}"


@flow(
    name="export-accounting",
    flow_run_name=run_name,
    retries=1,
    retry_delay_seconds=60,
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def export_accounting(seller: str | None = None, target: str = "csv") -> dict[str, int]:
    """Book every accounting event (invoice issued, paid, cancelled) of the outbox as a
    balanced double-entry booking, once; then export each seller's bookings that the
    target (csv journal files, or Bexio) has not got yet, batch by batch. Transient
    failures wait for the next run, the rest are parked with the reason; the run ends
    with a table of what was exported, what failed and the totals per account."""
    runtime.settle_heap()
    logger = get_run_logger()
    sellers = sellers_task(seller)
    booked = DrainReport()
    rows: list[dict[str, Any]] = []
    counts = {"booked": 0, "exported": 0, "retried": 0, "dead": 0}
    with tags("accounting", f"target:{target}", f"seller:{seller or 'all'}"):
        only = sellers[0].id if seller else None
        for _ in range(MAX_BATCHES):
            report = book_events_task(only)
            booked.add(report)
            if report.claimed == 0:
                break
        for row_id, key, error in booked.errors[:20]:
            logger.warning("accounting outbox row %s (%s): %s", row_id, key, error)
        with open_exporter(target, runtime.settings()) as exporter:
            for s in sellers:
                for _ in range(MAX_BATCHES):
                    batch, done = export_batch_task(s, exporter)
                    if batch is None:
                        break
                    for key in ("retried", "dead"):
                        counts[key] += done.get(key, 0)
                    counts["exported"] += done.get("done", 0)
                rows += summary_rows(s.slug, target, *summary_task(s, target))
    counts["booked"] = booked.done
    runtime.publish_table(
        f"export-accounting-{target}-{seller or 'all'}",
        rows or [{"seller": "-", "what": "no sellers"}],
        f"Accounting to {target}: {booked.done} events booked, {counts['exported']} bookings "
        f"exported, {counts['retried']} to retry, {counts['dead']} parked",
    )
    return counts


def summary_rows(
    slug: str,
    target: str,
    totals: list[AccountTotal],
    failures: list[tuple[str, str, str]],
    states: dict[str, int],
) -> list[dict[str, Any]]:
    """The artifact rows of one seller: export states, failures with reasons, account totals."""
    rows: list[dict[str, Any]] = [
        {"seller": slug, "what": f"exports to {target}", "detail": str(states)}
    ]
    rows += [
        {"seller": slug, "what": f"{state}: {voucher}", "detail": why}
        for voucher, state, why in failures[:200]
    ]
    rows += [
        {
            "seller": slug,
            "what": f"account {t.account} {t.currency}",
            "detail": f"debit {t.debit:.2f} credit {t.credit:.2f} balance {t.balance:.2f}",
        }
        for t in totals
    ]
    return rows
