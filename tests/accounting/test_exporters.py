"""Exporting bookings: CSV journals parsed back, and Bexio with injected faults (once each)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, update

from adapters.erp.bexio import BexioExporter, bexio_client
from adapters.erp.csv_journal import COLUMNS, CsvJournalExporter
from adapters.erp.export import export_pending
from adapters.erp.fake_bexio import FakeBexio, FakeBexioServer
from oms import actions
from oms.store import accounting_exports as exports
from oms.store.accounting import bookings_of_seller
from oms.store.accounting_schema import BookingExportRow
from oms.store.db import transaction
from tests.accounting.conftest import book_all, issue_invoice
from tests.factories import SellerSetup, import_orders, make_order

INVOICE = {"method": "invoice", "paid": False}
EUR_LINES = [
    {
        "name": "Decke",
        "quantity": 3,
        "unit_price": "33.3333",
        "vat_rate": "8.1",
        "total": "99.9999",
    },
    {"name": "Buch", "quantity": 1, "unit_price": "0.05", "vat_rate": "2.6", "total": "0.05"},
]


def make_bookings(engine: Engine, shop: SellerSetup, n: int) -> int:
    """n invoice orders: invoiced, every other one paid, every third one cancelled."""
    orders = [
        make_order(
            i, payment=INVOICE, **({"currency": "EUR", "lines": EUR_LINES} if i % 4 == 0 else {})
        )
        for i in range(1, n + 1)
    ]
    import_orders(engine, shop, orders)
    numbers = [o.order_number for o in orders]
    actions.confirm(engine, shop.seller, numbers)
    for i, number in enumerate(numbers, start=1):
        issue_invoice(engine, shop.seller, number, f"R-2026-{i:05}")
    actions.mark_paid(engine, shop.seller, numbers[::2])
    actions.cancel(engine, shop.seller, numbers[::3], reason="test")
    assert book_all(engine).dead == 0
    with transaction(engine) as session:
        return len(bookings_of_seller(session, shop.seller.id))


def test_the_csv_journal_reads_back_as_the_balanced_bookings(
    engine: Engine, shop: SellerSetup, tmp_path: Path
) -> None:
    count = make_bookings(engine, shop, 6)
    exporter = CsvJournalExporter(tmp_path)
    report = export_pending(engine, shop.seller, exporter, batch_size=4)
    assert report.exported == count and report.dead == 0 and len(report.batches) == 3
    assert export_pending(engine, shop.seller, exporter).exported == 0  # nothing twice
    rows = []
    for path in sorted(tmp_path.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            assert tuple(reader.fieldnames or ()) == COLUMNS
            rows += list(reader)
    per_booking: dict[str, Decimal] = defaultdict(Decimal)
    per_account: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        amount = Decimal(row["debit"]) - Decimal(row["credit"])
        per_booking[row["voucher"]] += amount
        per_account[(row["account"], row["currency"])] += amount
    assert len(per_booking) == count and set(per_booking.values()) == {Decimal(0)}
    assert {c for _, c in per_account} == {"CHF", "EUR"}
    assert sum(v for (_, c), v in per_account.items() if c == "EUR") == 0
    vat = [r for r in rows if r["account"] == "2200" and r["kind"] == "invoice"]
    assert {r["vat_code"] for r in vat} == {"V26", "V81"}
    assert all(r["date"][:4] == "2026" and "," not in r["debit"] for r in rows)


def test_a_csv_batch_whose_worker_died_is_rewritten_under_the_same_name(
    engine: Engine, shop: SellerSetup, tmp_path: Path
) -> None:
    count = make_bookings(engine, shop, 2)
    with transaction(engine) as session:
        claimed = exports.claim(session, shop.seller.id, "csv", 100, "journal-alpen")
        # the worker wrote nothing and died; its lease runs out
        session.execute(
            update(BookingExportRow).values(claimed_until=BookingExportRow.available_at)
        )
    report = export_pending(engine, shop.seller, CsvJournalExporter(tmp_path))
    assert report.batches == [claimed[0].batch] and report.exported == count
    assert [p.name for p in tmp_path.glob("*.csv")] == [f"{claimed[0].batch}.csv"]


@pytest.mark.timeout(120)
def test_with_a_fifth_of_bexio_requests_failing_each_booking_arrives_exactly_once(
    engine: Engine, shop: SellerSetup
) -> None:
    count = make_bookings(engine, shop, 12)
    fake = FakeBexio(fault_rate=0.2, seed=11)
    with FakeBexioServer(fake) as server, bexio_client(server.url, "test-token", 5) as client:
        exporter = BexioExporter(
            client, exchange_rates={"EUR": Decimal("0.94")}, max_tries=3, sleep=lambda s: None
        )
        exported = 0
        for _ in range(30):
            report = export_pending(engine, shop.seller, exporter, batch_size=10)
            exported += report.exported
            assert report.dead == 0
            with transaction(engine) as session:  # retry the waiting ones now, not in minutes
                session.execute(
                    update(BookingExportRow)
                    .where(BookingExportRow.state == exports.PENDING)
                    .values(available_at=datetime.now(UTC) - timedelta(seconds=1))
                )
            if exported == count:
                break
    assert exported == count
    assert {"error_after", "drop_after"} & set(fake.faults)  # the trap was sprung
    refs = fake.references()
    assert len(refs) == count and set(refs.values()) == {1}
    with transaction(engine) as session:
        made = {b.booking.voucher: b.id for b in bookings_of_seller(session, shop.seller.id)}
        assert exports.state_counts(session, shop.seller.id, "bexio") == {"done": count}
    assert set(refs) == set(made)
    entry = next(e for e in fake.entries if e["reference_nr"].endswith("-INV"))
    assert entry["type"] == "manual_compound_entry"


def test_bexio_parks_a_booking_on_an_unknown_account_with_the_reason(
    engine: Engine, shop: SellerSetup
) -> None:
    make_bookings(engine, shop, 1)
    fake = FakeBexio(accounts=("1020", "1100", "2200", "3200"))  # no 3400 (shipping)
    with FakeBexioServer(fake) as server, bexio_client(server.url, "test-token", 5) as client:
        report = export_pending(engine, shop.seller, BexioExporter(client))
    # invoice and credit note use 3400; the payment and its refund do not
    assert report.dead == 2 and report.exported == 2
    assert {e["reference_nr"] for e in fake.entries} == {"1001-PAY", "1001-PAY-R"}
    with transaction(engine) as session:
        failed = exports.failures(session, shop.seller.id, "bexio")
    assert [(v, s) for v, s, _ in failed] == [("1001-INV", "dead"), ("1001-INV-R", "dead")]
    assert all("account 3400" in why for _, _, why in failed)


def test_bexio_refuses_a_wrong_token_without_retrying(engine: Engine, shop: SellerSetup) -> None:
    make_bookings(engine, shop, 1)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"message": "unauthorized"})

    client = httpx.Client(base_url="http://bexio.test", transport=httpx.MockTransport(handler))
    report = export_pending(engine, shop.seller, BexioExporter(client))
    assert report.dead == 4 and len(seen) == 1  # the whole batch parked after one call
