"""What every CLI command shares: the engine, the seller, and one-line errors with exit code 2."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from oms.errors import OmsError
from oms.seller import Seller
from oms.settings import get_settings
from oms.store import sellers as seller_store
from oms.store.db import engine_for, transaction

# Piped output (scripts, tests) gets wide tables instead of 80 wrapped columns.
_WIDTH = None if sys.stdout.isatty() else 160
console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")

SellerOption = Annotated[
    str | None,
    typer.Option(
        "--seller",
        envvar="SALES_SCALER_SELLER",
        help="Seller slug (the tenant). Default: SALES_SCALER_SELLER, or the only seller.",
    ),
]


def validation_message(exc: ValidationError, prefix: str = "") -> str:
    """`field.path: reason` for the first error, as one line."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "value"
    reason = first["msg"].removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    extra = f" (and {more} more)" if more else ""
    return f"{prefix}{where}: {reason}{extra}"


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"error: {message}", markup=False)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into one line on stderr and exit code 2; nothing was changed."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except OmsError as exc:
            raise fail(exc.message) from None
        except ValidationError as exc:
            raise fail(validation_message(exc)) from None
        except OperationalError as exc:
            raise fail(f"database: {str(exc.orig).strip().splitlines()[0]}") from None

    return wrapper


def engine() -> Engine:
    return engine_for(get_settings().database_url)


def resolve_seller(slug: str | None) -> Seller:
    """The seller named by --seller / SALES_SCALER_SELLER, or the only one there is."""
    with transaction(engine()) as session:
        if slug:
            return seller_store.get_seller(session, slug)
        everyone = seller_store.list_sellers(session)
    if len(everyone) == 1:
        return everyone[0]
    if not everyone:
        raise fail("no seller yet: add one with `sales-scaler sellers add`")
    raise fail("several sellers: choose one with --seller or SALES_SCALER_SELLER")


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")
