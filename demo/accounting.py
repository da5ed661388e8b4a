"""Demo step of the accounting export: book the demo's events, export them as CSV journals
(and once more to a fake Bexio that fails a fifth of its requests), show the trial balance."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from rich.table import Table

from adapters.erp.bexio import BexioExporter, bexio_client
from adapters.erp.csv_journal import CsvJournalExporter
from adapters.erp.export import export_pending
from adapters.erp.fake_bexio import FakeBexio, FakeBexioServer
from demo.context import DemoContext
from oms.draining import drain
from oms.effects import Topic
from oms.store.accounting import booking_counts, record_events, trial_balance
from oms.store.db import transaction


def export_journal(ctx: DemoContext) -> None:
    """Every accounting event becomes a balanced booking; CSV under var/demo/accounting/."""
    ctx.step("accounting: bookings, CSV journal, Bexio, trial balance")
    booked = drain(ctx.engine, Topic.ACCOUNTING, partial(record_events, ctx.engine), in_order=True)
    folder = ctx.out / "accounting"
    fake = FakeBexio(fault_rate=0.2, seed=3)
    server = ctx.stack.enter_context(FakeBexioServer(fake))
    client = ctx.stack.enter_context(bexio_client(server.url, "test-token", 5))
    bexio = BexioExporter(client, exchange_rates={"EUR": Decimal("0.94")}, sleep=lambda s: None)
    summary: dict[str, object] = {"events_booked": booked.done, "events_parked": booked.dead}
    for slug, seller in ctx.sellers.items():
        csv_report = export_pending(ctx.engine, seller, CsvJournalExporter(folder))
        bexio_report = export_pending(ctx.engine, seller, bexio)
        with transaction(ctx.engine) as session:
            kinds = booking_counts(session, seller.id)
            totals = trial_balance(session, seller.id)
        summary[slug] = {
            "by_kind": kinds,
            "csv_exported": csv_report.exported,
            "bexio_exported": bexio_report.exported,
            "bexio_to_retry": bexio_report.retried,
        }
        table = Table("account", "currency", "debit", "credit", "balance", title=f"{slug}")
        for t in totals:
            table.add_row(
                t.account, t.currency, f"{t.debit:.2f}", f"{t.credit:.2f}", f"{t.balance:.2f}"
            )
        if totals:
            ctx.console.print(table)
        ctx.console.print(
            f"{slug}: {sum(kinds.values())} bookings {kinds}; CSV {csv_report.exported}, "
            f"Bexio {bexio_report.exported} (+{bexio_report.retried} to retry)"
        )
    refs = fake.references()
    summary["bexio_entries"] = len(refs)
    summary["bexio_booked_twice"] = sorted(r for r, n in refs.items() if n > 1)
    summary["bexio_faults_injected"] = dict(fake.faults)
    summary["journal_files"] = sorted(p.name for p in folder.glob("*.csv"))
    ctx.summary["bookings"] = summary
    ctx.console.print(f"journal files in {folder}: {len(summary['journal_files'])}")  # type: ignore[arg-type]
