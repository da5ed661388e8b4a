"""`/v1/orders`: list, show with timeline, and the seller actions, one order or many."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from api.auth import EngineDep, SellerDep
from api.errors import ERROR_RESPONSES, refuse_nul
from api.models import (
    BulkAnswer,
    CancelMany,
    CancelOne,
    OrderNumbers,
    OrderPage,
    OrderRow,
    OrderWithTimeline,
    ShipMany,
    ShipOne,
    TrackMany,
)
from oms import actions
from oms.actions import BulkResult
from oms.model import Order, Tracking
from oms.seller import Seller
from oms.status import OrderStatus
from oms.store import orders as store
from oms.store.db import transaction

router = APIRouter(
    prefix="/v1/orders",
    tags=["orders"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(refuse_nul)],
)
NumberPath = Annotated[str, Path(min_length=1, max_length=64, description="The order number")]
MAX_ID = 2**53


class OrderFilter(BaseModel):
    """Which orders to list, and where the page starts; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")
    status: OrderStatus | None = Field(None, description="Only orders in this status")
    channel: str | None = Field(None, max_length=64, description="Only orders of this channel")
    after: int = Field(0, ge=0, le=MAX_ID, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=1000)


@router.get("", summary="List orders, oldest first, page by page")
def list_orders(
    engine: EngineDep, seller: SellerDep, query: Annotated[OrderFilter, Query()]
) -> OrderPage:
    with transaction(engine) as session:
        rows = store.list_orders(
            session,
            seller,
            status=query.status,
            channel=query.channel,
            after_id=query.after,
            limit=query.limit,
        )
    items = [OrderRow.model_validate(r, from_attributes=True) for r in rows]
    return OrderPage(items=items, next_cursor=rows[-1].id if len(rows) == query.limit else None)


def _order(engine: Engine, seller: Seller, number: str) -> Order:
    with transaction(engine) as session:
        return store.get_order(session, seller, number)


@router.get("/{number}", summary="One order with its lines and its timeline")
def show_order(engine: EngineDep, seller: SellerDep, number: NumberPath) -> OrderWithTimeline:
    with transaction(engine) as session:
        order = store.get_order(session, seller, number)
        events = store.timeline(session, seller, number)
    return OrderWithTimeline(order=order, timeline=events)


def _single(engine: Engine, seller: Seller, number: str, result: BulkResult) -> Order:
    result.raise_for_single()
    return _order(engine, seller, number)


@router.post("/{number}/confirm", summary="Confirm an open order")
def confirm_one(engine: EngineDep, seller: SellerDep, number: NumberPath) -> Order:
    return _single(engine, seller, number, actions.confirm(engine, seller, [number]))


@router.post("/{number}/cancel", summary="Cancel an open or confirmed order")
def cancel_one(engine: EngineDep, seller: SellerDep, number: NumberPath, body: CancelOne) -> Order:
    return _single(engine, seller, number, actions.cancel(engine, seller, [number], body.reason))


@router.post("/{number}/track", summary="Add or change the tracking of a confirmed order")
def track_one(engine: EngineDep, seller: SellerDep, number: NumberPath, body: Tracking) -> Order:
    return _single(engine, seller, number, actions.track(engine, seller, [(number, body)]))


@router.post("/{number}/ship", summary="Ship a confirmed order, optionally with tracking")
def ship_one(
    engine: EngineDep, seller: SellerDep, number: NumberPath, body: ShipOne | None = None
) -> Order:
    tracking = body.tracking if body else None
    return _single(engine, seller, number, actions.ship(engine, seller, [(number, tracking)]))


@router.post("/{number}/deliver", summary="Mark a shipped order delivered")
def deliver_one(engine: EngineDep, seller: SellerDep, number: NumberPath) -> Order:
    return _single(engine, seller, number, actions.deliver(engine, seller, [number]))


@router.post("/{number}/paid", summary="Record the buyer's payment of an order")
def paid_one(engine: EngineDep, seller: SellerDep, number: NumberPath) -> Order:
    return _single(engine, seller, number, actions.mark_paid(engine, seller, [number]))


@router.post("/confirm", summary="Confirm many orders; refused ones are listed with reasons")
def confirm_many(engine: EngineDep, seller: SellerDep, body: OrderNumbers) -> BulkAnswer:
    return BulkAnswer.of(actions.confirm(engine, seller, body.order_numbers))


@router.post("/cancel", summary="Cancel many orders with one reason")
def cancel_many(engine: EngineDep, seller: SellerDep, body: CancelMany) -> BulkAnswer:
    return BulkAnswer.of(actions.cancel(engine, seller, body.order_numbers, body.reason))


@router.post("/track", summary="Set the tracking of many confirmed orders, each its own")
def track_many(engine: EngineDep, seller: SellerDep, body: TrackMany) -> BulkAnswer:
    items = [
        (i.order_number, Tracking(tracking_id=i.tracking_id, url=i.url, carrier=i.carrier))
        for i in body.items
    ]
    return BulkAnswer.of(actions.track(engine, seller, items))


@router.post("/ship", summary="Ship many confirmed orders, each optionally with tracking")
def ship_many(engine: EngineDep, seller: SellerDep, body: ShipMany) -> BulkAnswer:
    items = [(i.order_number, i.tracking) for i in body.items]
    return BulkAnswer.of(actions.ship(engine, seller, items))


@router.post("/deliver", summary="Mark many shipped orders delivered")
def deliver_many(engine: EngineDep, seller: SellerDep, body: OrderNumbers) -> BulkAnswer:
    return BulkAnswer.of(actions.deliver(engine, seller, body.order_numbers))


@router.post("/paid", summary="Record the payment of many orders")
def paid_many(engine: EngineDep, seller: SellerDep, body: OrderNumbers) -> BulkAnswer:
    return BulkAnswer.of(actions.mark_paid(engine, seller, body.order_numbers))
