"""Orders in the store: idempotent upsert of normalized orders, lists, one order, timeline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from oms.connection import ChannelConnection
from oms.effects import Event
from oms.errors import NotFound
from oms.model import (
    LANGUAGES,
    Address,
    Buyer,
    NormalizedOrder,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentMethod,
    Tracking,
)
from oms.seller import Seller
from oms.status import Action, Actor, OrderStatus, path
from oms.store import changes
from oms.store.lookups import custom_plans, one_of
from oms.store.outbox import PENDING
from oms.store.schema import ChannelRow, OrderEventRow, OrderLineRow, OrderRow, OutboxRow


def payload_hash(order: NormalizedOrder) -> str:
    return hashlib.sha256(order.model_dump_json().encode()).hexdigest()


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass
class UpsertResult:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    transitions: list[str] = field(default_factory=list)  # "1001: open -> cancelled"


def _row_values(order: NormalizedOrder) -> dict[str, Any]:
    return {
        "channel_order_number": order.order_number,
        "ordered_at": order.ordered_at,
        "currency": order.currency,
        "buyer_name": order.buyer.name,
        "buyer_email": order.buyer.email,
        "buyer_language": order.buyer.language,
        "billing_address": order.billing_address.model_dump(mode="json"),
        "delivery_address": order.delivery_address.model_dump(mode="json"),
        "shipping": order.shipping,
        "total": order.total,
        "payment_method": order.payment.method.value,
    }


def _line_rows(order_id: int, order: NormalizedOrder) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "position": i,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "vat_rate": line.vat_rate,
            "total": line.total,
        }
        for i, line in enumerate(order.lines, start=1)
    ]


NUMBER_LENGTH = 64  # orders.order_number


def _fit(number: str) -> str:
    """A number that fits the column: a long one keeps its start and gets a digest suffix."""
    if len(number) <= NUMBER_LENGTH:
        return number
    digest = hashlib.sha256(number.encode()).hexdigest()[:12]
    return f"{number[: NUMBER_LENGTH - 13]}-{digest}"


def _local_numbers(
    session: Session, seller_id: int, conn: ChannelConnection, orders: Sequence[NormalizedOrder]
) -> dict[str, str]:
    """channel_order_id -> a per-seller unique order number.

    The channel's own number, unless another order of the seller uses it already
    (two WooCommerce shops both have order 1001): then `<connection>-<number>`, then
    `<connection>-<channel order id>`, which no other order of the connection can have.
    """
    taken: set[str] = _taken(session, seller_id, {_fit(o.order_number) for o in orders})
    result: dict[str, str] = {}
    clashing: dict[str, list[str]] = {}
    for o in {o.channel_order_id: o for o in orders}.values():
        own = _fit(o.order_number)
        if own in taken:  # rare: look the alternatives up only for these
            clashing[o.channel_order_id] = [
                _fit(f"{conn.name}-{o.order_number}"),
                _fit(f"{conn.name}-{o.channel_order_id}"),
            ]
        else:
            taken.add(own)
            result[o.channel_order_id] = own
    if clashing:
        taken |= _taken(session, seller_id, {n for names in clashing.values() for n in names})
    for cid, names in clashing.items():
        free = [n for n in names if n not in taken]
        number = free[0] if free else _fit(f"{names[-1]}-{len(taken)}")
        taken.add(number)
        result[cid] = number
    return result


def _taken(session: Session, seller_id: int, numbers: set[str]) -> set[str]:
    """Those of `numbers` that orders of the seller have already (one query: `one_of`)."""
    query = select(OrderRow.order_number).where(
        OrderRow.seller_id == seller_id, one_of(session, OrderRow.order_number, list(numbers))
    )
    return set(session.scalars(query))


def upsert_orders(
    session: Session,
    seller: Seller,
    conn: ChannelConnection,
    orders: Sequence[NormalizedOrder],
    actor: Actor = Actor.CHANNEL,
) -> UpsertResult:
    """Insert new orders, update changed ones, leave the same ones alone; keyed by
    (connection, channel order id), so reading a page twice never duplicates.

    A status the channel reports that lies ahead of ours is applied through the
    status machine, with audit and outbox rows (but no push back to the channel).
    """
    latest = {o.channel_order_id: o for o in orders}  # a page may repeat an order
    result = UpsertResult()
    if not latest:
        return result
    now = datetime.now(UTC)
    custom_plans(session)
    existing = {
        row.channel_order_id: row
        for row in session.scalars(
            select(OrderRow).where(
                OrderRow.connection_id == conn.id,
                one_of(session, OrderRow.channel_order_id, list(latest)),
            )
        )
    }
    fresh = [o for cid, o in latest.items() if cid not in existing]
    if fresh:
        _insert_new(session, seller, conn, fresh, actor, now, result)
    moves: dict[tuple[OrderStatus, OrderStatus], list[str]] = {}
    paid_now: list[str] = []
    changed_orders: list[tuple[OrderRow, NormalizedOrder, str]] = []
    for cid, order in latest.items():
        row = existing.get(cid)
        if row is None:
            continue
        digest = payload_hash(order)
        if row.payload_sha256 == digest:
            result.unchanged.append(row.order_number)
            continue
        changed_orders.append((row, order, digest))
        result.updated.append(row.order_number)
        if order.payment.paid and not row.paid:
            paid_now.append(row.order_number)
        local = OrderStatus(row.status)
        if order.status is not local:
            moves.setdefault((local, order.status), []).append(row.order_number)
    _update_existing(session, changed_orders, actor, now)
    for (local, remote), numbers in moves.items():
        _follow_channel(session, seller, local, remote, numbers, actor, now, result)
    if paid_now:
        from oms.actions import paid_steps

        for step in paid_steps(seller, actor):
            changes.apply_to_numbers(session, step, paid_now)
    return result


def _insert_new(
    session: Session,
    seller: Seller,
    conn: ChannelConnection,
    fresh: list[NormalizedOrder],
    actor: Actor,
    now: datetime,
    result: UpsertResult,
) -> None:
    numbers = _local_numbers(session, seller.id, conn, fresh)
    rows = []
    for o in fresh:
        rows.append(
            {
                **_row_values(o),
                "seller_id": seller.id,
                "connection_id": conn.id,
                "channel_order_id": o.channel_order_id,
                "order_number": numbers[o.channel_order_id],
                "status": o.status.value,
                "paid": o.payment.paid,
                "payload_sha256": payload_hash(o),
                "version": 1,
                "change_id": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    if _postgres(session):
        # Ids from the table's sequence, then the rows by COPY like their lines and events.
        new_ids = session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('orders', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        ).all()
        insert_rows(
            session, OrderRow, [{"id": oid, **row} for oid, row in zip(new_ids, rows, strict=True)]
        )
        ids = {row["channel_order_id"]: oid for oid, row in zip(new_ids, rows, strict=True)}
    else:
        # Core INSERT on the table, not the ORM entity: the ORM's bulk insert leaves out the
        # None values and so splits a page into one statement per distinct set of empty columns.
        table = _table(OrderRow)
        returned = session.execute(
            insert(table).returning(
                table.c.id, table.c.channel_order_id, sort_by_parameter_order=True
            ),
            rows,
        ).all()
        ids = {cid: oid for oid, cid in returned}
    by_cid = {o.channel_order_id: o for o in fresh}
    insert_rows(
        session,
        OrderLineRow,
        [line for cid, oid in ids.items() for line in _line_rows(oid, by_cid[cid])],
    )
    insert_rows(
        session,
        OrderEventRow,
        [
            {
                "seller_id": seller.id,
                "order_id": oid,
                "kind": "imported",
                "from_status": None,
                "to_status": by_cid[cid].status.value,
                "actor": actor.value,
                "at": now,
                "details": json.dumps({"channel": conn.name, "channel_order_id": cid}),
            }
            for cid, oid in ids.items()
        ],
    )
    # An order that arrives accepted already needs its documents (and its payment booked).
    outbox_rows = []
    for cid, oid in ids.items():
        o = by_cid[cid]
        if o.status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            booked = o.payment.method is PaymentMethod.PREPAID and o.payment.paid
            outbox_rows.append(_outbox_row(seller.id, oid, now, paid=booked))
    insert_rows(session, OutboxRow, outbox_rows)
    result.new += [numbers[o.channel_order_id] for o in fresh]


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def insert_rows(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Append rows of one table: COPY on PostgreSQL (one round trip, no SQL to build per row),
    one executemany elsewhere. In the caller's transaction, like any other statement."""
    if not rows:
        return
    table = _table(model)
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    # Only the columns whose type converts values (dates, JSON, amounts) cost a call each.
    converted = [
        (i, process)
        for i, n in enumerate(names)
        if (process := table.c[n].type._cached_bind_processor(dialect)) is not None
    ]
    values_of = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    columns = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    driver = connection.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = list(values_of(row))
            for i, process in converted:
                if values[i] is not None:
                    values[i] = process(values[i])
            copy.write_row(values)


