"""Draining one outbox topic in batches: claim, hand the batch to a handler, record outcomes.

The handler gets the claimed items and answers one Outcome per item id. What it
does between claim and record (call a channel, render a PDF, send an email) must
be idempotent by the item's idempotency key: a worker may die after the effect
and before the record, and then the row is claimed again when its lease ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from oms.effects import Topic
from oms.store import outbox
from oms.store.db import transaction
from oms.store.outbox import OutboxItem


@dataclass(frozen=True)
class Outcome:
    """ok, or an error that is retried later (retryable) or parks the row as dead."""

    ok: bool
    error: str | None = None
    retryable: bool = True
    retry_after: float | None = None

    @staticmethod
    def done() -> Outcome:
        return Outcome(ok=True)

    @staticmethod
    def retry(error: str, retry_after: float | None = None) -> Outcome:
        return Outcome(ok=False, error=error, retryable=True, retry_after=retry_after)

    @staticmethod
    def give_up(error: str) -> Outcome:
        return Outcome(ok=False, error=error, retryable=False)


Handler = Callable[[Sequence[OutboxItem]], dict[int, Outcome]]


@dataclass
class DrainReport:
    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0
    batches: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row id, key, error)

    def add(self, other: DrainReport) -> None:
        self.claimed += other.claimed
        self.done += other.done
        self.retried += other.retried
        self.dead += other.dead
        self.batches += other.batches
        self.errors += other.errors


def drain_batch(
    engine: Engine,
    topic: Topic,
    handle: Handler,
    batch_size: int,
    max_attempts: int,
    lease_seconds: int = 300,
    in_order: bool = False,
    seller_id: int | None = None,
) -> DrainReport:
    """Claim one batch, handle it, record each outcome. An empty report means nothing was ready."""
    with transaction(engine) as session:
        items = outbox.claim(
            session, topic, batch_size, lease_seconds, seller_id=seller_id, in_order=in_order
        )
    report = DrainReport(claimed=len(items), batches=1 if items else 0)
    if not items:
        return report
    try:
        outcomes = handle(items)
    except Exception as exc:
        # The handler broke as a whole: every item is retried later, none is lost.
        outcomes = {i.id: Outcome.retry(f"{type(exc).__name__}: {exc}") for i in items}
    with transaction(engine) as session:
        ok = [i.id for i in items if outcomes.get(i.id, Outcome.retry("no outcome")).ok]
        outbox.mark_done(session, topic, ok)
        report.done = len(ok)
        for item in items:
            outcome = outcomes.get(item.id, Outcome.retry("the handler gave no outcome"))
            if outcome.ok:
                continue
            error = outcome.error or "failed"
            state = outbox.mark_failed(
                session, item, error, outcome.retryable, max_attempts, outcome.retry_after
            )
            if state == outbox.DONE:  # the handler committed it before it broke
                report.done += 1
                continue
            if state == outbox.DEAD:
                report.dead += 1
            else:
                report.retried += 1
            report.errors.append((item.id, item.idempotency_key, error))
    return report


def drain(
    engine: Engine,
    topic: Topic,
    handle: Handler,
    batch_size: int = 200,
    max_attempts: int = 8,
    max_batches: int = 1_000,
    in_order: bool = False,
    seller_id: int | None = None,
    lease_seconds: int | None = None,
) -> DrainReport:
    """Drain batches until nothing is ready (or `max_batches`): a bounded run per schedule tick.

    The lease (how long a claimed row stays invisible to other workers, and so how long
    rows of a worker that died wait) defaults to SALES_SCALER_OUTBOX_LEASE_SECONDS.
    """
    from oms.settings import get_settings

    lease = lease_seconds if lease_seconds is not None else get_settings().outbox_lease_seconds
    total = DrainReport()
    for _ in range(max_batches):
        report = drain_batch(
            engine,
            topic,
            handle,
            batch_size,
            max_attempts,
            lease_seconds=lease,
            in_order=in_order,
            seller_id=seller_id,
        )
        total.add(report)
        if report.claimed == 0:
            break
    return total
