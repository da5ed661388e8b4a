"""`sales-scaler docs ...`: print many stored documents as one PDF, or write one document.

Registered through PLUGINS in oms/cli/main.py; also adds the `branding.logo=@file.png`
hook to `sales-scaler sellers set`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from documents import api, store
from documents.logo import logo_setting
from documents.merge import merge_stored
from documents.service import render_orders
from oms.cli.common import SellerOption, console, engine, err, fail, handle_errors, resolve_seller
from oms.cli.sellers import VALUE_HOOKS
from oms.seller import Seller
from oms.status import OrderStatus
from oms.store.db import transaction

app = typer.Typer(help="Delivery notes and invoices: print, show.", no_args_is_help=True)
CHUNK = 25  # orders rendered between two progress updates


class KindChoice(StrEnum):
    INVOICE = "invoice"
    DELIVERY_NOTE = "delivery-note"
    BOTH = "both"


def kinds_of(choice: KindChoice) -> list[str]:
    if choice is KindChoice.BOTH:
        return ["delivery_note", "invoice"]
    return [choice.value.replace("-", "_")]


def select_orders(
    seller: Seller, numbers: list[str], status: OrderStatus | None, since: date | None
) -> tuple[list[int], list[str]]:
    """The order ids to print (in the order asked) and the numbers not found."""
    with transaction(engine()) as session:
        if numbers:
            found = store.order_ids_by_number(session, seller.id, numbers)
            missing = [f"order {n}: not found" for n in numbers if n not in found]
            return [found[n] for n in dict.fromkeys(numbers) if n in found], missing
        assert status is not None
        start = None
        if since is not None:
            start = datetime.combine(since, time(0), ZoneInfo(seller.profile.timezone))
        return store.order_ids_by_status(session, seller.id, status.value, start), []


@app.command("print")
@handle_errors
def print_(
    numbers: Annotated[list[str] | None, typer.Argument(help="Order numbers")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The merged PDF")] = Path(
        "documents.pdf"
    ),
    kind: Annotated[KindChoice, typer.Option(help="Which documents")] = KindChoice.BOTH,
    orders: Annotated[
        list[str] | None, typer.Option("--orders", help="Order numbers (or positional)")
    ] = None,
    status: Annotated[OrderStatus | None, typer.Option(help="All orders in this status")] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="With --status: ordered since")
    ] = None,
    seller: SellerOption = None,
) -> None:
    """Print the stored documents of many orders as one PDF, rendering missing ones first.

    `docs print --kind invoice --orders 1001 1002 -o invoices.pdf` or
    `docs print --kind both --status confirmed --since 2026-11-01 -o today.pdf`.
    """
    wanted = [n.strip() for raw in [*(orders or []), *(numbers or [])] for n in raw.split(",")]
    wanted = [n for n in wanted if n]
    if bool(wanted) == (status is not None):
        raise fail("give either order numbers (--orders N ...) or --status S")
    if since is not None and status is None:
        raise fail("--since goes with --status")
    s = resolve_seller(seller)
    kinds = kinds_of(kind)
    ids, skipped = select_orders(s, wanted, status, since.date() if since else None)
    e = engine()
    columns = (TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        bar = progress.add_task("render", total=len(ids))
        for start in range(0, len(ids), CHUNK):
            render_orders(e, s, ids[start : start + CHUNK], kinds)
            progress.advance(bar, len(ids[start : start + CHUNK]))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as out:
        merged = merge_stored(e, s, ids, kinds, out, render=True)
    skipped += merged.skipped
    for line in skipped:
        console.print(f"skipped {line}", markup=False)
    if not merged.documents:
        output.unlink()
        raise fail("nothing to print")
    console.print(
        f"{output}: {merged.documents} documents of {len(merged.orders)} orders, "
        f"{merged.pages} pages ({', '.join(kinds)})"
    )


@app.command("show")
@handle_errors
def show(
    number: Annotated[str, typer.Argument(help="Document number, e.g. R-2026-00001")],
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    seller: SellerOption = None,
) -> None:
    """Write one stored document (invoice or delivery note) to a file."""
    s = resolve_seller(seller)
    e = engine()
    with transaction(e) as session:
        doc = store.document_by_number(session, s.id, number)
    if doc is None:
        raise fail(f"document {number} not found")
    stored = api.stored_pdf(e, s, doc.order_id, doc.kind)
    if stored is None:  # the row is there, the file is not (yet): render it again, same number
        render_orders(e, s, [doc.order_id], [doc.kind])
        stored = api.stored_pdf(e, s, doc.order_id, doc.kind)
    if stored is None:
        raise fail(f"document {number} could not be rendered")
    target = output or Path(f"{number}.pdf".replace("/", "_"))
    target.write_bytes(stored[1])
    console.print(f"{doc.kind.replace('_', ' ')} {number} → {target}")


def register(root: typer.Typer) -> None:
    """Add `docs` to the CLI and the logo hook to `sellers set`."""
    VALUE_HOOKS["branding.logo"] = logo_setting
    root.add_typer(app, name="docs")
