"""Bookings in the store: turning accounting outbox rows into bookings, reading them back,
and the trial balance.

`record_events` is the handler `oms.draining.drain` calls for `Topic.ACCOUNTING`:
each outbox row becomes at most one booking, keyed by the row's idempotency key,
so a row handled twice (a worker died before it was marked done) books once.
Once an order is cancelled, every booking of it that is not reversed yet gets its
reversal (keyed by the reversed booking), whichever row arrives first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oms.accounting import (
    Booking,
    BookingKind,
    Posting,
    UnbalancedBooking,
    invoice_booking,
    payment_booking,
    reversal,
)
from oms.draining import Outcome
from oms.effects import Event
from oms.model import Order
from oms.seller import Seller
from oms.status import OrderStatus
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.accounting_schema import BookingLineRow, BookingRow
from oms.store.db import transaction
from oms.store.outbox import OutboxItem
from oms.store.schema import OutboxRow

ZERO = Decimal(0)


@dataclass(frozen=True)
class StoredBooking:
    id: int
    seller_id: int
    order_id: int | None
    booking: Booking
    source: str  # "outbox:17" or "booking:4" (what caused it)
    reverses_id: int | None


def local_date(at: datetime, seller: Seller) -> date:
    return at.astimezone(ZoneInfo(seller.profile.timezone)).date()


def _to_stored(row: BookingRow, lines: Sequence[BookingLineRow]) -> StoredBooking:
    booking = Booking(
        kind=BookingKind(row.kind),
        voucher=row.voucher,
        booked_on=row.booked_on,
        currency=row.currency,
        reference=row.reference,
        order_number=row.order_number,
        description=row.description,
        lines=tuple(
            Posting(li.account, li.debit, li.credit, li.text, li.vat_code, li.vat_rate)
            for li in sorted(lines, key=lambda li: li.position)
        ),
    )
    source = f"{row.source_kind}:{row.source_id}"
    return StoredBooking(row.id, row.seller_id, row.order_id, booking, source, row.reverses_id)


def load_bookings(session: Session, booking_ids: Sequence[int]) -> list[StoredBooking]:
    """Whole bookings (with lines) by id, in id order."""
    if not booking_ids:
        return []
    rows = list(
        session.scalars(
            select(BookingRow).where(BookingRow.id.in_(list(booking_ids))).order_by(BookingRow.id)
        )
    )
    lines: dict[int, list[BookingLineRow]] = {}
    for line in session.scalars(
        select(BookingLineRow).where(BookingLineRow.booking_id.in_([r.id for r in rows]))
    ):
        lines.setdefault(line.booking_id, []).append(line)
    return [_to_stored(r, lines.get(r.id, [])) for r in rows]


def bookings_of_seller(
    session: Session, seller_id: int, since: date | None = None
) -> list[StoredBooking]:
    query = select(BookingRow.id).where(BookingRow.seller_id == seller_id)
    if since is not None:
        query = query.where(BookingRow.booked_on >= since)
    return load_bookings(session, list(session.scalars(query.order_by(BookingRow.id))))


def insert_booking(
    session: Session,
    seller_id: int,
    order_id: int | None,
    booking: Booking,
    key: str,
    source: tuple[str, str],
    reverses_id: int | None = None,
) -> int:
    """Store a balanced booking once per key; returns its id (the existing one on a repeat)."""
    existing = session.scalar(select(BookingRow.id).where(BookingRow.idempotency_key == key))
    if existing is not None:
        return existing
    row = BookingRow(
        seller_id=seller_id,
        order_id=order_id,
        kind=booking.kind.value,
        source_kind=source[0],
        source_id=source[1],
        idempotency_key=key,
        voucher=booking.voucher,
        booked_on=booking.booked_on,
        currency=booking.currency,
        reference=booking.reference,
        order_number=booking.order_number,
        description=booking.description[:255],
        total=booking.total,
        reverses_id=reverses_id,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    session.add_all(
        BookingLineRow(
            booking_id=row.id,
            position=i,
            account=li.account,
            debit=li.debit,
            credit=li.credit,
            vat_code=li.vat_code,
            vat_rate=li.vat_rate,
            text=li.text[:255],
        )
        for i, li in enumerate(booking.lines, start=1)
    )
    session.flush()
    return row.id


def _order_bookings(session: Session, seller_id: int, order_id: int) -> list[StoredBooking]:
    ids = session.scalars(
        select(BookingRow.id).where(
            BookingRow.seller_id == seller_id, BookingRow.order_id == order_id
        )
    )
    return load_bookings(session, list(ids))


def reverse_open_bookings(session: Session, seller_id: int, order_id: int, on: date) -> list[int]:
    """Reverse every booking of the order that is neither a reversal nor reversed yet."""
    existing = _order_bookings(session, seller_id, order_id)
    reversed_ids = {b.reverses_id for b in existing if b.reverses_id is not None}
    made = []
    for b in existing:
        if b.booking.kind is BookingKind.REVERSAL or b.id in reversed_ids:
            continue
        key = f"accounting:reversal:{b.id}"
        booking = reversal(b.booking, on)
        made.append(
            insert_booking(session, seller_id, order_id, booking, key, ("booking", str(b.id)), b.id)
        )
    return made


def _book_one(
    session: Session, item: OutboxItem, seller: Seller, order: Order, at: datetime
) -> None:
    on = local_date(at, seller)
    source = ("outbox", str(item.id))
    if item.event == Event.INVOICE_ISSUED:
        number = str(item.payload["invoice_number"])
        issued = datetime.fromisoformat(str(item.payload.get("issued_at") or at.isoformat()))
        issued = issued if issued.tzinfo else issued.replace(tzinfo=UTC)
        booking = invoice_booking(order, seller.accounts, number, local_date(issued, seller))
    elif item.event == Event.PAID:
        invoice = session.execute(
            select(BookingRow.reference, BookingRow.total).where(
                BookingRow.seller_id == seller.id,
                BookingRow.order_id == order.id,
                BookingRow.kind == BookingKind.INVOICE.value,
            )
        ).first()
        reference, amount = invoice if invoice else (order.order_number, None)
        booking = payment_booking(order, seller.accounts, on, reference, amount)
    elif item.event == Event.CANCELLED:
        booking = None  # what to undo is decided below, from the bookings that exist
    else:
        raise ValueError(f"unknown accounting event {item.event!r}")
    if booking is not None:
        insert_booking(session, seller.id, order.id, booking, item.idempotency_key, source)
    if order.status is OrderStatus.CANCELLED:
        reverse_open_bookings(session, seller.id, order.id, on)


def record_events(engine: Engine, items: Sequence[OutboxItem]) -> dict[int, Outcome]:
    """Book a batch of accounting outbox rows; one Outcome per row (a drain handler)."""
    outcomes: dict[int, Outcome] = {}
    with transaction(engine) as session:
        query = select(OutboxRow.id, OutboxRow.created_at).where(
            OutboxRow.id.in_([i.id for i in items])
        )
        created: dict[int, datetime] = {oid: at for oid, at in session.execute(query).all()}
        sellers = {
            sid: seller_store.get_seller_by_id(session, sid) for sid in {i.seller_id for i in items}
        }
        orders: dict[int, Order] = {}
        for seller in sellers.values():
            wanted = [i.order_id for i in items if i.seller_id == seller.id and i.order_id]
            orders.update({o.id: o for o in order_store.load_orders(session, seller, wanted)})
        for item in items:
            order = orders.get(item.order_id or 0)
            if order is None:
                outcomes[item.id] = Outcome.give_up(f"order id {item.order_id} not found")
                continue
            try:
                with session.begin_nested():
                    _book_one(session, item, sellers[item.seller_id], order, created[item.id])
                outcomes[item.id] = Outcome.done()
            except (UnbalancedBooking, ValueError, KeyError) as exc:
                outcomes[item.id] = Outcome.give_up(f"{type(exc).__name__}: {exc}")
            except IntegrityError as exc:  # a concurrent worker booked it: look again later
                outcomes[item.id] = Outcome.retry(f"conflict: {str(exc.orig).splitlines()[0]}")
    return outcomes


@dataclass(frozen=True)
class AccountTotal:
    account: str
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def trial_balance(session: Session, seller_id: int) -> list[AccountTotal]:
    """Debits and credits per account and currency; each currency nets to zero."""
    rows = session.execute(
        select(
            BookingLineRow.account, BookingRow.currency, BookingLineRow.debit, BookingLineRow.credit
        )
        .join(BookingRow, BookingRow.id == BookingLineRow.booking_id)
        .where(BookingRow.seller_id == seller_id)
    )
    sums: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for account, currency, debit, credit in rows:
        d, c = sums.get((account, currency), (ZERO, ZERO))
        sums[(account, currency)] = (d + debit, c + credit)
    return [
        AccountTotal(account, currency, d, c)
        for (account, currency), (d, c) in sorted(sums.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def booking_counts(session: Session, seller_id: int) -> dict[str, int]:
    """kind -> bookings."""
    from sqlalchemy import func

    query = (
        select(BookingRow.kind, func.count())
        .where(BookingRow.seller_id == seller_id)
        .group_by(BookingRow.kind)
    )
    return {kind: n for kind, n in session.execute(query).all()}
