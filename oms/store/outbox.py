"""The outbox: side effects written with the change that causes them, drained by flows.

One row per change of an order; each consumer (topic) has its own columns in it (see
OutboxRow). A consumer claims a batch of its pending work (a lease: `<topic>_claimed_until`),
does the work, then marks each item done, or failed (retried later with back-off), or
dead after the last attempt. On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so any
number of workers drain one topic without taking an item twice; a worker that dies
leaves its items to be claimed again once the lease runs out. The row lock covers the
whole row, so a claim may pass over a row that another topic's worker is marking at that
moment: it is claimed on the next batch. Rows are never deleted.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oms.effects import Topic
from oms.store.schema import (
    OUTBOX_TOPICS,
    OrderRow,
    OutboxItemRow,
    OutboxRow,
    cast_table,
    rowcount,
)

PENDING, DONE, DEAD = "pending", "done", "dead"

outbox = cast_table(OutboxRow)


@dataclass(frozen=True)
class OutboxItem:
    """One side effect: the outbox row `id`, seen by the consumer of `topic`."""

    id: int
    seller_id: int
    order_id: int
    topic: str
    event: str
    idempotency_key: str  # <topic>:<event>:<the row's key>
    payload: dict[str, Any]
    attempts: int  # including the current one


class Columns:
    """The column group of one topic."""

    def __init__(self, topic: Topic | str) -> None:
        name = Topic(topic).value
        c = outbox.c
        self.event = c[f"{name}_event"]
        self.state = c[f"{name}_state"]
        self.attempts = c[f"{name}_attempts"]
        self.available_at = c[f"{name}_available_at"]
        self.claimed_until = c[f"{name}_claimed_until"]
        self.last_error = c[f"{name}_last_error"]
        self.done_at = c[f"{name}_done_at"]


def columns(topic: Topic | str) -> Columns:
    return _COLUMNS[Topic(topic).value]


_COLUMNS = {t: Columns(t) for t in OUTBOX_TOPICS}


def _now() -> datetime:
    return datetime.now(UTC)


def item_key(topic: str, event: str, key: str) -> str:
    return f"{topic}:{event}:{key}"


def enqueue(
    session: Session,
    seller_id: int,
    order_id: int,
    topic: Topic,
    event: str,
    idempotency_key: str,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Add one side effect unless the order has a row with this key already; True when
    added. `idempotency_key` is unique per order; the item's key is `topic:event:key`."""
    col = columns(topic)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(outbox)
        .values(
            {
                "seller_id": seller_id,
                "order_id": order_id,
                "idempotency_key": idempotency_key,
                "payload": json.dumps(payload or {}, default=str),
                "created_at": _now(),
                col.event.name: event,
                col.state.name: PENDING,
            }
        )
        .on_conflict_do_nothing(index_elements=["order_id", "idempotency_key"])
    )
    return bool(rowcount(session.execute(stmt)))


def claim(
    session: Session,
    topic: Topic,
    limit: int,
    lease_seconds: int = 300,
    seller_id: int | None = None,
    in_order: bool = False,
) -> list[OutboxItem]:
    """Take up to `limit` ready items of `topic` (oldest first) for `lease_seconds`.

    in_order: skip an item while an older one of the same order and topic is not done,
    so that a channel never sees "shipped" before "confirmed".
    """
    now = _now()
    col = columns(topic)
    ready = and_(
        # A literal, not a bound parameter: the planners of both databases use the
        # topic's partial index only when they can match its predicate.
        col.state == literal_column(f"'{PENDING}'"),
        or_(col.available_at.is_(None), col.available_at <= now),
        or_(col.claimed_until.is_(None), col.claimed_until < now),
    )
    query = select(outbox.c.id).where(ready).order_by(outbox.c.id).limit(limit)
    if seller_id is not None:
        query = query.where(outbox.c.seller_id == seller_id)
    if in_order:
        older = outbox.alias("older")
        older_state = older.c[col.state.name]
        query = query.where(
            ~exists().where(
                older.c.order_id == outbox.c.order_id,
                older.c.id < outbox.c.id,
                older_state != DONE,  # NULL (nothing for this topic) does not hold back
            )
        )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return []
    session.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids))
        .values(
            {
                col.claimed_until: now + timedelta(seconds=lease_seconds),
                col.attempts: col.attempts + 1,
            }
        )
    )
    rows = session.execute(
        select(
            outbox.c.id,
            outbox.c.seller_id,
            outbox.c.order_id,
            col.event,
            outbox.c.idempotency_key,
            outbox.c.payload,
            col.attempts,
        )
        .where(outbox.c.id.in_(ids))
        .order_by(outbox.c.id)
    )
    name = Topic(topic).value
    return [
        OutboxItem(
            id=r[0],
            seller_id=r[1],
            order_id=r[2],
            topic=name,
            event=r[3],
            idempotency_key=item_key(name, r[3], r[4]),
            payload=json.loads(r[5]),
            attempts=r[6],
        )
        for r in rows
    ]


