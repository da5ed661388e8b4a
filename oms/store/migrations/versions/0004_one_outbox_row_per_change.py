"""one outbox row per change, with a column group per consumer; the view outbox_items

Until now a change wrote one outbox row per side effect: a confirmation wrote four (push
to the channel, buyer email, documents, payment booking). SQLite charges per row, and a
bulk confirm of 100,000 orders measured 6.9x the bare UPDATE, 4.8x with no code of ours.
Now the change writes one row, and each consumer keeps its own event, state, attempts,
back-off, lease, last error and completion time in its own columns. Existing rows are
folded: the rows of one change (same order, same key after `<topic>:<event>:`) become
one row that keeps the smallest id, so claiming in id order keeps every order's events
in order. The view `outbox_items` shows one row per side effect, as the table did.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import oms.store.types

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPICS = ("channel", "email", "documents", "accounting")
PER_TOPIC = ("event", "state", "attempts", "available_at", "claimed_until", "last_error", "done_at")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(column: str, topic: str) -> str:
    return f"MAX(CASE WHEN topic = '{topic}' THEN {column} END)"


def _view_sql() -> str:
    return "\nUNION ALL\n".join(
        f"SELECT id, seller_id, order_id, '{t}' AS topic, {t}_event AS event, "
        f"'{t}:' || {t}_event || ':' || idempotency_key AS idempotency_key, payload, "
        f"{t}_state AS state, {t}_attempts AS attempts, "
        f"COALESCE({t}_available_at, created_at) AS available_at, "
        f"{t}_claimed_until AS claimed_until, {t}_last_error AS last_error, created_at, "
        f"{t}_done_at AS done_at FROM outbox WHERE {t}_state IS NOT NULL"
        for t in TOPICS
    )


def upgrade() -> None:
    op.execute("CREATE TABLE outbox_0003 AS SELECT * FROM outbox")
    op.drop_table("outbox")
    columns: list[sa.Column[object]] = [
        sa.Column("id", Id, nullable=False),
        sa.Column("seller_id", Id, nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", oms.store.types.UTCDateTime(timezone=True), nullable=False),
    ]
    for t in TOPICS:
        columns += [
            sa.Column(f"{t}_event", sa.String(length=32), nullable=True),
            sa.Column(f"{t}_state", sa.String(length=8), nullable=True),
            sa.Column(f"{t}_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
            sa.Column(f"{t}_available_at", oms.store.types.UTCDateTime(timezone=True)),
            sa.Column(f"{t}_claimed_until", oms.store.types.UTCDateTime(timezone=True)),
            sa.Column(f"{t}_last_error", sa.Text(), nullable=True),
            sa.Column(f"{t}_done_at", oms.store.types.UTCDateTime(timezone=True)),
        ]
    op.create_table(
        "outbox",
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "order_id", "idempotency_key", name=op.f("uq_outbox_order_id_idempotency_key")
        ),
    )
    for t in TOPICS:
        op.create_index(
            f"ix_outbox_{t}_pending",
            "outbox",
            ["id"],
            postgresql_where=sa.text(f"{t}_state = 'pending'"),
            sqlite_where=sa.text(f"{t}_state = 'pending'"),
        )
    # The key of a change without its `<topic>:<event>:` prefix (keys written otherwise
    # stay whole).
    rest = (
        "CASE WHEN idempotency_key LIKE topic || ':' || event || ':%' "
        "THEN substr(idempotency_key, length(topic) + length(event) + 3) "
        "ELSE idempotency_key END"
    )
    per_topic = [f"{t}_{c}" for t in TOPICS for c in PER_TOPIC]
    picked = []
    for t in TOPICS:
        for c in PER_TOPIC:
            value = _when(c, t)
            picked.append(f"COALESCE({value}, 0)" if c == "attempts" else value)
    op.execute(
        f"INSERT INTO outbox (id, seller_id, order_id, idempotency_key, payload, created_at, "
        f"{', '.join(per_topic)}) "
        f"SELECT MIN(id), MIN(seller_id), order_id, rest, MIN(payload), MIN(created_at), "
        f"{', '.join(picked)} "
        f"FROM (SELECT outbox_0003.*, {rest} AS rest FROM outbox_0003) AS old "
        f"GROUP BY order_id, rest"
    )
    op.drop_table("outbox_0003")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('outbox', 'id'), "
            "COALESCE(MAX(id), 0) + 1, false) FROM outbox"
        )
    op.execute(f"CREATE VIEW outbox_items AS {_view_sql()}")


def downgrade() -> None:
    op.execute("DROP VIEW outbox_items")
    op.execute("CREATE TABLE outbox_0004 AS SELECT * FROM outbox")
    op.drop_table("outbox")
    op.create_table(
        "outbox",
        sa.Column("id", Id, nullable=False),
        sa.Column("seller_id", Id, nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", oms.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", oms.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", oms.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", oms.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "order_id", "idempotency_key", name=op.f("uq_outbox_order_id_idempotency_key")
        ),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["topic", "id"],
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )
    # One row per side effect again; the first keeps the change's id, the others get new ones.
    for n, t in enumerate(TOPICS):
        op.execute(
            f"INSERT INTO outbox ({'id, ' if n == 0 else ''}seller_id, order_id, topic, event, "
            f"idempotency_key, payload, state, attempts, available_at, claimed_until, "
            f"last_error, created_at, done_at) "
            f"SELECT {'id, ' if n == 0 else ''}seller_id, order_id, '{t}', {t}_event, "
            f"'{t}:' || {t}_event || ':' || idempotency_key, payload, {t}_state, "
            f"{t}_attempts, COALESCE({t}_available_at, created_at), {t}_claimed_until, "
            f"{t}_last_error, created_at, {t}_done_at FROM outbox_0004 "
            f"WHERE {t}_state IS NOT NULL ORDER BY id"
        )
        if n == 0 and op.get_bind().dialect.name == "postgresql":
            op.execute(
                "SELECT setval(pg_get_serial_sequence('outbox', 'id'), "
                "COALESCE(MAX(id), 0) + 1, false) FROM outbox"
            )
    op.drop_table("outbox_0004")