def _outbox_row(seller_id: int, order_id: int, now: datetime, paid: bool) -> dict[str, Any]:
    """The outbox row of an order that arrived accepted (version 1): its documents, and
    the payment booking when it is paid in advance."""
    return {
        "seller_id": seller_id,
        "order_id": order_id,
        "idempotency_key": f"{order_id}:1",
        "payload": "{}",
        "created_at": now,
        "documents_event": Event.CONFIRMED.value,
        "documents_state": PENDING,
        "accounting_event": Event.PAID.value if paid else None,
        "accounting_state": PENDING if paid else None,
    }


def _update_existing(
    session: Session,
    changed_orders: Sequence[tuple[OrderRow, NormalizedOrder, str]],
    actor: Actor,
    now: datetime,
) -> None:
    """Rewrite changed orders with their lines, an "updated" audit row each: one UPDATE
    executemany, one DELETE and one INSERT of lines, one INSERT of events for all of them."""
    if not changed_orders:
        return
    table = _table(OrderRow)
    updates, lines, events = [], [], []
    for row, order, digest in changed_orders:
        values = _row_values(order)
        changed = sorted(k for k, v in values.items() if getattr(row, k) != v and k != "ordered_at")
        values["payload_sha256"] = digest
        updates.append({"row_id": row.id, **{f"new_{k}": v for k, v in values.items()}})
        lines += _line_rows(row.id, order)
        events.append(
            {
                "seller_id": row.seller_id,
                "order_id": row.id,
                "kind": "updated",
                "from_status": row.status,
                "to_status": row.status,
                "actor": actor.value,
                "at": now,
                "details": json.dumps({"changed": changed or ["lines"]}),
            }
        )
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            {
                **{name[4:]: bindparam(name) for name in updates[0] if name != "row_id"},
                "updated_at": now,
                "version": table.c.version + 1,
            }
        ),
        updates,
    )
    ids = [row.id for row, _, _ in changed_orders]
    session.execute(delete(OrderLineRow).where(one_of(session, OrderLineRow.order_id, ids)))
    insert_rows(session, OrderLineRow, lines)
    insert_rows(session, OrderEventRow, events)


