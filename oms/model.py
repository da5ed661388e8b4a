"""The order as Sales Scaler knows it, and its documented JSON form.

`NormalizedOrder` is what `sales-scaler orders import` reads and what every
channel adapter produces (docs/normalized-order.md). Amounts are decimal
strings in JSON and `Decimal` here; one order has one currency.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from oms.currencies import ISO_4217
from oms.status import OrderStatus

LANGUAGES = ("de", "fr", "it", "en")
Language = Literal["de", "fr", "it", "en"]
_MAX_AMOUNT = Decimal("999999999.99")
_ALPHA2 = re.compile(r"[A-Z]{2}")


class PaymentMethod(StrEnum):
    PREPAID = "prepaid"  # paid before the order reached the seller (card, PayPal, marketplace)
    INVOICE = "invoice"  # the buyer pays after delivery, against our invoice (QR-bill)


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError('must be a decimal string such as "12.50", not a JSON number')
    return value


def _amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError("must not be negative")
    if value > _MAX_AMOUNT:
        raise ValueError(f"must not exceed {_MAX_AMOUNT}")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError("has more than 4 decimal places")
    return value


# Decimal in, decimal string out; floats are refused so that no binary rounding creeps in.
Amount = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    AfterValidator(_amount),
    PlainSerializer(lambda v: str(v), return_type=str, when_used="json"),
]
VatRate = Annotated[
    Decimal,
    Field(ge=0, le=100),
    PlainSerializer(lambda v: str(v), return_type=str, when_used="json"),
]


class Money(BaseModel):
    """An amount with its currency; adding two currencies is a bug, so it raises."""

    model_config = ConfigDict(frozen=True)
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:.2f}"


_Text = Annotated[str, Field(max_length=255)]


def _no_nul(value: object) -> object:
    # PostgreSQL cannot store NUL in text, and no real name or address contains one.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


class _Strict(BaseModel):
    """Base of the order's parts: strips text, refuses unknown fields and NUL characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: object) -> object:
        return _no_nul(value)


class Address(_Strict):
    name: _Text = Field(min_length=1)
    company: _Text | None = None
    street: _Text = Field(min_length=1)
    street2: _Text | None = None
    postal_code: Annotated[str, Field(min_length=1, max_length=16)]
    city: _Text = Field(min_length=1)
    country: str = Field(description="ISO 3166-1 alpha-2")

    @field_validator("country")
    @classmethod
    def _alpha2(cls, value: str) -> str:
        if not _ALPHA2.fullmatch(value):
            raise ValueError("must be an ISO 3166-1 alpha-2 code such as CH")
        return value


class Buyer(_Strict):
    name: _Text = Field(min_length=1)
    # Kept as received: a malformed address must not stop the order, only its emails.
    email: Annotated[str, Field(max_length=320)] | None = None
    language: Language | None = None


class OrderLine(_Strict):
    sku: Annotated[str, Field(max_length=128)] = ""
    name: Annotated[str, Field(min_length=1, max_length=512)]
    quantity: int = Field(gt=0, le=1_000_000)
    unit_price: Amount = Field(description="incl. VAT")
    vat_rate: VatRate = Field(description="percent, e.g. 8.1")
    total: Amount = Field(description="incl. VAT, as the channel gives it")


class Payment(_Strict):
    method: PaymentMethod
    paid: bool


class NormalizedOrder(_Strict):
    """One order in the channel-neutral JSON form."""

    platform: Annotated[str, Field(min_length=1, max_length=32)]
    channel_order_id: Annotated[str, Field(min_length=1, max_length=64)]
    order_number: Annotated[str, Field(min_length=1, max_length=64)]
    ordered_at: datetime
    status: OrderStatus
    currency: str
    buyer: Buyer
    billing_address: Address
    delivery_address: Address
    lines: list[OrderLine] = Field(min_length=1, max_length=1000)
    shipping: Amount
    total: Amount
    payment: Payment

    @field_validator("ordered_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("must be ISO 8601 with a UTC offset, e.g. 2026-11-29T10:15:00+01:00")
        return value

    @field_validator("currency")
    @classmethod
    def _iso4217(cls, value: str) -> str:
        if value not in ISO_4217:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value

    def money(self, amount: Decimal) -> Money:
        return Money(amount=amount, currency=self.currency)


class Tracking(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    tracking_id: Annotated[str, Field(min_length=1, max_length=128)]
    url: Annotated[str, Field(max_length=1024, pattern=r"^https?://\S+$")] | None = None
    carrier: Annotated[str, Field(max_length=64)] | None = None


class Order(BaseModel):
    """An order as stored: the normalized order plus what Sales Scaler added."""

    id: int
    seller_id: int
    connection_id: int
    connection_name: str
    channel_kind: str
    platform: str
    channel_order_id: str
    order_number: str  # unique per seller; the channel's number unless two channels clash
    channel_order_number: str
    ordered_at: datetime
    status: OrderStatus
    currency: str
    buyer: Buyer
    billing_address: Address
    delivery_address: Address
    lines: list[OrderLine]
    shipping: Decimal
    total: Decimal
    payment: Payment
    tracking: Tracking | None
    cancel_reason: str | None
    version: int

    def money(self, amount: Decimal) -> Money:
        return Money(amount=amount, currency=self.currency)


class OrderEvent(BaseModel):
    """One line of an order's timeline."""

    at: datetime
    kind: str
    actor: str
    from_status: str | None
    to_status: str
    details: dict[str, object]
