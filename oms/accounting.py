"""Bookings: the double-entry journal entries an order's invoice, payment and cancellation cause.

Pure domain, no I/O. Each function returns a balanced `Booking` (debits equal
credits to the cent) or None when there is nothing to book (an amount of zero).

    invoice issued  debit receivables (gross), credit revenue net per VAT rate,
                    shipping net on its own account, credit VAT payable per rate
    payment         debit bank (invoice orders) or clearing (prepaid: per channel),
                    credit receivables
    reversal        the mirror image of an earlier booking (credit note, refund)

VAT per rate is `oms.vat.vat_breakdown`, the very figures the invoice prints as
"davon MWST"; nothing here computes VAT on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from oms.model import Order, PaymentMethod
from oms.seller import ChartOfAccounts
from oms.vat import VatLine, to_cents, vat_breakdown, vat_of_gross

ZERO = Decimal(0)


class BookingKind(StrEnum):
    INVOICE = "invoice"  # the invoice was issued: the buyer owes us
    PAYMENT = "payment"  # the money arrived (bank) or the provider holds it (clearing)
    REVERSAL = "reversal"  # an earlier booking undone: credit note or refund


# Short codes in the voucher number (Belegnummer): "<order number>-INV", "...-PAY", "...-R".
VOUCHER_CODE = {BookingKind.INVOICE: "INV", BookingKind.PAYMENT: "PAY"}


class UnbalancedBooking(ValueError):
    """A booking whose debits and credits differ: a bug, never booked."""


@dataclass(frozen=True)
class Posting:
    """One line of a booking: one account, debit or credit, to the cent."""

    account: str
    debit: Decimal
    credit: Decimal
    text: str
    vat_code: str | None = None
    vat_rate: Decimal | None = None

    def mirrored(self) -> Posting:
        return replace(self, debit=self.credit, credit=self.debit)


@dataclass(frozen=True)
class Booking:
    """A balanced journal entry in one currency, with its voucher and source."""

    kind: BookingKind
    voucher: str  # unique per seller; the reference number in the ERP
    booked_on: date
    currency: str
    reference: str  # the invoice number, else the order number
    order_number: str
    description: str
    lines: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if self.balance != ZERO:
            raise UnbalancedBooking(f"{self.voucher}: debits - credits = {self.balance}")
        for line in self.lines:
            for amount in (line.debit, line.credit):
                if amount < ZERO or amount != to_cents(amount):
                    raise UnbalancedBooking(f"{self.voucher}: {amount} on {line.account}")

    @property
    def balance(self) -> Decimal:
        return sum((li.debit - li.credit for li in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((li.debit for li in self.lines), ZERO)


def vat_code(rate: Decimal) -> str:
    """V81 for 8.1 %, V26 for 2.6 %, V38 for 3.8 %, V0 for 0 % (the names Swiss ledgers use)."""
    digits = format(rate.normalize(), "f").replace(".", "")
    return f"V{digits}"


def rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def breakdown(order: Order) -> list[VatLine]:
    """The invoice's VAT lines: the same call the invoice makes."""
    return vat_breakdown([(li.total, li.vat_rate) for li in order.lines], order.shipping)


def invoice_total(order: Order) -> Decimal:
    """What the invoice asks for: the sum of its gross amounts per rate."""
    return sum((v.gross for v in breakdown(order)), ZERO)


def _shipping_net(order: Order, vat_lines: Iterable[VatLine]) -> tuple[Decimal, Decimal]:
    """(rate, net) of the shipping share inside the shipping rate's gross.

    The rate's VAT stays the breakdown's figure; only its net is split between the
    revenue and the shipping account.
    """
    if not order.shipping:
        return ZERO, ZERO
    rates = {li.vat_rate for li in order.lines}
    rate = max(rates) if rates else ZERO
    goods = vat_breakdown([(li.total, li.vat_rate) for li in order.lines if li.vat_rate == rate])
    goods_gross = goods[0].gross if goods else ZERO
    with_shipping = next(v.gross for v in vat_lines if v.rate == rate)
    shipping_gross = with_shipping - goods_gross
    return rate, shipping_gross - vat_of_gross(shipping_gross, rate)


def _nonzero(lines: Iterable[Posting]) -> tuple[Posting, ...]:
    return tuple(li for li in lines if li.debit or li.credit)


