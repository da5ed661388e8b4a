"""Retrying a quarantined payload: map it again with its connection's adapter and store it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine

from adapters.channels.base import MappingError
from adapters.channels.registry import channel_for
from oms.connection import ChannelConnection
from oms.errors import NotFound
from oms.ingest import UNMAPPABLE
from oms.model import NormalizedOrder
from oms.seller import Seller
from oms.status import Actor
from oms.store import orders as order_store
from oms.store import quarantine
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.orders import UpsertResult


def map_again(conn: ChannelConnection, raw: dict[str, Any]) -> NormalizedOrder:
    """Map with the connection's adapter (its options: language, pay-by-invoice methods).
    Mapping sends no request, so no credential is needed."""
    with httpx.Client() as client:
        channel = channel_for(conn, client, "")
        try:
            return channel.map_order(raw)
        except MappingError:
            raise
        except UNMAPPABLE as exc:
            raise MappingError(str(exc) or type(exc).__name__) from exc


def retry_quarantined(engine: Engine, seller: Seller, item_id: int) -> UpsertResult:
    """Upsert the payload of quarantine row `item_id` and resolve the row, in one transaction;
    MappingError (the row stays open) when it still cannot be mapped."""
    with transaction(engine) as session:
        item = quarantine.get(session, seller.id, item_id)
        if item.state != "open":
            raise NotFound("open quarantined payload", f"#{item_id}")
        conns = {c.id: c for c in seller_store.list_connections(session, seller)}
        conn = conns.get(item.connection_id or -1)
        if conn is None:
            raise NotFound("channel of quarantined payload", f"#{item_id}")
        order = map_again(conn, item.payload)
        result = order_store.upsert_orders(session, seller, conn, [order], actor=Actor.CHANNEL)
        quarantine.resolve(session, seller.id, item_id)
        return result
