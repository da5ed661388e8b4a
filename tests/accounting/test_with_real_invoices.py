"""Through the real documents code: the invoice it issues is booked with the VAT it prints."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from documents.api import render_missing
from documents.view import invoice_view
from oms import actions
from oms.settings import get_settings
from oms.store import orders as order_store
from oms.store.accounting import bookings_of_seller
from oms.store.db import transaction
from tests.accounting.conftest import book_all
from tests.factories import SellerSetup, import_orders, make_order

LINES = [
    {"name": "Tee", "quantity": 3, "unit_price": "4.3333", "vat_rate": "2.6", "total": "12.9999"},
    {"name": "Tasse", "quantity": 1, "unit_price": "17.95", "vat_rate": "8.1", "total": "17.95"},
    {"name": "Zimmer", "quantity": 1, "unit_price": "99.05", "vat_rate": "3.8", "total": "99.05"},
]


def test_an_issued_invoice_is_booked_with_the_vat_lines_it_prints(
    engine: Engine, shop: SellerSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALES_SCALER_DOCUMENTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    payment = {"method": "invoice", "paid": False}
    import_orders(engine, shop, [make_order(1, lines=LINES, shipping="8.55", payment=payment)])
    actions.confirm(engine, shop.seller, ["1001"])
    with transaction(engine) as session:
        order = order_store.get_order(session, shop.seller, "1001")
    assert render_missing(engine, shop.seller, [order.id], kinds=("invoice",)) == []
    assert book_all(engine).done == 1
    with transaction(engine) as session:
        (invoice,) = [b.booking for b in bookings_of_seller(session, shop.seller.id)]
    printed = invoice_view(shop.seller, order, invoice.reference, invoice.booked_on).vat_lines
    # "davon MWST 8.1 % auf CHF 26.50: CHF 1.99" -> {"8.1": "1.99"}
    on_invoice = dict(
        re.findall(r"MWST ([\d.]+) % auf CHF [\d.']+: CHF ([\d.]+)", " ".join(printed))
    )
    booked = {
        format(li.vat_rate.normalize(), "f"): f"{li.credit:.2f}"
        for li in invoice.lines
        if li.account == "2200" and li.vat_rate is not None
    }
    assert booked == on_invoice and len(booked) == 3
    assert invoice.reference.startswith("R-") and invoice.balance == Decimal(0)
