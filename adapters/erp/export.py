"""Exporting a seller's bookings to one target, batch by batch (plain functions, no Prefect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from adapters.erp.base import LedgerExporter
from oms.accounting import ExportOutcome
from oms.seller import Seller
from oms.store import accounting_exports as exports
from oms.store.db import transaction


@dataclass
class ExportReport:
    target: str
    seller: str
    batches: list[str] = field(default_factory=list)
    exported: int = 0
    retried: int = 0
    dead: int = 0

    def add(self, counts: dict[str, int]) -> None:
        self.exported += counts.get(exports.DONE, 0)
        self.retried += counts.get("retried", 0)
        self.dead += counts.get(exports.DEAD, 0)


def export_batch(
    engine: Engine,
    seller: Seller,
    exporter: LedgerExporter,
    batch_size: int = 200,
    max_attempts: int = 8,
    since: date | None = None,
    lease_seconds: int = 300,
) -> tuple[str | None, dict[str, int]]:
    """Claim one batch, hand it to the exporter, record each outcome. (None, {}) when idle."""
    with transaction(engine) as session:
        items = exports.claim(
            session,
            seller.id,
            exporter.target,
            batch_size,
            f"journal-{seller.slug}"
            if exporter.target == "csv"
            else f"{exporter.target}-{seller.slug}",
            lease_seconds=lease_seconds,
            since=since,
        )
    if not items:
        return None, {}
    try:
        outcomes = exporter.export(items[0].batch, items)
    except Exception as exc:  # the exporter broke as a whole: retry all, look before posting
        why = f"{type(exc).__name__}: {exc}"
        outcomes = {i.stored.id: ExportOutcome.retry(why, uncertain=True) for i in items}
    with transaction(engine) as session:
        counts = exports.record(session, items, outcomes, max_attempts)
    return items[0].batch, counts


def export_pending(
    engine: Engine,
    seller: Seller,
    exporter: LedgerExporter,
    batch_size: int = 200,
    max_attempts: int = 8,
    since: date | None = None,
    max_batches: int = 100,
    lease_seconds: int = 300,
) -> ExportReport:
    """Export what is ready, batch by batch, until nothing is (or `max_batches`)."""
    report = ExportReport(exporter.target, seller.slug)
    for _ in range(max_batches):
        batch, counts = export_batch(
            engine, seller, exporter, batch_size, max_attempts, since, lease_seconds
        )
        if batch is None:
            break
        report.batches.append(batch)
        report.add(counts)
    return report
