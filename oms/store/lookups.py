"""Look-ups by a list of values that stay fast on PostgreSQL however long the list is."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, String, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column` is one of `values` (strings or integers), as one parameter however many
    values: a query with thousands of placeholders costs more to compile and prepare than
    to run. PostgreSQL: `column = ANY(:array)` (use it after `custom_plans`: see there);
    SQLite: `column IN (SELECT value FROM json_each(:json))`."""
    if _postgres(session):
        kind = ARRAY(String) if isinstance(column.type, String) else ARRAY(column.type)
        return cast(ColumnElement[bool], column == any_(bindparam(None, list(values), type_=kind)))
    listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String))
    return cast(ColumnElement[bool], column.in_(select(listed.table_valued("value").c.value)))


def custom_plans(session: Session) -> None:
    """PostgreSQL plans each statement of this transaction for its own parameters, taking
    pages as cached (random_page_cost 1.1 instead of 4.0); both for this transaction only.

    psycopg prepares a statement from its sixth run on, and PostgreSQL then settles on a
    generic plan that cannot see the array of `= ANY(:array)`: while the orders table is
    young (or its statistics are stale) that plan scans the table and tests every row
    against the whole array, so a batch of 1,000 orders went from 0.13 s to 1-6 s by the
    time 20,000 were stored. Even a custom plan, at the default page cost, scanned all of
    orders once per bulk action of 5,000 numbers (63 ms at 100,000 orders) instead of
    probing the (seller_id, order_number) index (12 ms)."""
    if _postgres(session):
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.execute(text("SET LOCAL random_page_cost = 1.1"))