def invoice_booking(
    order: Order, accounts: ChartOfAccounts, invoice_number: str, issued_on: date
) -> Booking | None:
    """Receivables against revenue (net per rate), shipping (net) and VAT payable (per rate)."""
    vat_lines = breakdown(order)
    total = sum((v.gross for v in vat_lines), ZERO)
    if not total:
        return None
    ship_rate, ship_net = _shipping_net(order, vat_lines)
    lines = [Posting(accounts.receivables, total, ZERO, f"Debitor {order.buyer.name}"[:255])]
    for v in vat_lines:
        code, pct = vat_code(v.rate), rate_text(v.rate)
        shipping = ship_net if v.rate == ship_rate else ZERO
        revenue = accounts.revenue_by_vat_rate.get(pct, accounts.revenue)
        lines += [
            Posting(revenue, ZERO, v.net - shipping, f"Erlös {pct} %", code, v.rate),
            Posting(accounts.shipping_revenue, ZERO, shipping, f"Versand {pct} %", code, v.rate),
            Posting(accounts.vat_payable, ZERO, v.vat, f"MWST {pct} %", code, v.rate),
        ]
    return Booking(
        kind=BookingKind.INVOICE,
        voucher=f"{order.order_number}-{VOUCHER_CODE[BookingKind.INVOICE]}",
        booked_on=issued_on,
        currency=order.currency,
        reference=invoice_number,
        order_number=order.order_number,
        description=f"Rechnung {invoice_number}, Bestellung {order.order_number}",
        lines=_nonzero(lines),
    )


def payment_account(order: Order, accounts: ChartOfAccounts) -> str:
    """The bank for invoice orders; the channel's clearing account for prepaid ones."""
    if order.payment.method is PaymentMethod.INVOICE:
        return accounts.bank
    return accounts.clearing_by_channel.get(order.connection_name, accounts.clearing)


def payment_booking(
    order: Order,
    accounts: ChartOfAccounts,
    paid_on: date,
    reference: str,
    amount: Decimal | None = None,
) -> Booking | None:
    """Bank or clearing against receivables, for what the invoice asks (`amount`: the
    booked invoice's total, when there is one, so that the receivable settles exactly)."""
    total = invoice_total(order) if amount is None else amount
    if not total:
        return None
    via = "Bank" if order.payment.method is PaymentMethod.INVOICE else order.connection_name
    return Booking(
        kind=BookingKind.PAYMENT,
        voucher=f"{order.order_number}-{VOUCHER_CODE[BookingKind.PAYMENT]}",
        booked_on=paid_on,
        currency=order.currency,
        reference=reference,
        order_number=order.order_number,
        description=f"Zahlung {reference} ({via}), Bestellung {order.order_number}",
        lines=(
            Posting(payment_account(order, accounts), total, ZERO, f"Zahlung {via}"[:255]),
            Posting(accounts.receivables, ZERO, total, f"Debitor {order.buyer.name}"[:255]),
        ),
    )


def reversal(original: Booking, on: date) -> Booking:
    """Every line of `original` on the other side: a credit note (invoice) or a refund (payment)."""
    return Booking(
        kind=BookingKind.REVERSAL,
        voucher=f"{original.voucher}-R",
        booked_on=max(on, original.booked_on),
        currency=original.currency,
        reference=original.reference,
        order_number=original.order_number,
        description=f"Storno {original.description}"[:255],
        lines=tuple(li.mirrored() for li in original.lines),
    )


@dataclass(frozen=True)
class ExportOutcome:
    """What a target did with one booking: exported (with its remote id), or why not.

    retryable: try again later; uncertain: the target may have stored it (5xx or a
    dropped connection after sending), so the next attempt looks it up first.
    """

    ok: bool
    remote_id: str | None = None
    error: str | None = None
    retryable: bool = True
    uncertain: bool = False
    retry_after: float | None = None

    @staticmethod
    def exported(remote_id: str) -> ExportOutcome:
        return ExportOutcome(ok=True, remote_id=remote_id)

    @staticmethod
    def retry(error: str, uncertain: bool, retry_after: float | None = None) -> ExportOutcome:
        return ExportOutcome(ok=False, error=error, uncertain=uncertain, retry_after=retry_after)

    @staticmethod
    def give_up(error: str) -> ExportOutcome:
        return ExportOutcome(ok=False, error=error, retryable=False)
