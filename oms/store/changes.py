"""Set-based state changes: one UPDATE per (batch, from-status), then the audit rows
and the outbox rows of the same orders with INSERT ... SELECT, in the caller's transaction:
three rows per changed order, the outbox row naming every side effect of the change.

Every changed row is stamped with a change id, so the follow-up statements find
exactly the orders this statement changed, even when other writers run at once.

The outbox INSERT is plain (no ON CONFLICT): its key is the order's id and version,
which the same statement increments, so no two changes can produce the same key; a
duplicate would be a bug and fails the whole change. (ON CONFLICT costs a
speculative insertion per row on PostgreSQL.)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    String,
    and_,
    bindparam,
    case,
    cast,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from oms.effects import EffectRule
from oms.status import OrderStatus
from oms.store.lookups import custom_plans, one_of
from oms.store.outbox import PENDING
from oms.store.schema import ChannelRow, OrderEventRow, OrderRow, OutboxRow, cast_table, rowcount

orders = cast_table(OrderRow)
events = cast_table(OrderEventRow)
outbox = cast_table(OutboxRow)
channels = cast_table(ChannelRow)


@dataclass(frozen=True)
class Step:
    """One kind of change applied to a set of orders.

    `src` is the status an order must have; `dst` the status it gets (None: unchanged,
    as for "paid"). `extra_where` narrows the set (e.g. not paid yet).
    """

    seller_id: int
    kind: str  # the audit word: confirm, cancel, track, ship, deliver, paid
    actor: str
    src: OrderStatus
    dst: OrderStatus
    rules: Sequence[EffectRule] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)  # same for every order
    extra_where: tuple[ColumnElement[bool], ...] = ()


def new_change_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(step: Step, now: datetime, cid: str | None = None) -> dict[str, Any]:
    """The new values of a changed order; `cid` where the side rows find the orders by it
    (SQLite). PostgreSQL takes them from UPDATE ... RETURNING and leaves ix_orders_change
    alone."""
    values = {
        "status": step.dst.value,
        "version": orders.c.version + 1,
        "updated_at": now,
        **step.values,
    }
    if cid is not None:
        values["change_id"] = cid
    return values


def _base_where(step: Step, status_indexed: bool = True) -> list[ColumnElement[bool]]:
    """The orders `step` may change. status_indexed=False writes the status test as an
    expression (`status || ''`), which SQLite cannot answer from an index: use it when
    the orders are picked by number, so that SQLite probes (seller_id, order_number)
    instead of walking every order in (seller_id, status) and testing its number (one
    such walk per batch made a bulk confirm of 100,000 orders quadratic)."""
    status = orders.c.status if status_indexed else orders.c.status.concat("")
    return [orders.c.seller_id == step.seller_id, status == step.src.value, *step.extra_where]


def apply_to_numbers(session: Session, step: Step, numbers: Sequence[str]) -> list[str]:
    """Apply `step` to those of `numbers` that qualify; returns the numbers changed."""
    if not numbers:
        return []
    custom_plans(session)
    distinct = list(dict.fromkeys(numbers))
    return _apply(session, step, one_of(session, orders.c.order_number, distinct), distinct)


def apply_to_status(session: Session, step: Step, limit: int) -> int:
    """Apply `step` to up to `limit` orders in `step.src` (oldest first); returns the count.

    On PostgreSQL the candidates are locked with SKIP LOCKED, so concurrent runs share
    the work instead of queueing behind each other; the status test in the UPDATE
    makes sure no order is changed twice.
    """
    candidates = select(orders.c.id).where(*_base_where(step)).order_by(orders.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A materialized CTE runs the locking LIMIT query once. As a plain IN (subquery)
        # PostgreSQL may rescan it per outer row (nested-loop semi join); each rescan skips
        # the rows this statement already updated and locks the next `limit`, so one
        # statement changed every order of the seller instead of one batch.
        locked = candidates.with_for_update(skip_locked=True).cte("picked")
        picked = select(locked.prefix_with("MATERIALIZED").c.id)
        return len(_apply(session, step, orders.c.id.in_(picked)))
    return len(_apply(session, step, orders.c.id.in_(candidates.scalar_subquery())))


def _apply(
    session: Session,
    step: Step,
    selection: ColumnElement[bool],
    numbers: Sequence[str] | None = None,
) -> list[str]:
    """Apply `step` to the orders `selection` picks; returns the numbers of the orders
    changed. `numbers`: the distinct order numbers `selection` picks, when it picks by
    number."""
    by_number = numbers is not None
    now = _now()
    if session.get_bind().dialect.name == "postgresql":
        stmt = update(orders).where(*_base_where(step), selection).values(_stamp(step, now))
        return _apply_in_one_statement(session, step, stmt, now)
    # SQLite: stamp a change id, then find the changed orders by it (ix_orders_change).
    # UPDATE ... RETURNING the ids instead measured slower: SQLite buffers every returned
    # row, and the side rows then probe the list of ids.
    cid = new_change_id()
    where = _base_where(step, status_indexed=not by_number)
    changed = rowcount(
        session.execute(update(orders).where(*where, selection).values(_stamp(step, now, cid)))
    )
    if not changed:
        return []
    stamped = orders.c.change_id == cid
    write_side_rows(session, step, stamped, now)
    if numbers is not None and changed == len(numbers):
        return list(numbers)  # every number (they are distinct) changed: no need to read back
    return list(session.scalars(select(orders.c.order_number).where(stamped)))


def _apply_in_one_statement(session: Session, step: Step, stmt: Any, now: datetime) -> list[str]:
    """PostgreSQL: UPDATE ... RETURNING feeds the audit and outbox INSERTs in one
    statement (data-modifying CTEs): one round trip, no second look-up of the rows."""
    changed = stmt.returning(
        orders.c.id,
        orders.c.seller_id,
        orders.c.order_number,
        orders.c.version,
        orders.c.connection_id,
        orders.c.payment_method,
        orders.c.paid,
    ).cte("changed")
    audit = (
        events.insert()
        .from_select(
            AUDIT_COLUMNS, _audit_select(changed, step, now, json.dumps(dict(step.details)))
        )
        .cte("audit")
    )
    final = select(changed.c.order_number).add_cte(audit)
    if step.rules:
        names, query = _outbox_select(changed, step.rules, _payload(step), now)
        final = final.add_cte(outbox.insert().from_select(names, query).cte("side_effects"))
    return list(session.scalars(final))


def apply_per_order(session: Session, step: Step, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Apply `step` with values that differ per order (tracking ids).

    Each row holds `order_number`, the column values, and optionally `details`.
    One executemany UPDATE, then INSERT ... SELECT for the side rows. Returns the
    numbers of the orders changed.
    """
    if not rows:
        return []
    cid, now = new_change_id(), _now()
    columns = sorted({k for r in rows for k in r} - {"order_number", "details"})
    stmt = (
        update(orders)
        .where(*_base_where(step), orders.c.order_number == bindparam("b_number"))
        .values({**_stamp(step, now, cid), **{c: bindparam(f"b_{c}") for c in columns}})
    )
    params = [
        {"b_number": r["order_number"], **{f"b_{c}": r.get(c) for c in columns}} for r in rows
    ]
    session.execute(stmt, params)
    changed = list(session.scalars(select(orders.c.order_number).where(orders.c.change_id == cid)))
    if changed:
        per_order = {r["order_number"]: dict(r.get("details") or {}) for r in rows}
        stamped = orders.c.change_id == cid
        write_side_rows(session, step, stamped, now, per_order_details=per_order)
    return changed


