"""VAT contained in VAT-inclusive prices, per rate ("davon MWST 8.1 % auf CHF ...").

One function for invoices and bookings alike, so the two can never disagree.
Shipping is taxed at the highest rate among the order's lines (the rate of the
main supply; the Swiss VAT administration accepts this for ancillary costs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class VatLine:
    rate: Decimal  # percent, e.g. 8.1
    gross: Decimal  # incl. VAT, to the cent
    vat: Decimal  # the VAT contained in gross, to the cent

    @property
    def net(self) -> Decimal:
        return self.gross - self.vat


def vat_of_gross(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT contained in a VAT-inclusive amount, rounded to the cent."""
    return to_cents(gross * rate / (Decimal(100) + rate))


def shipping_rate(line_rates: Iterable[Decimal]) -> Decimal:
    rates = list(line_rates)
    return max(rates) if rates else Decimal(0)


def vat_breakdown(
    lines: Iterable[tuple[Decimal, Decimal]], shipping: Decimal = Decimal(0)
) -> list[VatLine]:
    """Per rate (ascending): gross and contained VAT. `lines` are (gross total, rate) pairs."""
    by_rate: dict[Decimal, Decimal] = {}
    for total, rate in lines:
        by_rate[rate] = by_rate.get(rate, Decimal(0)) + total
    if shipping:
        rate = shipping_rate(by_rate)
        by_rate[rate] = by_rate.get(rate, Decimal(0)) + shipping
    return [
        VatLine(rate=rate, gross=to_cents(gross), vat=vat_of_gross(to_cents(gross), rate))
        for rate, gross in sorted(by_rate.items())
    ]
