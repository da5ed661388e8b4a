"""The documents outbox handler: a claimed batch of "confirmed" rows -> stored documents.

Plain logic (no Prefect): tasks/documents.py wraps it. Rows of orders that are
not (or no longer) accepted are done — there is nothing to render; a document
that failed to render keeps its row pending for a retry, and its number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from documents.service import RenderReport, render_orders
from oms.draining import Handler, Outcome
from oms.errors import NotFound
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.outbox import OutboxItem


@dataclass
class DocumentsLog:
    """Per seller: documents rendered / present already, orders skipped, errors."""

    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, slug: str, report: RenderReport) -> None:
        row = self.rows.setdefault(
            slug, {"rendered": 0, "present": 0, "skipped": 0, "errors": 0, "notes": 0}
        )
        row["rendered"] += len(report.rendered)
        row["present"] += report.present
        row["skipped"] += len(report.skipped)
        row["errors"] += len(report.errors)
        row["notes"] += len(report.notes)
        self.problems += [f"{slug}: {line}" for line in report.lines()]


def documents_handler(
    engine: Engine, log: DocumentsLog | None = None, workers: int | None = None
) -> Handler:
    """A drain handler: render the documents of the batch's orders, seller by seller."""

    def handle(items: Sequence[OutboxItem]) -> dict[int, Outcome]:
        outcomes: dict[int, Outcome] = {}
        by_seller: dict[int, list[OutboxItem]] = {}
        for item in items:
            if item.order_id is None:
                outcomes[item.id] = Outcome.give_up("documents row without an order")
            else:
                by_seller.setdefault(item.seller_id, []).append(item)
        for seller_id, batch in by_seller.items():
            try:
                with transaction(engine) as session:
                    seller = seller_store.get_seller_by_id(session, seller_id)
            except NotFound as exc:
                outcomes.update({i.id: Outcome.give_up(exc.message) for i in batch})
                continue
            report = render_orders(
                engine, seller, [i.order_id for i in batch if i.order_id], workers=workers
            )
            if log is not None:
                log.add(seller.slug, report)
            for item in batch:
                error = report.errors.get(item.order_id or 0)
                outcomes[item.id] = Outcome.retry(error) if error else Outcome.done()
        return outcomes

    return handle
