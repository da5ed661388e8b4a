"""`sales-scaler channels map`: what Sales Scaler makes of a raw channel payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from adapters.channels.base import MappingError
from adapters.channels.registry import PLATFORMS, mapper_for, split_payload
from oms.cli.channels import app as channels_app


def map_file(
    file: Annotated[Path, typer.Argument(help="A raw order payload (JSON) from the channel's API")],
    platform: Annotated[str, typer.Option(help=" | ".join(PLATFORMS))],
) -> None:
    """Print the normalized order JSON for a raw payload: one order, a wrapper or a list page."""
    if platform not in PLATFORMS:
        typer.echo(f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})", err=True)
        raise typer.Exit(2)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    except json.JSONDecodeError as exc:
        typer.echo(f"{file} is not JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    mapper = mapper_for(platform)
    try:
        orders = [mapper(raw) for raw in split_payload(platform, data)]
    except MappingError as exc:
        typer.echo(f"cannot map {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    out = [o.model_dump(mode="json") for o in orders]
    typer.echo(
        json.dumps(
            out[0] if len(out) == 1 and not _is_many(platform, data) else out,
            indent=2,
            ensure_ascii=False,
        )
    )


def _is_many(platform: str, data: object) -> bool:
    return isinstance(data, list) or (
        isinstance(data, dict) and isinstance(data.get("orders"), list)
    )


def register(app: typer.Typer) -> None:
    """Add `channels map` to the existing `channels` group."""
    channels_app.command("map")(map_file)
