"""`sales-scaler orders ...`: import, list, show, and the seller actions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from oms import actions
from oms.actions import BulkResult
from oms.cli.common import SellerOption, console, engine, err, fail, handle_errors, resolve_seller
from oms.errors import InvalidInput
from oms.importing import read_orders_file
from oms.model import NormalizedOrder, Tracking
from oms.seller import Seller
from oms.status import Actor, OrderStatus
from oms.store import orders as store
from oms.store import sellers as seller_store
from oms.store.db import transaction

app = typer.Typer(help="Orders: import, list, show, and act on them.", no_args_is_help=True)
Numbers = Annotated[list[str], typer.Argument(help="Order numbers")]


def _connection_for(s: Seller, platform: str, channel: str | None) -> str:
    with transaction(engine()) as session:
        conns = seller_store.list_connections(session, s)
    if channel:
        if channel not in {c.name for c in conns}:
            raise fail(f"channel {channel} not found")
        return channel
    matching = [c.name for c in conns if c.platform == platform]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise fail(
            f"no {platform} channel for seller {s.slug}: add one (`channels add`) or pass --channel"
        )
    raise fail(f"several {platform} channels ({', '.join(matching)}): choose one with --channel")


@app.command("import")
@handle_errors
def import_(
    file: Annotated[Path, typer.Argument(help="Normalized order JSON: one order or a list")],
    channel: Annotated[str | None, typer.Option(help="Channel connection name")] = None,
    seller: SellerOption = None,
) -> None:
    """Import orders from a normalized-order JSON file (see docs/normalized-order.md).

    Valid orders are imported (again: updated, never duplicated); each invalid one is
    reported with its field and reason, and makes the exit code 2.
    """
    s = resolve_seller(seller)
    parsed = read_orders_file(file)
    for problem in parsed.problems:
        err.print(f"error: {problem}", markup=False)
    by_conn: dict[str, list[NormalizedOrder]] = {}
    for order in parsed.orders:
        by_conn.setdefault(_connection_for(s, order.platform, channel), []).append(order)
    with transaction(engine()) as session:
        for name, batch in by_conn.items():
            conn = seller_store.get_connection(session, s, name)
            result = store.upsert_orders(session, s, conn, batch, actor=Actor.SYSTEM)
            console.print(
                f"{name}: {len(result.new)} new, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged"
            )
    if parsed.problems:
        raise typer.Exit(2)


@app.command("list")
@handle_errors
def list_(
    status: Annotated[OrderStatus | None, typer.Option(help="Only orders in this status")] = None,
    channel: Annotated[str | None, typer.Option(help="Only orders of this channel")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
    seller: SellerOption = None,
) -> None:
    """List orders as a table."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        rows = store.list_orders(session, s, status=status, channel=channel, limit=limit)
    table = Table("order", "channel", "date", "status", "buyer", "total", "payment", "tracking")
    for r in rows:
        payment = f"{r.payment_method}{' paid' if r.paid else ''}"
        table.add_row(
            r.order_number,
            r.channel,
            f"{r.ordered_at:%Y-%m-%d}",
            r.status,
            r.buyer_name,
            f"{r.currency} {r.total:.2f}",
            payment,
            r.tracking_id or "",
        )
    console.print(table)
    console.print(f"{len(rows)} orders")


