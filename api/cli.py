"""`sales-scaler api` (serve the API and the console) and `sales-scaler sellers api-key ...`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from oms.cli.common import SellerOption, console, engine, err, handle_errors, resolve_seller
from oms.cli.sellers import app as sellers_app
from oms.store import api_keys
from oms.store.db import transaction

keys_app = typer.Typer(
    help="A seller's API keys (for a CMS and the web console).", no_args_is_help=True
)


@keys_app.command("create")
@handle_errors
def create(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. cms")] = "default",
    seller: SellerOption = None,
) -> None:
    """Create an API key; it is shown once and stored only as a hash."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        info, key = api_keys.create_key(session, s, name)
    err.print(
        f"API key {info.prefix} ({info.name}) for seller {s.slug}; "
        "it is shown only now, keep it safe:",
        markup=False,
    )
    console.print(key, markup=False)


@keys_app.command("revoke")
@handle_errors
def revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix, e.g. ssk_1a2b3c4d")],
    seller: SellerOption = None,
) -> None:
    """Revoke an API key: it stops working at once."""
    s = resolve_seller(seller)
    with transaction(engine()) as session:
        info = api_keys.revoke_key(session, s, prefix)
    console.print(f"API key {info.prefix} of seller {s.slug} revoked")


@keys_app.command("list")
@handle_errors
def list_(seller: SellerOption = None) -> None:
    """List a seller's API keys (prefixes only)."""
    s = resolve_seller(seller)
    table = Table("prefix", "name", "created", "revoked")
    with transaction(engine()) as session:
        for k in api_keys.list_keys(session, s):
            revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "-"
            table.add_row(k.prefix, k.name, f"{k.created_at:%Y-%m-%d %H:%M}", revoked)
    console.print(table)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Serve the seller API (/docs) and the web console (/console) with uvicorn."""
    import uvicorn

    from api.app import create_app

    err.print(f"seller API on http://{host}:{port}/docs, console on http://{host}:{port}/console")
    uvicorn.run(create_app(engine()), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add `api` to the CLI and `api-key` to `sellers`."""
    sellers_app.add_typer(keys_app, name="api-key")
    app.command("api")(serve)
