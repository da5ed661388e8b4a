"""The outbox queue and the gapless number sequences (both backends)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine, func, select

from oms import actions
from oms.draining import Outcome, drain
from oms.effects import Topic
from oms.store import outbox, sequences
from oms.store.db import make_engine, transaction
from oms.store.outbox import OutboxItem
from oms.store.schema import OutboxItemRow, OutboxRow
from tests.factories import SellerSetup, import_orders, make_order


def confirmed_orders(engine: Engine, shop: SellerSetup, n: int) -> None:
    import_orders(engine, shop, [make_order(i) for i in range(1, n + 1)])
    actions.confirm(engine, shop.seller, [str(1000 + i) for i in range(1, n + 1)])


def test_claimed_rows_are_leased_and_not_claimed_twice(engine: Engine, shop: SellerSetup) -> None:
    confirmed_orders(engine, shop, 3)
    with transaction(engine) as s:
        first = outbox.claim(s, Topic.CHANNEL, 2)
        second = outbox.claim(s, Topic.CHANNEL, 10)
        third = outbox.claim(s, Topic.CHANNEL, 10)
    assert len(first) == 2 and len(second) == 1 and third == []
    assert first[0].attempts == 1


def test_a_row_that_keeps_failing_is_parked_dead_with_its_last_error(
    engine: Engine, shop: SellerSetup
) -> None:
    confirmed_orders(engine, shop, 1)
    with transaction(engine) as s:
        (item,) = outbox.claim(s, Topic.CHANNEL, 10)
        assert (
            outbox.mark_failed(s, item, "HTTP 503", True, max_attempts=2, retry_after=0)
            == "pending"
        )
        (again,) = outbox.claim(s, Topic.CHANNEL, 10)
        assert outbox.mark_failed(s, again, "HTTP 503 again", True, max_attempts=2) == "dead"
        row = s.scalar(select(OutboxItemRow).where(OutboxItemRow.id == item.id))
        assert row is not None
        assert (row.state, row.attempts, row.last_error) == ("dead", 2, "HTTP 503 again")
        assert outbox.revive(s, Topic.CHANNEL, [item.id]) == 1


def test_in_order_claims_hold_back_later_events_of_the_same_order(
    engine: Engine, shop: SellerSetup
) -> None:
    confirmed_orders(engine, shop, 1)
    actions.ship(engine, shop.seller, [("1001", None)])
    with transaction(engine) as s:
        (first,) = outbox.claim(s, Topic.CHANNEL, 10, in_order=True)
        assert first.event == "confirmed"
        assert outbox.claim(s, Topic.CHANNEL, 10, in_order=True) == []
        outbox.mark_done(s, Topic.CHANNEL, [first.id])
        (second,) = outbox.claim(s, Topic.CHANNEL, 10, in_order=True)
    assert second.event == "shipped"


def test_drain_records_each_outcome_and_goes_on_past_a_bad_item(
    engine: Engine, shop: SellerSetup
) -> None:
    confirmed_orders(engine, shop, 5)

    seen: list[int] = []

    def handle(items: Sequence[OutboxItem]) -> dict[int, Outcome]:
        outcomes = {}
        for item in items:
            seen.append(item.id)
            bad = len(seen) == 3
            outcomes[item.id] = Outcome.give_up("400 bad request") if bad else Outcome.done()
        return outcomes

    report = drain(engine, Topic.CHANNEL, handle, batch_size=2)
    assert (report.done, report.dead, report.batches) == (4, 1, 3)
    assert report.errors[0][2] == "400 bad request"


def test_a_handler_that_crashes_loses_nothing(engine: Engine, shop: SellerSetup) -> None:
    confirmed_orders(engine, shop, 2)

    def broken(items: Sequence[OutboxItem]) -> dict[int, Outcome]:
        raise ConnectionError("network down")

    report = drain(engine, Topic.EMAIL, broken, batch_size=10, max_batches=1)
    assert (report.retried, report.done) == (2, 0)
    with transaction(engine) as s:
        states = set(s.scalars(select(OutboxItemRow.state).where(OutboxItemRow.topic == "email")))
    assert states == {"pending"}


def test_a_handler_that_commits_as_it_goes_then_breaks_does_not_requeue_what_it_did(
    engine: Engine, shop: SellerSetup
) -> None:
    """A consumer that commits each item as it goes (the buyer emails) and then breaks:
    the items it finished stay done and are not sent again; the rest are retried."""
    confirmed_orders(engine, shop, 3)

    def commits_one_then_breaks(items: Sequence[OutboxItem]) -> dict[int, Outcome]:
        with transaction(engine) as s:
            outbox.mark_done(s, Topic.EMAIL, [items[0].id])
        raise ConnectionError("connection lost after the first email")

    report = drain(engine, Topic.EMAIL, commits_one_then_breaks, batch_size=10, max_batches=1)
    assert (report.done, report.retried, len(report.errors)) == (1, 2, 2)
    with transaction(engine) as s:
        states = sorted(
            s.scalars(select(OutboxItemRow.state).where(OutboxItemRow.topic == "email"))
        )
        outbox.release(s, Topic.EMAIL, list(s.scalars(select(OutboxItemRow.id))))
        after_release = sorted(
            s.scalars(select(OutboxItemRow.state).where(OutboxItemRow.topic == "email"))
        )
    assert states == after_release == ["done", "pending", "pending"]


def test_numbers_are_gapless_and_a_rolled_back_number_is_reused(
    engine: Engine, shop: SellerSetup
) -> None:
    sid = shop.seller.id
    with transaction(engine) as s:
        assert sequences.next_value(s, sid, "invoice", 2026) == 1
        assert sequences.next_value(s, sid, "invoice", 2026) == 2
    with pytest.raises(RuntimeError), transaction(engine) as s:
        assert sequences.next_value(s, sid, "invoice", 2026) == 3
        raise RuntimeError("render failed")
    with transaction(engine) as s:
        assert sequences.next_value(s, sid, "invoice", 2026) == 3
        assert sequences.next_value(s, sid, "delivery_note", 2026) == 1
        assert sequences.next_value(s, sid, "invoice", 2027) == 1


def test_concurrent_writers_never_share_a_number(
    engine: Engine, shop: SellerSetup, db_url: str
) -> None:
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        own = make_engine(db_url)
        for _ in range(10):
            with transaction(own) as s:
                value = sequences.next_value(s, shop.seller.id, "invoice")
            with lock:
                got.append(value)
        own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 41))


def test_concurrent_claims_on_postgresql_skip_locked_rows(
    engine: Engine, shop: SellerSetup, db_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is a PostgreSQL property; SQLite serialises writers")
    confirmed_orders(engine, shop, 20)
    a, b = make_engine(db_url), make_engine(db_url)
    with transaction(a) as sa:
        first = outbox.claim(sa, Topic.CHANNEL, 10)
        with transaction(b) as sb:  # runs while the first claim's rows are still locked
            second = outbox.claim(sb, Topic.CHANNEL, 10)
    assert {i.id for i in first}.isdisjoint({i.id for i in second})
    assert len(first) == len(second) == 10
    a.dispose()
    b.dispose()


def test_a_change_is_one_outbox_row_and_each_consumer_keeps_its_own_state(
    engine: Engine, shop: SellerSetup
) -> None:
    """A confirmation names all its side effects in one row; the channel push finishing,
    the email failing for good and the documents waiting do not touch each other."""
    confirmed_orders(engine, shop, 1)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 1
        topics = set(s.scalars(select(OutboxItemRow.topic)))
        assert {"channel", "email", "documents"} <= topics
        (pushed,) = outbox.claim(s, Topic.CHANNEL, 10)
        outbox.mark_done(s, Topic.CHANNEL, [pushed.id])
        (email,) = outbox.claim(s, Topic.EMAIL, 10)
        assert email.id == pushed.id and email.idempotency_key.startswith("email:confirmed:")
        assert outbox.mark_failed(s, email, "550 no such mailbox", False, max_attempts=8) == "dead"
        # Marking one consumer's work never changes another's.
        outbox.mark_done(s, Topic.EMAIL, [email.id])
        outbox.release(s, Topic.DOCUMENTS, [email.id])
    with transaction(engine) as s:
        states = dict(s.execute(select(OutboxItemRow.topic, OutboxItemRow.state)).all())
        attempts = dict(s.execute(select(OutboxItemRow.topic, OutboxItemRow.attempts)).all())
    assert (states["channel"], states["email"], states["documents"]) == ("done", "dead", "pending")
    assert (attempts["channel"], attempts["email"], attempts["documents"]) == (1, 1, 0)
