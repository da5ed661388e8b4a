"""Gapless number sequences per seller, kind and period.

`next_value` increments a row under a row lock inside the caller's transaction:
if that transaction rolls back, so does the number, and nothing is skipped.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oms.store.schema import NumberSequenceRow


def next_value(session: Session, seller_id: int, kind: str, period: int = 0) -> int:
    """The next number of (seller, kind, period), starting at 1."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(NumberSequenceRow)
        .values(seller_id=seller_id, kind=kind, period=period, last_value=0)
        .on_conflict_do_nothing()
    )
    value = session.scalar(
        update(NumberSequenceRow)
        .where(
            NumberSequenceRow.seller_id == seller_id,
            NumberSequenceRow.kind == kind,
            NumberSequenceRow.period == period,
        )
        .values(last_value=NumberSequenceRow.last_value + 1)
        .returning(NumberSequenceRow.last_value)
    )
    assert value is not None
    return int(value)


def current_value(session: Session, seller_id: int, kind: str, period: int = 0) -> int:
    value = session.scalar(
        select(NumberSequenceRow.last_value).where(
            NumberSequenceRow.seller_id == seller_id,
            NumberSequenceRow.kind == kind,
            NumberSequenceRow.period == period,
        )
    )
    return int(value or 0)
