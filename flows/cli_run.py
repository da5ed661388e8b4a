"""`sales-scaler run FLOW [--seller S]`: run one flow once, here, without a server.

Without PREFECT_API_URL, Prefect starts a temporary local API for the run (a
few seconds); with it, the run shows up in that server's UI like any other.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from oms.cli.common import SellerOption, console, fail, handle_errors, print_json


@contextlib.contextmanager
def patient_prefect() -> Iterator[None]:
    """Give Prefect's temporary API 120 s to start (default 20 s) unless the user chose."""
    from prefect.settings import (
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as TIMEOUT,
    )
    from prefect.settings import temporary_settings

    if "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in os.environ:
        yield
        return
    with temporary_settings({TIMEOUT: max(TIMEOUT.value(), 120)}):
        yield


def _names() -> dict[str, Any]:
    from deployments.catalog import catalog

    return {spec.name: spec for spec in catalog()} | {spec.function: spec for spec in catalog()}


def run(
    flow_name: Annotated[
        str,
        typer.Argument(
            metavar="FLOW",
            help="auto-confirm, auto-ship, auto-deliver, ingest-orders, ingest-all, "
            "push-to-channels, render-documents, send-notifications, export-accounting "
            "(or the function name, e.g. auto_confirm)",
        ),
    ],
    seller: SellerOption = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="the connection, for ingest-orders")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="csv or erp, for export-accounting")
    ] = None,
) -> None:
    """Run one flow once (every seller, or --seller) and print what it returned."""
    from deployments.catalog import load_flow

    names = _names()
    spec = names.get(flow_name)
    if spec is None:
        raise fail(f"unknown flow {flow_name!r}; one of: {', '.join(sorted(names))}")
    flow = load_flow(spec)
    if flow is None:
        raise fail(f"{spec.entrypoint} is not available in this installation")
    accepted = inspect.signature(getattr(flow, "fn", flow)).parameters
    given = {"seller": seller, "channel": channel, "target": target}
    params = {k: v for k, v in given.items() if v is not None}
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise fail(f"{spec.name} takes no --{unknown[0]}")
    missing = [
        k for k, p in accepted.items() if p.default is inspect.Parameter.empty and k not in params
    ]
    if missing:
        raise fail(f"{spec.name} needs --{missing[0]}")
    console.print(f"running {spec.name} {params or ''}".rstrip())
    from prefect import tags

    with tags("cli"), patient_prefect():
        result = flow(**params)
    print_json(result)


def register(app: typer.Typer) -> None:
    app.command("run")(handle_errors(run))
