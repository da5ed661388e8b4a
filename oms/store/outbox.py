"""The outbox: side effects written with the change that causes them, drained by flows.

A consumer claims a batch (a lease: `claimed_until`), does the work, then marks
each row done, or failed (retried later with back-off), or dead after the last
attempt. On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so any number of
workers drain one outbox without taking a row twice; a worker that dies leaves
its rows to be claimed again once the lease runs out. Rows are never deleted.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from oms.effects import Topic
from oms.store.schema import OutboxRow, rowcount

PENDING, DONE, DEAD = "pending", "done", "dead"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    seller_id: int
    order_id: int
    topic: str
    event: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int  # including the current one


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(
    session: Session,
    seller_id: int,
    order_id: int,
    topic: Topic,
    event: str,
    idempotency_key: str,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Add one outbox row unless its key exists already; True when it was added."""
    now = _now()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(OutboxRow)
        .values(
            seller_id=seller_id,
            order_id=order_id,
            topic=topic.value,
            event=event,
            idempotency_key=idempotency_key,
            payload=json.dumps(payload or {}, default=str),
            state=PENDING,
            attempts=0,
            available_at=now,
            created_at=now,
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
    """Take up to `limit` ready rows of `topic` (oldest first) for `lease_seconds`.

    in_order: skip a row while an older row of the same order and topic is not done,
    so that a channel never sees "shipped" before "confirmed".
    """
    now = _now()
    ready = and_(
        OutboxRow.topic == topic.value,
        # A literal, not a bound parameter: the planners of both databases use the
        # partial index ix_outbox_pending only when they can match its predicate.
        OutboxRow.state == literal_column(f"'{PENDING}'"),
        OutboxRow.available_at <= now,
        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
    )
    query = select(OutboxRow.id).where(ready).order_by(OutboxRow.id).limit(limit)
    if seller_id is not None:
        query = query.where(OutboxRow.seller_id == seller_id)
    if in_order:
        older = aliased(OutboxRow)
        query = query.where(
            ~exists().where(
                older.topic == OutboxRow.topic,
                older.order_id == OutboxRow.order_id,
                older.id < OutboxRow.id,
                older.state != DONE,
            )
        )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return []
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_(ids))
        .values(
            claimed_until=now + timedelta(seconds=lease_seconds),
            attempts=OutboxRow.attempts + 1,
        )
    )
    rows = session.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id))
    return [
        OutboxItem(
            id=r.id,
            seller_id=r.seller_id,
            order_id=r.order_id,
            topic=r.topic,
            event=r.event,
            idempotency_key=r.idempotency_key,
            payload=json.loads(r.payload),
            attempts=r.attempts,
        )
        for r in rows
    ]


def mark_done(session: Session, ids: Sequence[int]) -> None:
    if ids:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(list(ids)), OutboxRow.state == PENDING)
            .values(state=DONE, done_at=_now(), claimed_until=None, last_error=None)
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
    changed = session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == item.id, OutboxRow.state == PENDING)
        .values(
            state=DEAD if dead else PENDING,
            last_error=error[:4000],
            claimed_until=None,
            available_at=_now() + timedelta(seconds=0 if dead else delay),
        )
    )
    if not rowcount(changed):
        return session.scalar(select(OutboxRow.state).where(OutboxRow.id == item.id)) or DONE
    return DEAD if dead else PENDING


def release(session: Session, ids: Sequence[int]) -> None:
    """Give claimed rows back untouched (the attempt did not happen)."""
    if ids:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(list(ids)), OutboxRow.state == PENDING)
            .values(claimed_until=None, attempts=OutboxRow.attempts - 1)
        )


def revive(session: Session, ids: Sequence[int]) -> int:
    """Put dead rows back in the queue (after the cause was fixed)."""
    return rowcount(
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(list(ids)), OutboxRow.state == DEAD)
            .values(state=PENDING, attempts=0, available_at=_now(), claimed_until=None)
        )
    )


def counts(session: Session, seller_id: int | None = None) -> dict[tuple[str, str], int]:
    """(topic, state) -> rows."""
    query = select(OutboxRow.topic, OutboxRow.state, func.count()).group_by(
        OutboxRow.topic, OutboxRow.state
    )
    if seller_id is not None:
        query = query.where(OutboxRow.seller_id == seller_id)
    return {(t, s): n for t, s, n in session.execute(query).all()}