def _pending(col: Columns, ids: Sequence[int]) -> list[ColumnElement[bool]]:
    return [outbox.c.id.in_(list(ids)), col.state == PENDING]


def mark_done(session: Session, topic: Topic | str, ids: Sequence[int]) -> None:
    if ids:
        col = columns(topic)
        session.execute(
            update(outbox)
            .where(*_pending(col, ids))
            .values(
                {
                    col.state: DONE,
                    col.done_at: _now(),
                    col.claimed_until: None,
                    col.last_error: None,
                }
            )
        )


def backoff(attempts: int, base: float = 5.0, cap: float = 3600.0) -> float:
    """Exponential back-off with full jitter, in seconds."""
    return random.uniform(0, min(cap, base * 2 ** max(0, attempts - 1)))


def mark_failed(
    session: Session,
    item: OutboxItem,
    error: str,
    retryable: bool,
    max_attempts: int,
    retry_after: float | None = None,
) -> str:
    """Record a failed attempt: pending again after a back-off, or dead. Returns the new state.

    A row the handler has already marked done (a consumer that commits each item as it
    goes, then breaks) stays done: it is reported as done, never queued again.
    """
    dead = not retryable or item.attempts >= max_attempts
    delay = retry_after if retry_after is not None else backoff(item.attempts)
    col = columns(item.topic)
    changed = session.execute(
        update(outbox)
        .where(*_pending(col, [item.id]))
        .values(
            {
                col.state: DEAD if dead else PENDING,
                col.last_error: error[:4000],
                col.claimed_until: None,
                col.available_at: _now() + timedelta(seconds=0 if dead else delay),
            }
        )
    )
    if not rowcount(changed):
        return session.scalar(select(col.state).where(outbox.c.id == item.id)) or DONE
    return DEAD if dead else PENDING


def release(session: Session, topic: Topic | str, ids: Sequence[int]) -> None:
    """Give claimed items back untouched (the attempt did not happen)."""
    if ids:
        col = columns(topic)
        session.execute(
            update(outbox)
            .where(*_pending(col, ids), col.claimed_until.is_not(None))
            .values({col.claimed_until: None, col.attempts: col.attempts - 1})
        )


def revive(
    session: Session, topic: Topic | str, ids: Sequence[int], seller_id: int | None = None
) -> int:
    """Put dead items back in the queue (after the cause was fixed); returns how many.
    The last error stays until the next attempt replaces it or the item is done."""
    col = columns(topic)
    stmt = update(outbox).where(outbox.c.id.in_(list(ids)), col.state == DEAD)
    if seller_id is not None:
        stmt = stmt.where(outbox.c.seller_id == seller_id)
    values = {col.state: PENDING, col.attempts: 0, col.available_at: None, col.claimed_until: None}
    return rowcount(session.execute(stmt.values(values)))


def dead_among(
    session: Session, topic: Topic | str, ids: Sequence[int], seller_id: int | None = None
) -> set[int]:
    """Those of `ids` whose `topic` item is dead (of `seller_id`)."""
    col = columns(topic)
    query = select(outbox.c.id).where(outbox.c.id.in_(list(ids)), col.state == DEAD)
    if seller_id is not None:
        query = query.where(outbox.c.seller_id == seller_id)
    return set(session.scalars(query))


@dataclass(frozen=True)
class DeadItem:
    id: int
    topic: str
    event: str
    order_number: str | None
    attempts: int
    last_error: str | None
    created_at: datetime


def dead_items(
    session: Session,
    seller_id: int | None = None,
    topic: Topic | str | None = None,
    limit: int = 100,
) -> list[DeadItem]:
    """The side effects parked as dead (oldest first), with their order's number."""
    items = cast_table(OutboxItemRow)
    orders = cast_table(OrderRow)
    query = (
        select(
            items.c.id,
            items.c.topic,
            items.c.event,
            orders.c.order_number,
            items.c.attempts,
            items.c.last_error,
            items.c.created_at,
        )
        .select_from(items.outerjoin(orders, orders.c.id == items.c.order_id))
        .where(items.c.state == DEAD)
        .order_by(items.c.id, items.c.topic)
        .limit(limit)
    )
    if seller_id is not None:
        query = query.where(items.c.seller_id == seller_id)
    if topic is not None:
        query = query.where(items.c.topic == Topic(topic).value)
    return [DeadItem(*row) for row in session.execute(query)]


def counts(session: Session, seller_id: int | None = None) -> dict[tuple[str, str], int]:
    """(topic, state) -> items, from the view of one row per side effect."""
    items = cast_table(OutboxItemRow)
    query = select(items.c.topic, items.c.state, func.count()).group_by(
        items.c.topic, items.c.state
    )
    if seller_id is not None:
        query = query.where(items.c.seller_id == seller_id)
    return {(t, s): n for t, s, n in session.execute(query).all()}
