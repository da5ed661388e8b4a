"""`sales-scaler channels ...`: a seller's sales-channel connections."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from oms.cli.common import SellerOption, console, engine, handle_errors, resolve_seller
from oms.connection import PLATFORM_KINDS, ChannelConnection
from oms.errors import InvalidInput
from oms.store import sellers as store
from oms.store.db import transaction

app = typer.Typer(help="Sales-channel connections.", no_args_is_help=True)


@app.command("add")
@handle_errors
def add(
    name: Annotated[str, typer.Argument(help="Short name, e.g. shop or galaxus")],
    platform: Annotated[str, typer.Option(help=", ".join(PLATFORM_KINDS))],
    url: Annotated[str, typer.Option(help="The shop's / marketplace's API base URL")],
    credentials: Annotated[
        str, typer.Option(help="env:VARIABLE or block:secret-block-name (never the secret)")
    ],
    kind: Annotated[str | None, typer.Option(help="webshop or marketplace")] = None,
    option: Annotated[
        list[str] | None, typer.Option(help='key=value, e.g. invoice_payment_methods=["bacs"]')
    ] = None,
    seller: SellerOption = None,
) -> None:
    """Connect a sales channel."""
    s = resolve_seller(seller)
    options: dict[str, object] = {}
    for text in option or []:
        key, sep, raw = text.partition("=")
        if not sep:
            raise InvalidInput(f"option {text!r}: write it as key=value")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    conn = ChannelConnection.model_validate(
        {
            "name": name,
            "platform": platform,
            "kind": kind or PLATFORM_KINDS.get(platform, "webshop"),
            "base_url": url,
            "credentials_ref": credentials,
            "options": options,
        }
    )
    with transaction(engine()) as session:
        store.add_connection(session, s, conn)
    console.print(f"channel {name} ({platform}) added for seller {s.slug}")


@app.command("list")
@handle_errors
def list_(seller: SellerOption = None) -> None:
    """List a seller's channel connections."""
    s = resolve_seller(seller)
    table = Table("name", "platform", "kind", "URL", "credentials", "cursor")
    with transaction(engine()) as session:
        for c in store.list_connections(session, s):
            table.add_row(
                c.name,
                c.platform,
                c.kind.value,
                c.base_url,
                c.credentials_ref,
                c.sync_cursor or "-",
            )
    console.print(table)
