"""order lines: no foreign key to their order

Lines are written only by the order store, in the transaction that inserts their
order, and orders are never deleted. On PostgreSQL the foreign key was a trigger and
a row lock per line: ingesting 20,000 orders of three lines spent 2.6 s of the
server's CPU on those checks alone, half of all it spent (see bench/ingest.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_constraint("fk_order_lines_order_id_orders", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.create_foreign_key(
            "fk_order_lines_order_id_orders", "orders", ["order_id"], ["id"], ondelete="CASCADE"
        )
