"""The export-accounting flow end to end: outbox -> bookings -> CSV journal, artifact, counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine

from flows.accounting import export_accounting
from oms import actions
from oms.settings import get_settings
from tests.accounting.conftest import issue_invoice
from tests.factories import SellerSetup, import_orders, make_order


@pytest.mark.usefixtures("prefect_api")
def test_the_flow_books_the_outbox_and_writes_a_csv_journal_once(
    engine: Engine, shop: SellerSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALES_SCALER_ACCOUNTING_DIR", str(tmp_path))
    get_settings.cache_clear()
    import_orders(engine, shop, [make_order(1), make_order(2)])  # prepaid, paid
    actions.confirm(engine, shop.seller, ["1001", "1002"])
    issue_invoice(engine, shop.seller, "1001", "R-2026-00001")
    counts = export_accounting(seller="alpen", target="csv")
    assert counts == {"booked": 3, "exported": 3, "retried": 0, "dead": 0}
    again = export_accounting(target="csv")
    assert again == {"booked": 0, "exported": 0, "retried": 0, "dead": 0}
    (journal,) = tmp_path.glob("journal-alpen-*.csv")
    with journal.open(encoding="utf-8") as f:
        vouchers = {row["voucher"] for row in csv.DictReader(f)}
    assert vouchers == {"1001-PAY", "1002-PAY", "1001-INV"}
