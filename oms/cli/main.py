"""`sales-scaler`: the command line of Sales Scaler.

Command groups from other packages (channels sync, docs, run, ...) register
themselves through PLUGINS, so that `oms` imports none of them.
"""

from __future__ import annotations

import importlib

import typer

from oms.cli import channels, orders, outbox, sellers
from oms.cli.common import console, engine, handle_errors
from oms.settings import get_settings

app = typer.Typer(
    name="sales-scaler",
    help="Sales Scaler: every order from every sales channel in one place.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sellers.app, name="sellers")
app.add_typer(channels.app, name="channels")
app.add_typer(orders.app, name="orders")
app.add_typer(outbox.app, name="outbox")

# Modules with a `register(app: typer.Typer) -> None`, loaded at start.
PLUGINS: tuple[str, ...] = (
    "flows.cli_run",
    "api.cli",
    "adapters.erp.cli",
    "documents.cli",
    "adapters.channels.cli",
    "flows.cli_channels",
)


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from oms.store.migrate import upgrade

    url = get_settings().database_url
    engine()
    upgrade(url)
    console.print(f"database is up to date ({url.split('@')[-1]})")


for _module in PLUGINS:
    importlib.import_module(_module).register(app)
