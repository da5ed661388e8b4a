"""The booking rules, on plain orders: balance, VAT per rate as the invoice has it, reversals."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.accounting import (
    Booking,
    BookingKind,
    Posting,
    UnbalancedBooking,
    invoice_booking,
    payment_booking,
    reversal,
    vat_code,
)
from oms.model import Address, Buyer, Order, OrderLine, Payment, PaymentMethod
from oms.seller import ChartOfAccounts
from oms.status import OrderStatus
from oms.vat import vat_breakdown

RATES = [Decimal("0"), Decimal("2.6"), Decimal("3.8"), Decimal("8.1")]
ADDRESS = Address(name="B", street="S 1", postal_code="8000", city="Zürich", country="CH")


def an_order(
    lines: list[tuple[Decimal, Decimal]],
    shipping: Decimal = Decimal(0),
    currency: str = "CHF",
    method: PaymentMethod = PaymentMethod.INVOICE,
    channel: str = "shop",
) -> Order:
    order_lines = [
        OrderLine(name=f"item {i}", quantity=1, unit_price=total, vat_rate=rate, total=total)
        for i, (total, rate) in enumerate(lines)
    ]
    return Order(
        id=1,
        seller_id=1,
        connection_id=1,
        connection_name=channel,
        channel_kind="webshop",
        platform="shopify",
        channel_order_id="9001",
        order_number="1001",
        channel_order_number="1001",
        ordered_at=datetime(2026, 11, 20, tzinfo=UTC),
        status=OrderStatus.CONFIRMED,
        currency=currency,
        buyer=Buyer(name="Anna Muster"),
        billing_address=ADDRESS,
        delivery_address=ADDRESS,
        lines=order_lines,
        shipping=shipping,
        total=sum((t for t, _ in lines), shipping),
        payment=Payment(method=method, paid=False),
        tracking=None,
        cancel_reason=None,
        version=1,
    )


amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999"), places=4)
cents = st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2)
orders = st.builds(
    an_order,
    lines=st.lists(st.tuples(amounts, st.sampled_from(RATES)), min_size=1, max_size=8),
    shipping=st.one_of(st.just(Decimal(0)), cents, amounts),
    currency=st.sampled_from(["CHF", "EUR"]),
    method=st.sampled_from(list(PaymentMethod)),
)


def per_account(bookings: list[Booking]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for b in bookings:
        for li in b.lines:
            sums[li.account] += li.debit - li.credit
    return dict(sums)


@settings(max_examples=300, deadline=None)
@given(order=orders)
def test_every_invoice_booking_balances_and_books_the_invoice_vat_per_rate(order: Order) -> None:
    booking = invoice_booking(order, ChartOfAccounts(), "R-2026-00001", date(2026, 11, 21))
    expected = vat_breakdown([(li.total, li.vat_rate) for li in order.lines], order.shipping)
    if sum(v.gross for v in expected) == 0:
        assert booking is None
        return
    assert booking is not None
    assert booking.balance == 0
    booked_vat: dict[str, Decimal] = defaultdict(Decimal)
    for li in booking.lines:
        assert li.debit == li.debit.quantize(Decimal("0.01"))
        assert li.credit == li.credit.quantize(Decimal("0.01"))
        if li.account == "2200":
            booked_vat[li.vat_code or ""] += li.credit
    assert booked_vat == {vat_code(v.rate): v.vat for v in expected if v.vat}
    assert booking.total == sum(v.gross for v in expected)
    revenue = sum(li.credit for li in booking.lines if li.account in ("3200", "3400"))
    assert revenue == sum(v.net for v in expected)


@settings(max_examples=200, deadline=None)
@given(order=orders)
def test_invoice_payment_and_their_reversals_net_to_zero_on_every_account(order: Order) -> None:
    accounts = ChartOfAccounts()
    invoice = invoice_booking(order, accounts, "R-1", date(2026, 11, 21))
    payment = payment_booking(order, accounts, date(2026, 11, 22), "R-1")
    made = [b for b in (invoice, payment) if b is not None]
    undone = [reversal(b, date(2026, 11, 23)) for b in made]
    assert all(b.balance == 0 for b in made + undone)
    assert all(v == 0 for v in per_account(made + undone).values())
    if made:
        assert per_account(made).get("1100", Decimal(0)) == 0  # paid: receivables settled


def test_an_invoice_books_revenue_per_rate_shipping_and_vat_on_the_sellers_accounts() -> None:
    order = an_order(
        [(Decimal("25.00"), Decimal("2.6")), (Decimal("19.90"), Decimal("8.1"))], Decimal("7.00")
    )
    accounts = ChartOfAccounts(revenue_by_vat_rate={"2.6": "3210"}, receivables="1105")
    booking = invoice_booking(order, accounts, "R-2026-00007", date(2026, 11, 21))
    assert booking is not None
    assert booking.voucher == "1001-INV" and booking.reference == "R-2026-00007"
    table = {(li.account, li.vat_code): (li.debit, li.credit) for li in booking.lines}
    # 2.6 %: 25.00 gross, VAT 0.63; 8.1 %: 26.90 gross (incl. shipping 7.00), VAT 2.02
    assert table == {
        ("1105", None): (Decimal("51.90"), Decimal(0)),
        ("3210", "V26"): (Decimal(0), Decimal("24.37")),
        ("2200", "V26"): (Decimal(0), Decimal("0.63")),
        ("3200", "V81"): (Decimal(0), Decimal("18.40")),
        ("3400", "V81"): (Decimal(0), Decimal("6.48")),
        ("2200", "V81"): (Decimal(0), Decimal("2.02")),
    }


def test_a_prepaid_payment_goes_to_the_clearing_account_of_its_channel() -> None:
    accounts = ChartOfAccounts(clearing_by_channel={"market": "1091"})
    lines = [(Decimal("10.00"), Decimal("8.1"))]
    via_market = an_order(lines, method=PaymentMethod.PREPAID, channel="market")
    via_shop = an_order(lines, method=PaymentMethod.PREPAID, channel="shop")
    by_invoice = an_order(lines, method=PaymentMethod.INVOICE)
    firsts = [
        payment_booking(o, accounts, date(2026, 11, 21), "1001")
        for o in (via_market, via_shop, by_invoice)
    ]
    assert [b.lines[0].account for b in firsts if b] == ["1091", "1090", "1020"]
    assert all(b and b.kind is BookingKind.PAYMENT and b.lines[1].account == "1100" for b in firsts)


def test_an_unbalanced_booking_cannot_be_made() -> None:
    with pytest.raises(UnbalancedBooking):
        Booking(
            kind=BookingKind.INVOICE,
            voucher="X",
            booked_on=date(2026, 1, 1),
            currency="CHF",
            reference="X",
            order_number="X",
            description="",
            lines=(Posting("1100", Decimal("1.00"), Decimal(0), ""),),
        )


def test_vat_codes_name_the_rate() -> None:
    assert [vat_code(r) for r in RATES] == ["V0", "V26", "V38", "V81"]
