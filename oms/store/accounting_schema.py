"""Tables of the accounting export: bookings, their lines, and their export state per target."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oms.store.schema import Base, Id


class BookingRow(Base):
    """A balanced journal entry, written once per source (idempotency key)."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("seller_id", "voucher"),
        Index("ix_bookings_seller_order", "seller_id", "order_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(16))  # invoice | payment | reversal
    source_kind: Mapped[str] = mapped_column(String(16))  # outbox | booking (a reversal)
    source_id: Mapped[str] = mapped_column(String(64))  # the outbox row / reversed booking id
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    voucher: Mapped[str] = mapped_column(String(80))  # unique per seller: "1001-INV"
    booked_on: Mapped[date] = mapped_column(Date)  # the seller's local date
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(64))  # invoice number, else order number
    order_number: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(255))
    total: Mapped[Decimal]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), unique=True)
    created_at: Mapped[datetime]


class BookingLineRow(Base):
    __tablename__ = "booking_lines"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(16))
    debit: Mapped[Decimal]
    credit: Mapped[Decimal]
    vat_code: Mapped[str | None] = mapped_column(String(8))
    vat_rate: Mapped[Decimal | None]
    text: Mapped[str] = mapped_column(String(255))


class BookingExportRow(Base):
    """Where one booking stands with one target (csv, bexio): pending, sending, done or dead."""

    __tablename__ = "booking_exports"
    __table_args__ = (
        UniqueConstraint("booking_id", "target"),
        Index("ix_booking_exports_ready", "seller_id", "target", "state", "available_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    target: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(8))
    batch: Mapped[str | None] = mapped_column(String(128))  # the file / run it went out in
    attempts: Mapped[int] = mapped_column(Integer)
    # The last attempt may have reached the target (5xx, dropped connection): look before posting.
    uncertain: Mapped[bool]
    available_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(String(64))
    exported_at: Mapped[datetime | None]
