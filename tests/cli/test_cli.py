"""The `sales-scaler` CLI on both databases: happy paths, and one clear line + exit 2 otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from oms.cli.main import app
from oms.store.db import transaction
from oms.store.schema import OrderEventRow, OrderRow, SellerRow
from tests.factories import IBAN, QR_IBAN, VAT, order_data

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"SALES_SCALER_SELLER": ""})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cli_shop(engine: Engine, tmp_path: Path) -> Path:
    """A seller with a shopify channel and six imported orders, all through the CLI."""
    assert run("db", "upgrade")[0] == 0
    code, out, err = run(
        "sellers",
        "add",
        "alpen",
        "--name",
        "Alpen AG",
        "--street",
        "Bahnhofstrasse",
        "--house-number",
        "1",
        "--postal-code",
        "8001",
        "--city",
        "Zürich",
        "--vat",
        VAT,
        "--iban",
        QR_IBAN,
    )
    assert code == 0, err
    code, _, err = run(
        "channels",
        "add",
        "shop",
        "--platform",
        "shopify",
        "--url",
        "https://alpen.example",
        "--credentials",
        "env:ALPEN_SHOPIFY_TOKEN",
    )
    assert code == 0, err
    file = tmp_path / "orders.json"
    file.write_text(json.dumps([order_data(i) for i in range(1, 7)]))
    code, out, err = run("orders", "import", str(file))
    assert code == 0, err
    assert "shop: 6 new, 0 updated, 0 unchanged" in out
    return file


def db_state(engine: Engine) -> tuple[int, int, list[tuple[str, str]]]:
    with transaction(engine) as s:
        events = s.scalar(select(func.count()).select_from(OrderEventRow)) or 0
        sellers = s.scalar(select(func.count()).select_from(SellerRow)) or 0
        rows = s.execute(select(OrderRow.order_number, OrderRow.status).order_by(OrderRow.id))
        return events, sellers, [tuple(r) for r in rows]  # type: ignore[misc]


def test_every_command_has_help() -> None:
    for args in (
        [],
        ["db"],
        ["sellers"],
        ["sellers", "set"],
        ["channels", "add"],
        ["orders"],
        ["orders", "import"],
        ["orders", "track"],
        ["orders", "cancel"],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage" in result.stdout


def test_the_walk_from_open_to_delivered(engine: Engine, cli_shop: Path) -> None:
    assert run("orders", "confirm", "1001", "1002")[1].strip() == "confirmed 2 orders"
    code, out, _ = run(
        "orders",
        "track",
        "1001=99.60.1",
        "--carrier",
        "Swiss Post",
        "--url",
        "https://service.post.ch/track/{tracking_id}",
    )
    assert code == 0 and "tracking set on 1 order" in out
    assert run("orders", "ship", "1001")[0] == 0
    assert run("orders", "deliver", "1001")[0] == 0
    assert run("orders", "cancel", "1002", "--reason", "Out of stock")[0] == 0
    code, out, _ = run("orders", "show", "1001")
    assert code == 0
    for text in (
        "order 1001",
        "delivered",
        "https://service.post.ch/track/99.60.1",
        "timeline",
        "open → confirmed",
        "shipped → delivered",
    ):
        assert text in out
    code, out, _ = run("orders", "list", "--status", "cancelled")
    assert "1002" in out and "1 orders" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["orders", "confirm", "9999"], "error: order 9999 not found"),
        (["orders", "ship", "1001"], "error: order 1001 is open: cannot ship it"),
        (["orders", "deliver", "1003"], "error: order 1003 is open: cannot deliver it"),
        (["orders", "track", "1001"], "error: order 1001: no tracking id"),
        (["orders", "show", "nope"], "error: order nope not found"),
        (
            ["sellers", "set", "profile.vat_number=CHE-116.281.711 MWST"],
            "error: VAT number 'CHE-116.281.711 MWST': the check digit is wrong",
        ),
        (
            ["sellers", "set", "profile.iban=CH44 3199 9123 0008 8901 3"],
            "error: IBAN 'CH44 3199 9123 0008 8901 3': Invalid checksum digits",
        ),
        (["sellers", "set", "automations.auto_confirm=maybe"], "error: automations.auto_confirm:"),
        (
            ["sellers", "set", "nonsense"],
            "error: setting 'nonsense': write it as group.field=value",
        ),
        (["sellers", "show", "ghost"], "error: seller ghost not found"),
        (
            [
                "channels",
                "add",
                "x",
                "--platform",
                "shopify",
                "--url",
                "https://x.example",
                "--credentials",
                "shpat_0123456789abcdef",
            ],
            "error: credentials_ref: must be a reference",
        ),
    ],
)
def test_wrong_input_prints_one_line_exits_2_and_changes_nothing(
    engine: Engine, cli_shop: Path, args: list[str], message: str
) -> None:
    before = db_state(engine)
    code, _, err = run(*args)
    assert code == 2
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1
    assert db_state(engine) == before


def test_a_bulk_action_reports_refused_orders_and_keeps_the_others(
    engine: Engine, cli_shop: Path
) -> None:
    run("orders", "confirm", "1003")
    code, out, err = run("orders", "confirm", "1003", "1004", "4242")
    assert code == 2
    assert "confirmed 1 order" in out
    assert "refused: order 1003: is confirmed: cannot confirm it" in err
    assert "refused: order 4242: not found" in err


def test_import_refuses_bad_orders_with_field_and_reason_and_keeps_good_ones(
    engine: Engine, cli_shop: Path, tmp_path: Path
) -> None:
    bad = order_data(20, total=12.5)
    worse = order_data(21, ordered_at="yesterday")
    file = tmp_path / "mixed.json"
    file.write_text(json.dumps([order_data(22), bad, worse]))
    code, out, err = run("orders", "import", str(file))
    assert code == 2
    assert "mixed.json[1].total: must be a decimal string" in err
    assert "mixed.json[2].ordered_at:" in err
    assert "shop: 1 new" in out
    assert (
        run("orders", "import", str(cli_shop))[1].strip() == "shop: 0 new, 0 updated, 6 unchanged"
    )


def test_import_of_a_file_that_is_not_json_changes_nothing(
    engine: Engine, cli_shop: Path, tmp_path: Path
) -> None:
    before = db_state(engine)
    file = tmp_path / "broken.json"
    file.write_text("{not json")
    code, _, err = run("orders", "import", str(file))
    assert code == 2 and "broken.json: not JSON" in err
    assert db_state(engine) == before


def test_settings_are_validated_and_saved_per_group(engine: Engine, cli_shop: Path) -> None:
    code, _, err = run(
        "sellers",
        "set",
        "automations.auto_confirm=true",
        "accounts.bank=1021",
        f"profile.iban={IBAN}",
        "documents.invoice_number_format=INV-{year}-{seq:04}",
    )
    assert code == 0, err
    shown = json.loads(run("sellers", "show")[1])
    assert shown["automations"]["auto_confirm"] is True
    assert shown["accounts"]["bank"] == "1021"
    assert shown["profile"]["iban"] == "CH9300762011623852957"
    assert shown["documents"]["invoice_number_format"] == "INV-{year}-{seq:04}"


def test_with_two_sellers_the_cli_asks_which_one(engine: Engine, cli_shop: Path) -> None:
    run(
        "sellers",
        "add",
        "lac",
        "--name",
        "Lac SA",
        "--street",
        "Rue",
        "--postal-code",
        "1204",
        "--city",
        "Genève",
    )
    code, _, err = run("orders", "list")
    assert code == 2 and "choose one with --seller" in err
    assert run("orders", "list", "--seller", "lac")[0] == 0
    code, _, err = run("orders", "confirm", "1001", "--seller", "lac")
    assert code == 2 and "order 1001 not found" in err
