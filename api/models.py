"""Request and response bodies of the API (pydantic); the domain models are reused as they are."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from oms.actions import BulkResult
from oms.connection import ChannelKind, ConnectionOptions
from oms.model import Order, OrderEvent, Tracking
from oms.status import OrderStatus

MAX_BULK = 10_000
OrderNumber = Annotated[str, Field(min_length=1, max_length=64, examples=["1001"])]
DocumentKind = Literal["invoice", "delivery_note"]
DecimalText = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Me(BaseModel):
    slug: str
    name: str


class OrderRow(BaseModel):
    """One line of the orders list."""

    id: int
    order_number: str
    channel: str
    ordered_at: datetime
    status: OrderStatus
    buyer_name: str
    total: DecimalText
    currency: str
    payment_method: str
    paid: bool
    tracking_id: str | None


class OrderPage(BaseModel):
    items: list[OrderRow]
    next_cursor: int | None = Field(
        description="Pass as `after` for the next page; null on the last page"
    )


class OrderWithTimeline(BaseModel):
    order: Order
    timeline: list[OrderEvent]


class OrderNumbers(Strict):
    order_numbers: list[OrderNumber] = Field(min_length=1, max_length=MAX_BULK)


class CancelOne(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=512)]


class CancelMany(OrderNumbers):
    reason: Annotated[str, Field(min_length=1, max_length=512)]


class TrackItem(Tracking):
    order_number: OrderNumber


class TrackMany(Strict):
    items: list[TrackItem] = Field(min_length=1, max_length=MAX_BULK)


class ShipOne(Strict):
    tracking: Tracking | None = None


class ShipItem(Strict):
    order_number: OrderNumber
    tracking: Tracking | None = None


class ShipMany(Strict):
    items: list[ShipItem] = Field(min_length=1, max_length=MAX_BULK)


class Refused(BaseModel):
    order_number: str
    reason: str


class BulkAnswer(BaseModel):
    """What a bulk action did: the orders changed, and each refused one with its reason."""

    count: int
    applied: list[str]
    refused: list[Refused]

    @classmethod
    def of(cls, result: BulkResult) -> BulkAnswer:
        return cls(
            count=result.count,
            applied=result.applied,
            refused=[Refused(order_number=r.order_number, reason=r.reason) for r in result.refused],
        )


class MergeRequest(Strict):
    order_numbers: list[OrderNumber] = Field(min_length=1, max_length=MAX_BULK)
    kinds: list[DocumentKind] = Field(default=["invoice"], min_length=1, max_length=2)


class ChannelIn(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    platform: Annotated[str, Field(max_length=32)]
    kind: ChannelKind | None = None
    base_url: Annotated[str, Field(max_length=512)]
    credentials_ref: Annotated[
        str, Field(max_length=256, description="env:VARIABLE or block:name, never the secret")
    ]
    options: ConnectionOptions = Field(default_factory=ConnectionOptions)


class ChannelOut(BaseModel):
    name: str
    platform: str
    kind: ChannelKind
    base_url: str
    credentials_ref: str
    options: dict[str, Any]
    sync_cursor: str | None


class QuarantinedOut(BaseModel):
    id: int
    connection_id: int | None
    channel_order_id: str | None
    reason: str
    payload: Any
    state: str
    received_at: datetime
