"""Outbox rows of real seller actions become balanced bookings, once each (both databases)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, func, select

from oms import actions
from oms.accounting import BookingKind
from oms.effects import Topic
from oms.seller import ChartOfAccounts
from oms.store import sellers as seller_store
from oms.store.accounting import bookings_of_seller, record_events, trial_balance
from oms.store.accounting_schema import BookingRow
from oms.store.db import transaction
from oms.store.outbox import claim
from tests.accounting.conftest import book_all, issue_invoice
from tests.factories import SellerSetup, import_orders, make_order

INVOICE = {"method": "invoice", "paid": False}


def balances(engine: Engine, seller_id: int) -> dict[tuple[str, str], Decimal]:
    with transaction(engine) as session:
        return {(t.account, t.currency): t.balance for t in trial_balance(session, seller_id)}


def test_an_invoice_order_books_its_invoice_then_its_payment_to_the_bank(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(1, payment=INVOICE)])
    actions.confirm(engine, shop.seller, ["1001"])
    issue_invoice(engine, shop.seller, "1001", "R-2026-00001")
    actions.mark_paid(engine, shop.seller, ["1001"])
    report = book_all(engine)
    assert report.done == 2 and report.dead == 0  # invoice + paid; confirm books nothing here
    with transaction(engine) as session:
        made = bookings_of_seller(session, shop.seller.id)
    assert [b.booking.kind for b in made] == [BookingKind.INVOICE, BookingKind.PAYMENT]
    assert [b.booking.voucher for b in made] == ["1001-INV", "1001-PAY"]
    assert all(b.booking.reference == "R-2026-00001" for b in made)
    assert all(b.source.startswith("outbox:") for b in made)
    assert balances(engine, shop.seller.id) == {
        ("1020", "CHF"): Decimal("51.90"),
        ("1100", "CHF"): Decimal(0),
        ("2200", "CHF"): Decimal("-2.65"),
        ("3200", "CHF"): Decimal("-42.77"),
        ("3400", "CHF"): Decimal("-6.48"),
    }
    assert sum(balances(engine, shop.seller.id).values()) == 0


def test_a_cancelled_invoiced_prepaid_order_nets_to_zero_on_every_account(
    engine: Engine, shop: SellerSetup
) -> None:
    with transaction(engine) as session:
        accounts = ChartOfAccounts(clearing_by_channel={"market": "1091"})
        seller = seller_store.save_settings(session, shop.seller, "accounts", accounts)
    import_orders(engine, shop, [make_order(2)], marketplace=True)  # prepaid and paid
    actions.confirm(engine, seller, ["1002"])  # books the payment to the channel's clearing
    issue_invoice(engine, seller, "1002", "R-2026-00002")
    actions.cancel(engine, seller, ["1002"], reason="out of stock")
    assert book_all(engine).dead == 0
    with transaction(engine) as session:
        made = bookings_of_seller(session, seller.id)
    kinds = sorted(b.booking.voucher for b in made)
    assert kinds == ["1002-INV", "1002-INV-R", "1002-PAY", "1002-PAY-R"]
    assert ("1091", "CHF") in balances(engine, seller.id)
    assert set(balances(engine, seller.id).values()) == {Decimal(0)}


def test_a_cancellation_before_any_booking_books_nothing(engine: Engine, shop: SellerSetup) -> None:
    import_orders(engine, shop, [make_order(3, payment=INVOICE)])
    actions.cancel(engine, shop.seller, ["1003"], reason="buyer changed their mind")
    assert book_all(engine).done == 1
    with transaction(engine) as session:
        assert bookings_of_seller(session, shop.seller.id) == []


def test_handling_the_same_outbox_rows_twice_books_once(engine: Engine, shop: SellerSetup) -> None:
    import_orders(engine, shop, [make_order(4, payment=INVOICE)])
    actions.confirm(engine, shop.seller, ["1004"])
    issue_invoice(engine, shop.seller, "1004", "R-2026-00004")
    actions.cancel(engine, shop.seller, ["1004"], reason="fraud")
    with transaction(engine) as session:
        items = claim(session, Topic.ACCOUNTING, 100)
    first = record_events(engine, items)
    again = record_events(engine, items)  # a worker died before marking them done
    assert all(o.ok for o in first.values()) and all(o.ok for o in again.values())
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(BookingRow)) == 2
    assert set(balances(engine, shop.seller.id).values()) == {Decimal(0)}


def test_a_payment_settles_the_booked_invoice_even_when_the_channel_changed_the_order_since(
    engine: Engine, shop: SellerSetup
) -> None:
    import_orders(engine, shop, [make_order(5, payment=INVOICE)])
    actions.confirm(engine, shop.seller, ["1005"])
    issue_invoice(engine, shop.seller, "1005", "R-2026-00005")
    assert book_all(engine).done == 1
    import_orders(engine, shop, [make_order(5, payment=INVOICE, shipping="9.00")])  # +2.00
    actions.mark_paid(engine, shop.seller, ["1005"])
    assert book_all(engine).done == 1
    assert balances(engine, shop.seller.id)[("1100", "CHF")] == 0
    assert balances(engine, shop.seller.id)[("1020", "CHF")] == Decimal("51.90")