AUDIT_COLUMNS = [
    "seller_id",
    "order_id",
    "kind",
    "from_status",
    "to_status",
    "actor",
    "at",
    "details",
]


def _audit_select(source: Any, step: Step, now: datetime, details: str | Any) -> Any:
    """`details`: the JSON text of every row, or a bound parameter (one per order)."""
    return select(
        source.c.seller_id,
        source.c.id,
        literal(step.kind, String),
        literal(step.src.value, String),
        literal(step.dst.value, String),
        literal(step.actor, String),
        literal(now, OrderEventRow.at.type),
        literal(details, String) if isinstance(details, str) else details,
    )


def write_side_rows(
    session: Session,
    step: Step,
    changed: ColumnElement[bool],
    now: datetime,
    per_order_details: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """The audit rows and outbox rows for the orders `changed` picks: by id, or by the
    change id the UPDATE stamped.

    That test alone selects them (the UPDATE was scoped to the seller): with a seller
    test next to it, SQLite walked all of the seller's orders in (seller_id, status)
    instead of probing the ids or ix_orders_change."""
    base_details = dict(step.details)
    if per_order_details:
        # One statement, one parameter set per order (an executemany), not one per order.
        query = _audit_select(orders, step, now, bindparam("b_details", type_=String)).where(
            changed,
            orders.c.seller_id == step.seller_id,  # with the number: the unique index
            orders.c.order_number == bindparam("b_number", type_=String),
        )
        session.execute(
            events.insert().from_select(AUDIT_COLUMNS, query),
            [
                {"b_number": number, "b_details": json.dumps({**base_details, **d}, default=str)}
                for number, d in per_order_details.items()
            ],
        )
    else:
        query = _audit_select(orders, step, now, json.dumps(base_details)).where(changed)
        session.execute(events.insert().from_select(AUDIT_COLUMNS, query))
    if step.rules:
        names, query = _outbox_select(orders, step.rules, _payload(step), now)
        session.execute(outbox.insert().from_select(names, query.where(changed)))


def _payload(step: Step) -> str:
    return json.dumps(dict(step.details), default=str)


def change_key(order_id: Any, version: Any) -> Any:
    """`<order id>:<order version>`: the outbox key of a change, unique per order. The
    consumer of a topic sees `<topic>:<event>:<order id>:<order version>`."""
    return cast(order_id, String) + literal(":", String) + cast(version, String)


def _outbox_select(
    source: Any, rules: Sequence[EffectRule], payload: str, now: datetime
) -> tuple[list[str], Any]:
    """The outbox row of each order of `source`: one row per change, with the event and
    state 'pending' in the column group of every topic whose rule applies to the order.
    Returns the column names and the SELECT."""
    joined: FromClause = source
    names = ["seller_id", "order_id", "idempotency_key", "payload", "created_at"]
    values: list[Any] = [
        source.c.seller_id,
        source.c.id,
        change_key(source.c.id, source.c.version),
        literal(payload, String),
        literal(now, OutboxRow.created_at.type),
    ]
    conditional: list[ColumnElement[bool]] = []  # when every rule has one: a row if any holds
    always = False
    for rule in rules:
        when: list[ColumnElement[bool]] = []
        if rule.webshop_only:
            if joined is source:
                joined = source.outerjoin(channels, channels.c.id == source.c.connection_id)
            when.append(channels.c.kind == "webshop")
        if rule.prepaid_paid_only:
            when += [source.c.payment_method == "prepaid", source.c.paid == true()]
        event: Any = literal(rule.event.value, String)
        state: Any = literal(PENDING, String)
        if when:
            applies = and_(*when)
            conditional.append(applies)
            event = case((applies, event))
            state = case((applies, state))
        else:
            always = True
        names += [f"{rule.topic.value}_event", f"{rule.topic.value}_state"]
        values += [event, state]
    query = select(*values).select_from(joined)
    return names, query if always else query.where(or_(*conditional))
