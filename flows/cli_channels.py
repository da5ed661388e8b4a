"""`sales-scaler channels sync` and `sales-scaler quarantine list|show|retry`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from adapters.channels.base import MappingError
from oms.cli.channels import app as channels_app
from oms.cli.common import SellerOption, console, engine, fail, handle_errors, resolve_seller
from oms.seller import Seller
from oms.store import quarantine as store
from oms.store import sellers as seller_store
from oms.store.db import transaction

quarantine_app = typer.Typer(
    help="Channel payloads that could not be mapped.", no_args_is_help=True
)


@handle_errors
def sync(
    connection: Annotated[
        str | None, typer.Argument(help="The channel to sync; all of the seller's when left out")
    ] = None,
    seller: SellerOption = None,
) -> None:
    """Run the ingest flow now and print what it did."""
    from flows.ingest import ingest_all, ingest_orders

    s = resolve_seller(seller)
    try:
        if connection:
            counts = ingest_orders(seller=s.slug, channel=connection)
        else:
            counts = ingest_all(seller=s.slug)
    except Exception as exc:  # the flow run failed: its artifact and logs say more
        raise fail(f"sync failed: {type(exc).__name__}: {exc}") from None
    table = Table(*counts)
    table.add_row(*(str(v) for v in counts.values()))
    console.print(table)


@quarantine_app.command("list")
@handle_errors
def list_(seller: SellerOption = None) -> None:
    """The open quarantined payloads, oldest first."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        items = store.list_open(session, s.id)
        channels = _channel_names(session, s)
    table = Table("id", "channel", "channel order", "received (UTC)", "reason")
    for q in items:
        table.add_row(
            str(q.id),
            channels.get(q.connection_id or -1, "-"),
            q.channel_order_id or "-",
            f"{q.received_at:%Y-%m-%d %H:%M}",
            q.reason[:120],
        )
    console.print(table)
    console.print(f"{len(items)} open")


@quarantine_app.command("show")
@handle_errors
def show(
    item_id: Annotated[int, typer.Argument(help="The quarantine id")], seller: SellerOption = None
) -> None:
    """The reason and the raw payload of one quarantined payload."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        q = store.get(session, s.id, item_id)
        channels = _channel_names(session, s)
    console.print(
        f"#{q.id} {q.state} · channel {channels.get(q.connection_id or -1, '-')} · "
        f"order {q.channel_order_id or '-'} · received {q.received_at:%Y-%m-%d %H:%M} UTC"
    )
    console.print(f"reason: {q.reason}", markup=False)
    console.print(json.dumps(q.payload, indent=2, ensure_ascii=False), markup=False)


@quarantine_app.command("retry")
@handle_errors
def retry(
    item_id: Annotated[int, typer.Argument(help="The quarantine id")], seller: SellerOption = None
) -> None:
    """Map the stored payload again with its channel's adapter; store the order and resolve it."""
    from tasks.channels_quarantine import retry_quarantined

    s = resolve_seller(seller)
    try:
        result = retry_quarantined(engine(), s, item_id)
    except MappingError as exc:
        raise fail(f"#{item_id} still cannot be mapped: {exc}") from None
    what = "new" if result.new else "updated" if result.updated else "unchanged"
    number = (result.new or result.updated or result.unchanged or ["?"])[0]
    console.print(f"#{item_id} resolved: order {number} ({what})")


def _channel_names(session: Session, seller: Seller) -> dict[int, str]:
    return {c.id: c.name for c in seller_store.list_connections(session, seller)}


def register(app: typer.Typer) -> None:
    """Add `channels sync` to the channels group and the `quarantine` group."""
    channels_app.command("sync")(sync)
    app.add_typer(quarantine_app, name="quarantine")
