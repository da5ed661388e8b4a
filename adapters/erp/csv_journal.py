"""CSV journal files: one row per posting line, what an accountant imports into any ledger.

UTF-8, comma-separated, decimal point, ISO dates; the columns are documented in
docs/accounting.md. One file per export batch, named after the batch: sending a
batch again (after a worker died) rewrites the same file, never a second one.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from oms.accounting import ExportOutcome
from oms.store.accounting_exports import ExportItem

COLUMNS = (
    "booking_id",
    "voucher",
    "date",
    "kind",
    "reference",
    "order_number",
    "description",
    "line",
    "account",
    "debit",
    "credit",
    "currency",
    "vat_code",
    "vat_rate",
    "text",
    "source",
    "reverses_booking_id",
)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def journal_rows(items: Sequence[ExportItem]) -> list[dict[str, str]]:
    rows = []
    for item in items:
        s, b = item.stored, item.stored.booking
        for n, li in enumerate(b.lines, start=1):
            rows.append(
                {
                    "booking_id": str(s.id),
                    "voucher": b.voucher,
                    "date": b.booked_on.isoformat(),
                    "kind": b.kind.value,
                    "reference": b.reference,
                    "order_number": b.order_number,
                    "description": b.description,
                    "line": str(n),
                    "account": li.account,
                    "debit": _amount(li.debit),
                    "credit": _amount(li.credit),
                    "currency": b.currency,
                    "vat_code": li.vat_code or "",
                    "vat_rate": format(li.vat_rate.normalize(), "f")
                    if li.vat_rate is not None
                    else "",
                    "text": li.text,
                    "source": s.source,
                    "reverses_booking_id": str(s.reverses_id or ""),
                }
            )
    return rows


def render_journal(items: Sequence[ExportItem]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(journal_rows(items))
    return buffer.getvalue()


class CsvJournalExporter:
    """Writes each batch as `<folder>/<batch>.csv` (atomically: a temporary file, then rename)."""

    target = "csv"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def export(self, batch: str, items: Sequence[ExportItem]) -> dict[int, ExportOutcome]:
        path = self.folder / f"{batch}.csv"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".csv.tmp")
            tmp.write_text(render_journal(items), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            why = f"writing {path}: {exc.strerror or exc}"
            return {i.stored.id: ExportOutcome.retry(why, uncertain=False) for i in items}
        return {i.stored.id: ExportOutcome.exported(path.name) for i in items}
