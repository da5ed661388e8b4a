"""Swiss sample orders for the fake servers: CHF, real towns, VAT 8.1 % and 2.6 %.

One platform-neutral order (`SampleOrder`) per number, the same for a given seed;
each fake renders it in its platform's JSON shape.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from oms.vat import to_cents, vat_of_gross

# (postal code, town, language spoken there)
TOWNS = [
    ("8001", "Zürich", "de"),
    ("3011", "Bern", "de"),
    ("4051", "Basel", "de"),
    ("6003", "Luzern", "de"),
    ("9000", "St. Gallen", "de"),
    ("1003", "Lausanne", "fr"),
    ("1201", "Genève", "fr"),
    ("2000", "Neuchâtel", "fr"),
    ("6900", "Lugano", "it"),
    ("6500", "Bellinzona", "it"),
]
STREETS = [
    "Bahnhofstrasse",
    "Seestrasse",
    "Rue du Marché",
    "Via Nassa",
    "Hauptgasse",
    "Dorfstrasse",
]
FIRST = ["Anna", "Luca", "Sophie", "Marco", "Léa", "Noah", "Giulia", "Jonas", "Chloé", "Elias"]
LAST = ["Müller", "Meier", "Rochat", "Bernasconi", "Keller", "Favre", "Rossi", "Weber", "Dubois"]
# (sku, name, unit price incl. VAT, VAT rate): 2.6 % food and books, 8.1 % everything else
PRODUCTS = [
    ("TEA-100", "Bergkräuter-Tee & Minze 100 g", Decimal("8.90"), Decimal("2.6")),
    ("HONEY-250", "Alpenhonig 250 g", Decimal("12.50"), Decimal("2.6")),
    ("BOOK-ALP", "Wanderbuch Graubünden", Decimal("29.00"), Decimal("2.6")),
    ("MUG-01", "Tasse «Matterhorn»", Decimal("19.90"), Decimal("8.1")),
    ("KNIFE-02", "Taschenmesser Ranger", Decimal("54.00"), Decimal("8.1")),
    ("SCARF-03", "Wollschal Bordeaux", Decimal("39.95"), Decimal("8.1")),
]
SHIPPING = Decimal("7.00")
SHIPPING_RATE = Decimal("8.1")


@dataclass(frozen=True)
class SampleLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal  # incl. VAT
    vat_rate: Decimal

    @cached_property
    def gross(self) -> Decimal:
        return self.unit_price * self.quantity

    @cached_property
    def tax(self) -> Decimal:
        return vat_of_gross(self.gross, self.vat_rate)


@dataclass(frozen=True)
class SampleOrder:
    number: int
    created: datetime  # UTC
    first_name: str
    last_name: str
    email: str
    language: str | None  # None: the platform does not say
    street: str
    postal_code: str
    city: str
    lines: list[SampleLine]
    invoice: bool  # pays later, by invoice
    shipping: Decimal = SHIPPING

    @cached_property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @cached_property
    def total(self) -> Decimal:
        return sum((line.gross for line in self.lines), Decimal(0)) + self.shipping

    @cached_property
    def shipping_tax(self) -> Decimal:
        return vat_of_gross(self.shipping, SHIPPING_RATE)

    @cached_property
    def total_tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal(0)) + self.shipping_tax


def sample_order(
    number: int, lines: int = 3, seed: int = 0, now: datetime | None = None
) -> SampleOrder:
    """The sample order `number` (deterministic for a seed), created in the last three days."""
    rng = random.Random(f"{seed}:{number}")
    postal, town, spoken = rng.choice(TOWNS)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    picked = [rng.choice(PRODUCTS) for _ in range(max(1, lines))]
    now = now or datetime.now(UTC)
    return SampleOrder(
        number=number,
        created=(now - timedelta(minutes=rng.randint(5, 3 * 24 * 60))).replace(microsecond=0),
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{number}@example.ch".replace("é", "e"),
        language=spoken if rng.random() < 0.7 else None,
        street=f"{rng.choice(STREETS)} {rng.randint(1, 99)}",
        postal_code=postal,
        city=town,
        lines=[
            SampleLine(sku, name, rng.randint(1, 3), price, rate)
            for sku, name, price, rate in picked
        ],
        invoice=rng.random() < 0.25,
    )


def money(amount: Decimal) -> str:
    return f"{to_cents(amount):.2f}"
