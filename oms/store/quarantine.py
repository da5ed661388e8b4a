"""Channel payloads that could not be mapped: kept whole, with the reason, until retried."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from oms.errors import NotFound
from oms.store.schema import QuarantineRow


@dataclass(frozen=True)
class Quarantined:
    id: int
    connection_id: int | None
    channel_order_id: str | None
    reason: str
    payload: Any
    state: str
    received_at: datetime


def storable(text: str) -> str:
    """Text as PostgreSQL can store it: a NUL (which bad payloads do carry) made visible."""
    return text.replace("\x00", "\\x00")


def _view(row: QuarantineRow) -> Quarantined:
    return Quarantined(
        row.id,
        row.connection_id,
        row.channel_order_id,
        row.reason,
        json.loads(row.payload),
        row.state,
        row.received_at,
    )


def add(
    session: Session,
    seller_id: int,
    connection_id: int | None,
    payload: Any,
    reason: str,
    channel_order_id: str | None = None,
) -> int:
    row = QuarantineRow(
        seller_id=seller_id,
        connection_id=connection_id,
        channel_order_id=storable(channel_order_id)[:64] if channel_order_id else None,
        reason=storable(reason)[:4000],
        payload=json.dumps(payload, default=str),
        state="open",
        received_at=datetime.now(UTC),
        resolved_at=None,
    )
    session.add(row)
    session.flush()
    return row.id


def list_open(session: Session, seller_id: int) -> list[Quarantined]:
    rows = session.scalars(
        select(QuarantineRow)
        .where(QuarantineRow.seller_id == seller_id, QuarantineRow.state == "open")
        .order_by(QuarantineRow.id)
    )
    return [_view(r) for r in rows]


def get(session: Session, seller_id: int, item_id: int) -> Quarantined:
    row = session.get(QuarantineRow, item_id)
    if row is None or row.seller_id != seller_id:
        raise NotFound("quarantined payload", f"#{item_id}")
    return _view(row)


def resolve(session: Session, seller_id: int, item_id: int) -> None:
    session.execute(
        update(QuarantineRow)
        .where(QuarantineRow.id == item_id, QuarantineRow.seller_id == seller_id)
        .values(state="resolved", resolved_at=datetime.now(UTC))
    )


def open_for(
    session: Session, seller_id: int, connection_id: int, channel_order_ids: list[str]
) -> dict[str, list[Quarantined]]:
    """The open rows of those channel order ids of one connection, by channel order id."""
    if not channel_order_ids:
        return {}
    open_here = and_(
        QuarantineRow.seller_id == seller_id,
        QuarantineRow.connection_id == connection_id,
        QuarantineRow.state == "open",
    )
    if session.scalar(select(QuarantineRow.id).where(open_here).limit(1)) is None:
        return {}  # the usual case: nothing of this connection waits, no need to look up ids
    rows = session.scalars(
        select(QuarantineRow)
        .where(
            QuarantineRow.seller_id == seller_id,
            QuarantineRow.connection_id == connection_id,
            QuarantineRow.state == "open",
            QuarantineRow.channel_order_id.in_(list({storable(i) for i in channel_order_ids})),
        )
        .order_by(QuarantineRow.id)
    )
    found: dict[str, list[Quarantined]] = {}
    for row in rows:
        found.setdefault(row.channel_order_id or "", []).append(_view(row))
    return found


def resolve_many(session: Session, seller_id: int, item_ids: list[int]) -> None:
    """Resolve several rows at once (superseded by a newer payload, or mapped after all)."""
    if item_ids:
        session.execute(
            update(QuarantineRow)
            .where(QuarantineRow.id.in_(item_ids), QuarantineRow.seller_id == seller_id)
            .values(state="resolved", resolved_at=datetime.now(UTC))
        )
