"""Events made the real way (oms.actions, the outbox contract of the documents flow)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from sqlalchemy import Engine

from oms.draining import DrainReport, drain
from oms.effects import Event, Topic
from oms.seller import Seller
from oms.store import orders as order_store
from oms.store import outbox
from oms.store.accounting import record_events
from oms.store.db import transaction


def issue_invoice(engine: Engine, seller: Seller, order_number: str, invoice_number: str) -> None:
    """What the documents flow writes with an invoice row (COMMON.md contract)."""
    with transaction(engine) as session:
        order = order_store.get_order(session, seller, order_number)
        outbox.enqueue(
            session,
            seller.id,
            order.id,
            Topic.ACCOUNTING,
            Event.INVOICE_ISSUED.value,
            str(order.id),
            {
                "invoice_number": invoice_number,
                "document_id": order.id,
                "issued_at": datetime.now(UTC).isoformat(),
            },
        )


def book_all(engine: Engine) -> DrainReport:
    """Drain the accounting outbox into bookings, as the flow does."""
    return drain(engine, Topic.ACCOUNTING, partial(record_events, engine), in_order=True)