def _follow_channel(
    session: Session,
    seller: Seller,
    local: OrderStatus,
    remote: OrderStatus,
    numbers: list[str],
    actor: Actor,
    now: datetime,
    result: UpsertResult,
) -> None:
    from oms.actions import steps_for  # the same steps a seller's action takes

    try:
        actions: list[Action] = path(local, remote)
    except ValueError:
        # Behind us (our push is on its way) or contradicting us: keep ours, say so.
        ids = order_ids(session, seller, numbers)
        kept = json.dumps({"channel_status": remote.value})
        insert_rows(
            session,
            OrderEventRow,
            [
                {
                    "seller_id": seller.id,
                    "order_id": ids[number],
                    "kind": "channel_status_kept",
                    "from_status": local.value,
                    "to_status": local.value,
                    "actor": actor.value,
                    "at": now,
                    "details": kept,
                }
                for number in numbers
            ],
        )
        return
    for action in actions:
        details = {"reason": "cancelled on the channel"} if action is Action.CANCEL else {}
        for step in steps_for(seller, action, actor, details=details):
            changes.apply_to_numbers(session, step, numbers)
    result.transitions += [f"{n}: {local.value} -> {remote.value}" for n in numbers]


def _to_order(row: OrderRow, conn: ChannelRow, lines: Sequence[OrderLineRow]) -> Order:
    tracking = (
        Tracking(tracking_id=row.tracking_id, url=row.tracking_url, carrier=row.carrier)
        if row.tracking_id
        else None
    )
    return Order(
        id=row.id,
        seller_id=row.seller_id,
        connection_id=row.connection_id,
        connection_name=conn.name,
        channel_kind=conn.kind,
        platform=conn.platform,
        channel_order_id=row.channel_order_id,
        order_number=row.order_number,
        channel_order_number=row.channel_order_number,
        ordered_at=row.ordered_at,
        status=OrderStatus(row.status),
        currency=row.currency,
        buyer=Buyer.model_construct(
            name=row.buyer_name,
            email=row.buyer_email,
            language=row.buyer_language if row.buyer_language in LANGUAGES else None,  # type: ignore[arg-type]
        ),
        billing_address=Address.model_validate(row.billing_address),
        delivery_address=Address.model_validate(row.delivery_address),
        lines=[
            OrderLine.model_construct(
                sku=li.sku,
                name=li.name,
                quantity=li.quantity,
                unit_price=li.unit_price,
                vat_rate=li.vat_rate,
                total=li.total,
            )
            for li in sorted(lines, key=lambda li: li.position)
        ],
        shipping=row.shipping,
        total=row.total,
        payment=Payment(method=PaymentMethod(row.payment_method), paid=row.paid),
        tracking=tracking,
        cancel_reason=row.cancel_reason,
        version=row.version,
    )


