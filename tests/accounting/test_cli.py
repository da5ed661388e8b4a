"""`sales-scaler accounting export / trial-balance / retry` on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from oms import actions
from oms.cli.main import app
from oms.settings import get_settings
from tests.accounting.conftest import issue_invoice
from tests.factories import SellerSetup, import_orders, make_order

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"SALES_SCALER_SELLER": ""})
    return result.exit_code, result.stdout, result.stderr


def test_export_writes_the_journal_and_the_trial_balance_nets_to_zero(
    engine: Engine, shop: SellerSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALES_SCALER_ACCOUNTING_DIR", str(tmp_path))
    get_settings.cache_clear()
    import_orders(engine, shop, [make_order(1), make_order(2, currency="EUR")])
    actions.confirm(engine, shop.seller, ["1001", "1002"])
    issue_invoice(engine, shop.seller, "1001", "R-2026-00001")
    actions.cancel(engine, shop.seller, ["1001"], reason="damaged")
    code, out, err = run("accounting", "export", "--to", "csv", "--since", "2026-01-01")
    assert code == 0, err
    # paid twice (prepaid, at confirmation), invoice issued, cancelled
    assert "4 accounting events booked" in out and len(list(tmp_path.glob("*.csv"))) == 1
    code, out, err = run("accounting", "trial-balance", "--seller", "alpen")
    assert code == 0, err
    assert "CHF: nets to zero" in out and "EUR: nets to zero" in out and "1090" in out


def test_export_to_an_unknown_target_or_bexio_without_a_token_says_so(
    engine: Engine, shop: SellerSetup
) -> None:
    code, _, err = run("accounting", "export", "--to", "sap")
    assert code == 2 and "choose one of csv, bexio" in err
    code, _, err = run("accounting", "export", "--to", "bexio")
    assert code == 2 and "SALES_SCALER_BEXIO_TOKEN_REF" in err
    code, out, _ = run("accounting", "retry", "--to", "bexio", "--seller", "alpen")
    assert code == 0 and "0 parked exports" in out
