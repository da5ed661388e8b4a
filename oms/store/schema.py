"""The database schema: SQLAlchemy 2 typed mappings. Alembic migrations mirror it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CursorResult,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from oms.effects import Topic
from oms.store.types import Amount, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite, where only INTEGER PRIMARY KEY auto-increments.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime, Decimal: Amount}


class SellerRow(Base):
    __tablename__ = "sellers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    profile: Mapped[dict[str, Any]]
    automations: Mapped[dict[str, Any]]
    notifications: Mapped[dict[str, Any]]
    branding: Mapped[dict[str, Any]]
    documents: Mapped[dict[str, Any]]
    accounts: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChannelRow(Base):
    __tablename__ = "channel_connections"
    __table_args__ = (UniqueConstraint("seller_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # webshop | marketplace
    base_url: Mapped[str] = mapped_column(String(512))
    credentials_ref: Mapped[str] = mapped_column(
        String(256)
    )  # env:VAR or block:NAME, never a secret
    options: Mapped[dict[str, Any]]
    sync_cursor: Mapped[str | None] = mapped_column(String(64))
    last_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("connection_id", "channel_order_id"),
        UniqueConstraint("seller_id", "order_number"),
        Index("ix_orders_seller_status", "seller_id", "status", "id"),
        Index("ix_orders_change", "change_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("channel_connections.id"))
    channel_order_id: Mapped[str] = mapped_column(String(64))
    order_number: Mapped[str] = mapped_column(String(64))  # unique per seller (see orders.py)
    channel_order_number: Mapped[str] = mapped_column(String(64))  # as the channel shows it
    ordered_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    buyer_name: Mapped[str] = mapped_column(String(255))
    buyer_email: Mapped[str | None] = mapped_column(String(320))
    buyer_language: Mapped[str | None] = mapped_column(String(2))
    billing_address: Mapped[dict[str, Any]]
    delivery_address: Mapped[dict[str, Any]]
    shipping: Mapped[Decimal]
    total: Mapped[Decimal]
    payment_method: Mapped[str] = mapped_column(String(16))
    paid: Mapped[bool] = mapped_column(Boolean)
    tracking_id: Mapped[str | None] = mapped_column(String(128))
    tracking_url: Mapped[str | None] = mapped_column(String(1024))
    carrier: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(512))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)  # +1 on every change
    # The last change that wrote it, where its audit and outbox rows are found by it (SQLite,
    # and changes with values per order); PostgreSQL takes them from UPDATE ... RETURNING.
    change_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OrderLineRow(Base):
    """A line of an order, written with its order and never apart from it (no foreign key:
    on PostgreSQL it was a trigger and a row lock per line, half of an ingest's database
    time; orders are never deleted)."""

    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[int] = mapped_column(Id, index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(512))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]
    vat_rate: Mapped[Decimal]
    total: Mapped[Decimal]


# The audit log and the outbox are append-only and are written only by INSERT ... SELECT
# from the orders row they refer to, in the transaction that changes that row (orders are
# never deleted). They carry no foreign keys: on PostgreSQL each one is a trigger with a
# row lock per inserted row, and a bulk confirm writes five such rows per order; dropping
# them took a bulk confirm of 30,000 orders from 6.6x to 3.7x the bare UPDATE (0003).


class OrderEventRow(Base):
    """The audit log: who did what to which order, when, from -> to."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(Id)
    order_id: Mapped[int] = mapped_column(Id, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # imported, confirm, cancel, ..., paid, updated
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    details: Mapped[str] = mapped_column(Text)  # JSON text


# The outbox consumers, each with its column group in OutboxRow.
OUTBOX_TOPICS = tuple(t.value for t in Topic)


class OutboxRow(Base):
    """One change of one order and the side effects it causes, one column group per consumer.

    A consumer (channel push, buyer email, documents, accounting) reads and writes only
    its own columns: `<topic>_event` is what happened for it (NULL: nothing to do),
    `<topic>_state` pending | done | dead, then its attempts, back-off, lease, last error
    and completion time. One row per change instead of one per side effect: a bulk
    confirm writes an order, an audit row and this row, and SQLite charges per row
    (bench/actions.py). The view `outbox_items` (OutboxItemRow) shows one row per
    side effect. Never deleted: done and dead work stays for audit.

    The item a consumer sees is keyed `<topic>:<event>:<idempotency_key>`; the stored
    key is unique per order (`<order id>:<order version>` for a change).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # Only pending work is indexed for claiming, in id order, one index per consumer:
        # each stays the size of that consumer's backlog, however many rows are done.
        Index(
            "ix_outbox_channel_pending",
            "id",
            postgresql_where=text("channel_state = 'pending'"),
            sqlite_where=text("channel_state = 'pending'"),
        ),
        Index(
            "ix_outbox_email_pending",
            "id",
            postgresql_where=text("email_state = 'pending'"),
            sqlite_where=text("email_state = 'pending'"),
        ),
        Index(
            "ix_outbox_documents_pending",
            "id",
            postgresql_where=text("documents_state = 'pending'"),
            sqlite_where=text("documents_state = 'pending'"),
        ),
        Index(
            "ix_outbox_accounting_pending",
            "id",
            postgresql_where=text("accounting_state = 'pending'"),
            sqlite_where=text("accounting_state = 'pending'"),
        ),
        # order_id first: inserts land at the right edge of the index, and it serves the
        # per-order look-ups (claiming in order).
        UniqueConstraint("order_id", "idempotency_key"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(Id)
    order_id: Mapped[int] = mapped_column(Id)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)  # JSON text
    created_at: Mapped[datetime]
    channel_event: Mapped[str | None] = mapped_column(String(32))
    channel_state: Mapped[str | None] = mapped_column(String(8))
    channel_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    channel_available_at: Mapped[datetime | None]
    channel_claimed_until: Mapped[datetime | None]
    channel_last_error: Mapped[str | None] = mapped_column(Text)
    channel_done_at: Mapped[datetime | None]
    email_event: Mapped[str | None] = mapped_column(String(32))
    email_state: Mapped[str | None] = mapped_column(String(8))
    email_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    email_available_at: Mapped[datetime | None]
    email_claimed_until: Mapped[datetime | None]
    email_last_error: Mapped[str | None] = mapped_column(Text)
    email_done_at: Mapped[datetime | None]
    documents_event: Mapped[str | None] = mapped_column(String(32))
    documents_state: Mapped[str | None] = mapped_column(String(8))
    documents_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    documents_available_at: Mapped[datetime | None]
    documents_claimed_until: Mapped[datetime | None]
    documents_last_error: Mapped[str | None] = mapped_column(Text)
    documents_done_at: Mapped[datetime | None]
    accounting_event: Mapped[str | None] = mapped_column(String(32))
    accounting_state: Mapped[str | None] = mapped_column(String(8))
    accounting_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    accounting_available_at: Mapped[datetime | None]
    accounting_claimed_until: Mapped[datetime | None]
    accounting_last_error: Mapped[str | None] = mapped_column(Text)
    accounting_done_at: Mapped[datetime | None]


class ViewBase(DeclarativeBase):
    """Read-only mappings of views: a metadata of their own, never created as tables."""

    type_annotation_map = {datetime: UTCDateTime}


class OutboxItemRow(ViewBase):
    """One side effect of the outbox, as a row (the view `outbox_items`, created by
    migration 0004): for reading, reports and operations' SQL. Consumers claim and
    update through oms.store.outbox."""

    __tablename__ = "outbox_items"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    topic: Mapped[str] = mapped_column(String(16), primary_key=True)
    seller_id: Mapped[int] = mapped_column(Id)
    order_id: Mapped[int] = mapped_column(Id)
    event: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer)
    available_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class QuarantineRow(Base):
    """A channel payload that could not be mapped, kept whole with the reason."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("channel_connections.id"))
    channel_order_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))  # open | resolved
    received_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("order_id", "kind"),
        UniqueConstraint("seller_id", "kind", "number"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(16))  # invoice | delivery_note
    number: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    path: Mapped[str | None] = mapped_column(String(1024))
    sha256: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime]


class NumberSequenceRow(Base):
    """Gapless per seller, kind and period: the increment commits with the document row."""

    __tablename__ = "number_sequences"
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # the year, or 0
    last_value: Mapped[int] = mapped_column(Integer)


def cast_table(model: type[DeclarativeBase]) -> Table:
    """The Core table of a mapped class, typed as such (for set-based statements)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def rowcount(result: object) -> int:
    """Rows matched by an UPDATE / DELETE / INSERT ... SELECT."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