def load_orders(session: Session, seller: Seller, order_ids: Sequence[int]) -> list[Order]:
    """Whole orders (with lines) by id, for flows that work on a batch of orders."""
    if not order_ids:
        return []
    rows = session.execute(
        select(OrderRow, ChannelRow)
        .join(ChannelRow, ChannelRow.id == OrderRow.connection_id)
        .where(OrderRow.seller_id == seller.id, OrderRow.id.in_(list(order_ids)))
        .order_by(OrderRow.id)
    ).all()
    lines: dict[int, list[OrderLineRow]] = {}
    for line in session.scalars(
        select(OrderLineRow).where(OrderLineRow.order_id.in_([r.id for r, _ in rows]))
    ):
        lines.setdefault(line.order_id, []).append(line)
    return [_to_order(r, c, lines.get(r.id, [])) for r, c in rows]


def get_order(session: Session, seller: Seller, number: str) -> Order:
    oid = session.scalar(
        select(OrderRow.id).where(OrderRow.seller_id == seller.id, OrderRow.order_number == number)
    )
    if oid is None:
        raise NotFound("order", number)
    return load_orders(session, seller, [oid])[0]


@dataclass(frozen=True)
class OrderSummary:
    id: int
    order_number: str
    channel: str
    ordered_at: datetime
    status: str
    buyer_name: str
    total: Any
    currency: str
    payment_method: str
    paid: bool
    tracking_id: str | None


def list_orders(
    session: Session,
    seller: Seller,
    status: OrderStatus | None = None,
    channel: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[OrderSummary]:
    """One page of a seller's orders, oldest first, after the order with id `after_id`."""
    query = (
        select(
            OrderRow.id,
            OrderRow.order_number,
            ChannelRow.name,
            OrderRow.ordered_at,
            OrderRow.status,
            OrderRow.buyer_name,
            OrderRow.total,
            OrderRow.currency,
            OrderRow.payment_method,
            OrderRow.paid,
            OrderRow.tracking_id,
        )
        .join(ChannelRow, ChannelRow.id == OrderRow.connection_id)
        .where(OrderRow.seller_id == seller.id, OrderRow.id > after_id)
        .order_by(OrderRow.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(OrderRow.status == status.value)
    if channel is not None:
        query = query.where(ChannelRow.name == channel)
    return [OrderSummary(*r) for r in session.execute(query).all()]


def timeline(session: Session, seller: Seller, number: str) -> list[OrderEvent]:
    oid = session.scalar(
        select(OrderRow.id).where(OrderRow.seller_id == seller.id, OrderRow.order_number == number)
    )
    if oid is None:
        raise NotFound("order", number)
    rows = session.scalars(
        select(OrderEventRow).where(OrderEventRow.order_id == oid).order_by(OrderEventRow.id)
    )
    return [
        OrderEvent(
            at=r.at,
            kind=r.kind,
            actor=r.actor,
            from_status=r.from_status,
            to_status=r.to_status,
            details=json.loads(r.details),
        )
        for r in rows
    ]


def count_by_status(session: Session, seller: Seller | None = None) -> dict[str, int]:
    from sqlalchemy import func

    query = select(OrderRow.status, func.count()).group_by(OrderRow.status)
    if seller is not None:
        query = query.where(OrderRow.seller_id == seller.id)
    return {status: n for status, n in session.execute(query).all()}


def order_ids(session: Session, seller: Seller, numbers: Sequence[str]) -> dict[str, int]:
    """order number -> order id, for the numbers of `seller` that exist (others are left out)."""
    custom_plans(session)
    rows = session.execute(
        select(OrderRow.order_number, OrderRow.id).where(
            OrderRow.seller_id == seller.id,
            one_of(session, OrderRow.order_number, list(dict.fromkeys(numbers))),
        )
    )
    return {number: oid for number, oid in rows}
