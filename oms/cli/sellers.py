"""`sales-scaler sellers ...`: add, list, show and change sellers."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from oms.cli.common import (
    SellerOption,
    console,
    engine,
    fail,
    handle_errors,
    print_json,
    resolve_seller,
    validation_message,
)
from oms.errors import InvalidInput
from oms.seller import SETTINGS_GROUPS, SellerProfile
from oms.store import sellers as store
from oms.store.db import transaction

app = typer.Typer(help="Sellers (tenants) and their settings.", no_args_is_help=True)


@app.command("add")
@handle_errors
def add(
    slug: Annotated[str, typer.Argument(help="Short name, e.g. alpen-shop")],
    name: Annotated[str, typer.Option(help="Legal name, printed on invoices")],
    street: Annotated[str, typer.Option()],
    postal_code: Annotated[str, typer.Option()],
    city: Annotated[str, typer.Option()],
    house_number: Annotated[str, typer.Option()] = "",
    country: Annotated[str, typer.Option()] = "CH",
    vat: Annotated[str | None, typer.Option(help="CHE-123.456.789 MWST")] = None,
    iban: Annotated[str | None, typer.Option(help="IBAN or QR-IBAN (CH/LI)")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    language: Annotated[str, typer.Option(help="de, fr, it or en")] = "de",
    timezone: Annotated[str, typer.Option()] = "Europe/Zurich",
) -> None:
    """Add a seller."""
    profile = SellerProfile.model_validate(
        {
            "slug": slug,
            "name": name,
            "street": street,
            "house_number": house_number,
            "postal_code": postal_code,
            "city": city,
            "country": country,
            "vat_number": vat,
            "iban": iban,
            "email": email,
            "default_language": language,
            "timezone": timezone,
        }
    )
    with transaction(engine()) as session:
        store.add_seller(session, profile)
    console.print(f"seller {slug} added")


@app.command("list")
@handle_errors
def list_() -> None:
    """List every seller."""
    table = Table("slug", "name", "city", "VAT number", "IBAN", "automations")
    with transaction(engine()) as session:
        for s in store.list_sellers(session):
            on = [k for k, v in s.automations.model_dump().items() if v is True]
            table.add_row(
                s.slug,
                s.profile.name,
                s.profile.city,
                s.profile.vat_number or "-",
                s.profile.iban or "-",
                ", ".join(on) or "off",
            )
    console.print(table)


@app.command("show")
@handle_errors
def show(seller: Annotated[str | None, typer.Argument()] = None) -> None:
    """Show a seller with every settings group, as JSON."""
    s = resolve_seller(seller)
    print_json(s.model_dump(mode="json"))


def parse_assignment(text: str) -> tuple[str, str, Any]:
    """`group.field=value`; the value is read as JSON when it parses (true, 5, "x")."""
    key, sep, raw = text.partition("=")
    group, dot, field = key.partition(".")
    if not sep or not dot:
        raise InvalidInput(
            f"setting {text!r}: write it as group.field=value, e.g. automations.auto_confirm=true"
        )
    if group not in SETTINGS_GROUPS:
        raise InvalidInput(
            f"setting {key!r}: unknown group {group!r} (one of {', '.join(SETTINGS_GROUPS)})"
        )
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and field not in ("payment_terms_days",)
    ):
        value = raw  # account numbers, postal codes: keep them as typed
    return group, field, value


# Setting hooks: `branding.logo=@file.png` and friends; other packages add theirs.
VALUE_HOOKS: dict[str, Any] = {}


@app.command("set")
@handle_errors
def set_(
    assignments: Annotated[list[str], typer.Argument(help="group.field=value ...")],
    seller: SellerOption = None,
) -> None:
    """Change settings, e.g. `automations.auto_confirm=true profile.iban="CH44 3199 ..."`.

    Groups: profile, automations, notifications, branding, documents, accounts.
    Everything is validated first; one bad value changes nothing.
    """
    s = resolve_seller(seller)
    current = {g: getattr(s, g).model_dump(mode="json") for g in SETTINGS_GROUPS}
    touched: set[str] = set()
    for text in assignments:
        group, field, value = parse_assignment(text)
        hook = VALUE_HOOKS.get(f"{group}.{field}")
        if hook is not None:
            field, value = hook(value)
        if field not in SETTINGS_GROUPS[group].model_fields:
            raise fail(f"setting {group}.{field}: no such field")
        current[group][field] = value
        touched.add(group)
    validated = {}
    for group in touched:
        try:
            validated[group] = SETTINGS_GROUPS[group].model_validate(current[group])
        except ValidationError as exc:
            raise fail(validation_message(exc, prefix=f"{group}.")) from None
    with transaction(engine()) as session:
        for group, value in validated.items():
            s = store.save_settings(session, s, group, value)
    console.print(f"seller {s.slug}: {', '.join(sorted(touched))} saved")
