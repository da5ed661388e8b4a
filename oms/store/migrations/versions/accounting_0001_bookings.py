"""bookings, booking lines, booking exports

Revision ID: accounting_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import oms.store.types

revision: str = "accounting_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("voucher", sa.String(length=80), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("total", oms.store.types.Amount(precision=14, scale=4), nullable=False),
        sa.Column("reverses_id", ID, nullable=True),
        sa.Column("created_at", oms.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_bookings_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["bookings.id"], name=op.f("fk_bookings_reverses_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_bookings_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_bookings_idempotency_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_bookings_reverses_id")),
        sa.UniqueConstraint("seller_id", "voucher", name=op.f("uq_bookings_seller_id_voucher")),
    )
    op.create_index("ix_bookings_seller_order", "bookings", ["seller_id", "order_id"], unique=False)
    op.create_table(
        "booking_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column("debit", oms.store.types.Amount(precision=14, scale=4), nullable=False),
        sa.Column("credit", oms.store.types.Amount(precision=14, scale=4), nullable=False),
        sa.Column("vat_code", sa.String(length=8), nullable=True),
        sa.Column("vat_rate", oms.store.types.Amount(precision=14, scale=4), nullable=True),
        sa.Column("text", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_lines_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_lines")),
    )
    op.create_index(
        op.f("ix_booking_lines_booking_id"), "booking_lines", ["booking_id"], unique=False
    )
    op.create_table(
        "booking_exports",
        sa.Column("id", ID, nullable=False),
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("batch", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("available_at", oms.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", oms.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("remote_id", sa.String(length=64), nullable=True),
        sa.Column("exported_at", oms.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_exports_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_booking_exports_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_exports")),
        sa.UniqueConstraint(
            "booking_id", "target", name=op.f("uq_booking_exports_booking_id_target")
        ),
    )
    op.create_index(
        "ix_booking_exports_ready",
        "booking_exports",
        ["seller_id", "target", "state", "available_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_booking_exports_ready", table_name="booking_exports")
    op.drop_table("booking_exports")
    op.drop_index(op.f("ix_booking_lines_booking_id"), table_name="booking_lines")
    op.drop_table("booking_lines")
    op.drop_index("ix_bookings_seller_order", table_name="bookings")
    op.drop_table("bookings")
