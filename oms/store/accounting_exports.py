"""Export state of bookings per target (csv, bexio): claim a batch, record what the target did.

    pending ──claim──▶ sending ──ok──▶ done (remote id, batch)
       ▲                  │ failed, retryable: pending again after a back-off
       └──────────────────┤ failed for good / too many attempts: dead, with the reason
                          │ lease ran out (the worker died): the same batch is claimed again,
                          ▼ whole and under the same name, and marked uncertain
The batch name is kept with each row, so that re-sending a batch rewrites the same
file (csv) and an uncertain row is looked up at the target before it is posted (bexio).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, exists, false, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oms.accounting import ExportOutcome
from oms.store.accounting import StoredBooking, load_bookings
from oms.store.accounting_schema import BookingExportRow, BookingRow
from oms.store.outbox import backoff
from oms.store.schema import cast_table, rowcount

PENDING, SENDING, DONE, DEAD = "pending", "sending", "done", "dead"
exports = cast_table(BookingExportRow)


@dataclass(frozen=True)
class ExportItem:
    export_id: int
    stored: StoredBooking
    batch: str
    attempts: int  # including this one
    uncertain: bool  # an earlier attempt may have reached the target


def _now() -> datetime:
    return datetime.now(UTC)


def queue_new(session: Session, seller_id: int, target: str) -> None:
    """Add a pending export row for every booking of the seller that has none for `target`."""
    now = _now()
    missing = select(
        BookingRow.id,
        BookingRow.seller_id,
        literal(target),
        literal(PENDING),
        literal(0),
        false(),
        literal(now, BookingExportRow.available_at.type),
    ).where(
        BookingRow.seller_id == seller_id,
        ~exists().where(
            BookingExportRow.booking_id == BookingRow.id, BookingExportRow.target == target
        ),
    )
    columns = [
        "booking_id",
        "seller_id",
        "target",
        "state",
        "attempts",
        "uncertain",
        "available_at",
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(exports).from_select(columns, missing).on_conflict_do_nothing()
    session.execute(stmt)


def claim(
    session: Session,
    seller_id: int,
    target: str,
    limit: int,
    batch_prefix: str,
    lease_seconds: int = 300,
    since: date | None = None,
) -> list[ExportItem]:
    """A batch to send: a stale batch again (whole, same name), else up to `limit` ready rows."""
    queue_new(session, seller_id, target)
    now = _now()
    mine = and_(BookingExportRow.seller_id == seller_id, BookingExportRow.target == target)
    pg = session.get_bind().dialect.name == "postgresql"
    stale = session.scalar(
        select(BookingExportRow.batch)
        .where(mine, BookingExportRow.state == SENDING, BookingExportRow.claimed_until < now)
        .limit(1)
    )
    if stale is not None:
        batch = stale
        query = select(BookingExportRow.id).where(
            mine, BookingExportRow.state == SENDING, BookingExportRow.batch == stale
        )
    else:
        batch = f"{batch_prefix}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        query = (
            select(BookingExportRow.id)
            .join(BookingRow, BookingRow.id == BookingExportRow.booking_id)
            .where(mine, BookingExportRow.state == PENDING, BookingExportRow.available_at <= now)
            .order_by(BookingExportRow.booking_id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(BookingRow.booked_on >= since)
    if pg:
        query = query.with_for_update(skip_locked=True, of=BookingExportRow)
    ids = list(session.scalars(query))
    if not ids:
        return []
    values: dict[str, object] = {
        "state": SENDING,
        "batch": batch,
        "claimed_until": now + timedelta(seconds=lease_seconds),
        "attempts": BookingExportRow.attempts + 1,
    }
    if stale is not None:
        values["uncertain"] = True  # the worker that sent it died: it may have arrived
    session.execute(update(BookingExportRow).where(BookingExportRow.id.in_(ids)).values(values))
    rows = list(
        session.scalars(
            select(BookingExportRow)
            .where(BookingExportRow.id.in_(ids))
            .order_by(BookingExportRow.booking_id)
        )
    )
    booked = {b.id: b for b in load_bookings(session, [r.booking_id for r in rows])}
    return [ExportItem(r.id, booked[r.booking_id], batch, r.attempts, r.uncertain) for r in rows]


def record(
    session: Session,
    items: Sequence[ExportItem],
    outcomes: Mapping[int, ExportOutcome],
    max_attempts: int,
) -> dict[str, int]:
    """Write each booking's outcome (keyed by booking id); returns done / retried / dead counts."""
    now = _now()
    counts = {DONE: 0, "retried": 0, DEAD: 0}
    for item in items:
        outcome = outcomes.get(item.stored.id) or ExportOutcome.retry("no outcome", True)
        where = BookingExportRow.id == item.export_id
        if outcome.ok:
            values: dict[str, object] = {
                "state": DONE,
                "remote_id": outcome.remote_id,
                "exported_at": now,
                "claimed_until": None,
                "last_error": None,
                "uncertain": False,
            }
            counts[DONE] += 1
        else:
            dead = not outcome.retryable or item.attempts >= max_attempts
            delay = (
                outcome.retry_after if outcome.retry_after is not None else backoff(item.attempts)
            )
            values = {
                "state": DEAD if dead else PENDING,
                "last_error": (outcome.error or "failed")[:4000],
                "claimed_until": None,
                "uncertain": item.uncertain or outcome.uncertain,
                "available_at": now + timedelta(seconds=0 if dead else delay),
            }
            counts[DEAD if dead else "retried"] += 1
        session.execute(update(BookingExportRow).where(where).values(values))
    return counts


def revive(session: Session, seller_id: int, target: str) -> int:
    """Put dead exports back in the queue (after the cause was fixed); keeps them uncertain."""
    result = session.execute(
        update(BookingExportRow)
        .where(
            BookingExportRow.seller_id == seller_id,
            BookingExportRow.target == target,
            BookingExportRow.state == DEAD,
        )
        .values(state=PENDING, attempts=0, available_at=_now())
    )
    return rowcount(result)


def state_counts(session: Session, seller_id: int, target: str) -> dict[str, int]:
    query = (
        select(BookingExportRow.state, func.count())
        .where(BookingExportRow.seller_id == seller_id, BookingExportRow.target == target)
        .group_by(BookingExportRow.state)
    )
    return {state: n for state, n in session.execute(query).all()}


def failures(session: Session, seller_id: int, target: str) -> list[tuple[str, str, str]]:
    """(voucher, state, last error) of every export that is not done and has failed before."""
    query = (
        select(BookingRow.voucher, BookingExportRow.state, BookingExportRow.last_error)
        .join(BookingRow, BookingRow.id == BookingExportRow.booking_id)
        .where(
            BookingExportRow.seller_id == seller_id,
            BookingExportRow.target == target,
            BookingExportRow.state != DONE,
            BookingExportRow.last_error.is_not(None),
        )
        .order_by(BookingRow.id)
    )
    return [(v, s, e or "") for v, s, e in session.execute(query).all()]