@app.command("show")
@handle_errors
def show(number: Annotated[str, typer.Argument()], seller: SellerOption = None) -> None:
    """Show one order with its lines and its timeline."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        order = store.get_order(session, s, number)
        events = store.timeline(session, s, number)
    console.print(
        f"[bold]order {order.order_number}[/] · {order.connection_name} ({order.platform}) · "
        f"{order.status.value} · {order.currency} {order.total:.2f} · "
        f"{order.payment.method.value}{' (paid)' if order.payment.paid else ' (unpaid)'}"
    )
    console.print(f"buyer: {order.buyer.name} <{order.buyer.email or '-'}>", markup=False)
    a = order.delivery_address
    console.print(
        f"deliver to: {a.name}, {a.street}, {a.postal_code} {a.city}, {a.country}", markup=False
    )
    if order.tracking:
        console.print(
            f"tracking: {order.tracking.tracking_id} {order.tracking.url or ''}", markup=False
        )
    lines = Table("sku", "item", "qty", "unit price", "VAT %", "total")
    for li in order.lines:
        lines.add_row(
            li.sku,
            li.name,
            str(li.quantity),
            f"{li.unit_price:.2f}",
            str(li.vat_rate),
            f"{li.total:.2f}",
        )
    console.print(lines)
    timeline = Table("when", "what", "who", "from → to", "details", title="timeline")
    for e in events:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items())
        timeline.add_row(
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            e.kind,
            e.actor,
            f"{e.from_status or '·'} → {e.to_status}",
            details,
        )
    console.print(timeline)


def _report(verb: str, result: BulkResult, single: bool) -> None:
    if single and result.refused:
        result.raise_for_single()
    for refusal in result.refused:
        err.print(f"refused: {refusal}", markup=False)
    console.print(f"{verb} {len(result.applied)} order{'s' if len(result.applied) != 1 else ''}")
    if result.refused:
        raise typer.Exit(2)


@app.command("confirm")
@handle_errors
def confirm(numbers: Numbers, seller: SellerOption = None) -> None:
    """Confirm open orders."""
    s = resolve_seller(seller)
    _report("confirmed", actions.confirm(engine(), s, numbers), len(numbers) == 1)


@app.command("cancel")
@handle_errors
def cancel(
    numbers: Numbers,
    reason: Annotated[str, typer.Option(help="Why (the buyer and the channel see it)")],
    seller: SellerOption = None,
) -> None:
    """Cancel open or confirmed orders."""
    s = resolve_seller(seller)
    _report("cancelled", actions.cancel(engine(), s, numbers, reason), len(numbers) == 1)


def _tracking_items(
    specs: list[str], tracking_id: str | None, url: str | None, carrier: str | None
) -> list[tuple[str, Tracking | None]]:
    items: list[tuple[str, Tracking | None]] = []
    for spec in specs:
        number, sep, own_id = spec.partition("=")
        tid = own_id if sep else tracking_id
        if not tid:
            items.append((number, None))
            continue
        link = url.replace("{tracking_id}", tid) if url else None
        items.append((number, Tracking(tracking_id=tid, url=link, carrier=carrier)))
    return items


TrackingSpecs = Annotated[
    list[str], typer.Argument(help="NUMBER or NUMBER=TRACKING_ID, one or many")
]
TrackingId = Annotated[str | None, typer.Option(help="Tracking id for NUMBERs without one")]
TrackingUrl = Annotated[
    str | None, typer.Option(help="Tracking URL; {tracking_id} is replaced per order")
]
Carrier = Annotated[str | None, typer.Option(help="Carrier, e.g. Swiss Post")]


@app.command("track")
@handle_errors
def track(
    specs: TrackingSpecs,
    tracking_id: TrackingId = None,
    url: TrackingUrl = None,
    carrier: Carrier = None,
    seller: SellerOption = None,
) -> None:
    """Add or change tracking of confirmed orders (before they ship)."""
    s = resolve_seller(seller)
    items = _tracking_items(specs, tracking_id, url, carrier)
    missing = [n for n, t in items if t is None]
    if missing:
        raise InvalidInput(f"order {missing[0]}: no tracking id (use --tracking-id or NUMBER=ID)")
    result = actions.track(engine(), s, [(n, t) for n, t in items if t is not None])
    _report("tracking set on", result, len(specs) == 1)


@app.command("ship")
@handle_errors
def ship(
    specs: TrackingSpecs,
    tracking_id: TrackingId = None,
    url: TrackingUrl = None,
    carrier: Carrier = None,
    seller: SellerOption = None,
) -> None:
    """Ship confirmed orders, optionally with tracking."""
    s = resolve_seller(seller)
    items = _tracking_items(specs, tracking_id, url, carrier)
    _report("shipped", actions.ship(engine(), s, items), len(specs) == 1)


@app.command("deliver")
@handle_errors
def deliver(numbers: Numbers, seller: SellerOption = None) -> None:
    """Mark shipped orders delivered."""
    s = resolve_seller(seller)
    _report("delivered", actions.deliver(engine(), s, numbers), len(numbers) == 1)


@app.command("paid")
@handle_errors
def paid(numbers: Numbers, seller: SellerOption = None) -> None:
    """Record that the buyer paid (invoice orders)."""
    s = resolve_seller(seller)
    _report("marked paid", actions.mark_paid(engine(), s, numbers), len(numbers) == 1)
