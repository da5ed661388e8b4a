"""Migration 0004 folds the outbox rows of one change into one row, and back, losing nothing."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from oms.effects import Topic
from oms.store import outbox
from oms.store.db import make_engine, transaction
from oms.store.migrate import alembic_config, upgrade

# (id, topic, event, key, state, attempts, last_error): order 7, confirmed at version 2,
# shipped at version 3, and its invoice issued; rows as migration 0003 left them.
OLD_ROWS = [
    (1, "channel", "confirmed", "channel:confirmed:7:2", "done", 1, None),
    (2, "email", "confirmed", "email:confirmed:7:2", "dead", 8, "550 mailbox unavailable"),
    (3, "documents", "confirmed", "documents:confirmed:7:2", "pending", 0, None),
    (4, "accounting", "paid", "accounting:paid:7:2", "pending", 0, None),
    (5, "channel", "shipped", "channel:shipped:7:3", "pending", 0, None),
    (6, "email", "shipped", "email:shipped:7:3", "pending", 0, None),
    (7, "accounting", "invoice_issued", "accounting:invoice_issued:7", "pending", 0, None),
]


def items(url: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            query = (
                "SELECT topic, event, idempotency_key, state, attempts, last_error "
                "FROM outbox_items ORDER BY idempotency_key"
            )
            return [tuple(r) for r in c.execute(text(query))]
    finally:
        engine.dispose()


def test_the_rows_of_one_change_become_one_row_with_the_same_items(fresh_url: str) -> None:
    upgrade(fresh_url, "0003")
    engine = make_engine(fresh_url)
    with engine.begin() as c:
        for row in OLD_ROWS:
            c.execute(
                text(
                    "INSERT INTO outbox (id, seller_id, order_id, topic, event, idempotency_key, "
                    "payload, state, attempts, available_at, last_error, created_at) VALUES "
                    "(:id, 1, 7, :topic, :event, :key, '{}', :state, :attempts, "
                    "CURRENT_TIMESTAMP, :error, CURRENT_TIMESTAMP)"
                ),
                dict(
                    zip(
                        ["id", "topic", "event", "key", "state", "attempts", "error"],
                        row,
                        strict=True,
                    )
                ),
            )
    engine.dispose()

    upgrade(fresh_url)
    expected = sorted((t, e, k, s, a, err) for _, t, e, k, s, a, err in OLD_ROWS)
    assert sorted(items(fresh_url), key=lambda r: str(r[2])) == sorted(
        expected, key=lambda r: str(r[2])
    )
    engine = make_engine(fresh_url)
    with transaction(engine) as session:
        ids = session.scalars(text("SELECT id FROM outbox ORDER BY id")).all()
        assert ids == [1, 5, 7]
        # Order kept: the shipment goes once the confirmation is done (it is); the email of
        # the shipment waits behind the dead confirmation email.
        (shipped,) = outbox.claim(session, Topic.CHANNEL, 10, in_order=True)
        assert (shipped.id, shipped.idempotency_key) == (5, "channel:shipped:7:3")
        assert outbox.claim(session, Topic.EMAIL, 10, in_order=True) == []
        assert outbox.enqueue(session, 1, 7, Topic.EMAIL, "delivered", "7:4")
    with engine.connect() as c:
        assert c.execute(text("SELECT max(id) FROM outbox")).scalar_one() == 8
    engine.dispose()

    command.downgrade(alembic_config(fresh_url), "0003")
    engine = make_engine(fresh_url)
    with engine.connect() as c:
        back = c.execute(
            text(
                "SELECT topic, event, idempotency_key, state, attempts, last_error FROM outbox "
                "WHERE idempotency_key <> 'email:delivered:7:4'"
            )
        ).all()
    engine.dispose()
    again = [(t, e, k, s, a, err) for t, e, k, s, a, err in expected]
    claimed = {"channel:shipped:7:3": 1}  # the claim above counted an attempt
    assert sorted(tuple(r) for r in back) == sorted(
        (t, e, k, s, a + claimed.get(str(k), 0), err) for t, e, k, s, a, err in again
    )
