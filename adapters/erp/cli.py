"""`sales-scaler accounting ...`: export bookings to the ERP, show the trial balance."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

import typer
from rich.table import Table

from adapters.erp.base import ExportError
from adapters.erp.export import ExportReport, export_pending
from adapters.erp.registry import TARGETS, open_exporter
from oms.cli.common import SellerOption, console, engine, err, fail, handle_errors, resolve_seller
from oms.draining import drain
from oms.effects import Topic
from oms.seller import Seller
from oms.settings import get_settings
from oms.store import accounting_exports as exports
from oms.store import sellers as seller_store
from oms.store.accounting import record_events, trial_balance
from oms.store.db import transaction

app = typer.Typer(
    help="Accounting: bookings, their export to the ERP, the trial balance.", no_args_is_help=True
)


def _sellers(slug: str | None) -> list[Seller]:
    with transaction(engine()) as session:
        if slug:
            return [seller_store.get_seller(session, slug)]
        return seller_store.list_sellers(session)


@app.command("export")
@handle_errors
def export(
    to: Annotated[str, typer.Option("--to", help="csv (journal files) or bexio (API)")] = "csv",
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="only bookings dated on or after YYYY-MM-DD"),
    ] = None,
    seller: SellerOption = None,
) -> None:
    """Book the pending accounting events, then export every booking the target has not got.

    Each booking reaches a target once; failures are retried by the next run or parked
    with the reason (shown below). CSV files go to SALES_SCALER_ACCOUNTING_DIR.
    """
    if to not in TARGETS:
        raise fail(f"--to {to}: choose one of {', '.join(TARGETS)}")
    chosen = _sellers(seller)
    eng, settings = engine(), get_settings()
    only = chosen[0].id if seller else None
    booked = drain(
        eng, Topic.ACCOUNTING, partial(record_events, eng), in_order=True, seller_id=only
    )
    reports: list[ExportReport] = []
    try:
        with open_exporter(to, settings) as exporter:
            for s in chosen:
                day = since.date() if since else None
                reports.append(
                    export_pending(
                        eng,
                        s,
                        exporter,
                        settings.accounting_batch_size,
                        settings.outbox_max_attempts,
                        since=day,
                        lease_seconds=settings.outbox_lease_seconds,
                    )
                )
    except ExportError as exc:
        raise fail(str(exc)) from None
    table = Table("seller", "target", "exported", "to retry", "parked", "batches")
    for r in reports:
        table.add_row(
            r.seller, r.target, str(r.exported), str(r.retried), str(r.dead), str(len(r.batches))
        )
    console.print(f"{booked.done} accounting events booked ({booked.dead} parked)")
    console.print(table)
    with transaction(eng) as session:
        for s in chosen:
            for voucher, state, why in exports.failures(session, s.id, to):
                err.print(f"{s.slug} {voucher}: {state}: {why}", markup=False)
    if to == "csv":
        console.print(f"journal files in {settings.accounting_dir}")
    if booked.dead or any(r.dead for r in reports):
        raise typer.Exit(1)


@app.command("trial-balance")
@handle_errors
def show_trial_balance(seller: SellerOption = None) -> None:
    """Debits, credits and balance per account and currency; each currency nets to zero."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        totals = trial_balance(session, s.id)
    table = Table(
        "account", "currency", "debit", "credit", "balance", title=f"Trial balance {s.slug}"
    )
    for t in totals:
        table.add_row(
            t.account, t.currency, f"{t.debit:.2f}", f"{t.credit:.2f}", f"{t.balance:.2f}"
        )
    console.print(table)
    for currency in sorted({t.currency for t in totals}):
        net = sum(t.balance for t in totals if t.currency == currency)
        if net:
            raise fail(f"{currency} does not net to zero: {net:.2f}", code=1)
        console.print(f"{currency}: nets to zero")
    if not totals:
        console.print("no bookings yet")


@app.command("retry")
@handle_errors
def retry(
    to: Annotated[str, typer.Option("--to", help="csv or bexio")] = "csv",
    seller: SellerOption = None,
) -> None:
    """Put parked exports back in the queue (after fixing the cause); the next export sends them."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        count = exports.revive(session, s.id, to)
    console.print(f"{count} parked exports to {to} queued again")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="accounting")
