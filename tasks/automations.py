"""The automation stages as plain functions, and the thin tasks the flows call.

A stage (auto-confirm, auto-ship, auto-deliver) is the seller's own bulk action
done by the actor `automation` on every order it applies to, for the sellers
whose switch is on. `find_work` decides which sellers have something to do (one
query), `advance` moves up to one batch of one seller's orders (one set-based
statement, SKIP LOCKED on PostgreSQL), so a flow run creates one task per batch.

Auto-ship runs once a day at each seller's local `auto_ship_at`: the deployment
ticks every SHIP_TICK (a cron in Europe/Zurich), and a scheduled tick at instant
t ships the sellers whose ship time today (in their own time zone) falls in
(t - SHIP_TICK, t]. The window is anchored on the run's *scheduled* time, so a
late run or a retry from the UI ships the same sellers. A run that no schedule
created (an operator's run from the UI or the CLI) ships at once (tick=None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine, func, select

from oms import actions
from oms.seller import Seller
from oms.status import Action, Actor, OrderStatus, sources
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OrderRow
from tasks import runtime

SHIP_TICK = timedelta(minutes=15)


class Stage(StrEnum):
    """An automation stage; its value is the seller's switch in `Automations`."""

    CONFIRM = "auto_confirm"
    SHIP = "auto_ship"
    DELIVER = "auto_deliver"

    @property
    def action(self) -> Action:
        return _ACTIONS[self]

    @property
    def source(self) -> OrderStatus:
        (status,) = sources(self.action)
        return status

    @property
    def label(self) -> str:
        return self.value.replace("_", "-")

    def is_on(self, seller: Seller) -> bool:
        return bool(getattr(seller.automations, self.value))


_ACTIONS = {Stage.CONFIRM: Action.CONFIRM, Stage.SHIP: Action.SHIP, Stage.DELIVER: Action.DELIVER}


@dataclass(frozen=True)
class SellerWork:
    slug: str
    pending: int  # orders in the stage's source status when the run looked


@dataclass
class Work:
    """What one run of a stage will do, and why the other sellers are left alone."""

    sellers: list[SellerWork] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # slug -> reason


def ship_instants(seller: Seller, days: Sequence[date]) -> list[datetime]:
    """The seller's auto-ship moments on those local days, as UTC instants."""
    zone = ZoneInfo(seller.profile.timezone)
    at = seller.automations.auto_ship_at
    return [datetime.combine(day, at, tzinfo=zone).astimezone(UTC) for day in days]


def ship_due(seller: Seller, tick: datetime, window: timedelta = SHIP_TICK) -> bool:
    """True when the seller's ship time falls in (tick - window, tick]."""
    zone = ZoneInfo(seller.profile.timezone)
    start = tick - window
    days = sorted({start.astimezone(zone).date(), tick.astimezone(zone).date()})
    return any(start < instant <= tick for instant in ship_instants(seller, days))


def pending_counts(
    engine: Engine, status: OrderStatus, seller_ids: Sequence[int]
) -> dict[int, int]:
    """Orders per seller in `status` (one grouped query over the status index)."""
    if not seller_ids:
        return {}
    query = (
        select(OrderRow.seller_id, func.count())
        .where(OrderRow.seller_id.in_(list(seller_ids)), OrderRow.status == status.value)
        .group_by(OrderRow.seller_id)
    )
    with transaction(engine) as session:
        return {sid: n for sid, n in session.execute(query).tuples()}


def find_work(
    engine: Engine, stage: Stage, seller: str | None = None, tick: datetime | None = None
) -> Work:
    """The sellers this run advances: switch on (and, for a scheduled auto-ship, due now)."""
    with transaction(engine) as session:
        candidates = (
            [seller_store.get_seller(session, seller)]
            if seller
            else seller_store.list_sellers(session)
        )
    work = Work()
    chosen: list[Seller] = []
    for s in candidates:
        if not stage.is_on(s):
            work.skipped[s.slug] = f"{stage.label} is off"
        elif stage is Stage.SHIP and tick is not None and not ship_due(s, tick):
            work.skipped[s.slug] = f"ships at {s.automations.auto_ship_at:%H:%M} local time"
        else:
            chosen.append(s)
    counts = pending_counts(engine, stage.source, [s.id for s in chosen])
    for s in chosen:
        if counts.get(s.id):
            work.sellers.append(SellerWork(s.slug, counts[s.id]))
        else:
            work.skipped[s.slug] = f"no {stage.source.value} orders"
    return work


def advance(engine: Engine, stage: Stage, seller: str, limit: int, batch_size: int) -> int:
    """Advance up to `limit` of the seller's orders; 0 if its switch went off meanwhile."""
    with transaction(engine) as session:
        current = seller_store.get_seller(session, seller)
    if not stage.is_on(current):
        return 0
    result = actions.advance_all(
        engine, current, stage.action, Actor.AUTOMATION, batch_size=batch_size, max_orders=limit
    )
    return result.count


def drive(work: Work, batch: int, advance_one: Callable[[str, int], int]) -> dict[str, int]:
    """Advance each seller of `work` batch by batch; returns the orders changed per seller.

    Bounded: at most the orders found at the start; orders that arrive later wait for
    the next run. A batch that comes back short means the rest was taken by an
    overlapping run (or the switch went off), so that seller is done.
    """
    changed: dict[str, int] = {}
    for item in work.sellers:
        changed[item.slug], remaining = 0, item.pending
        while remaining > 0:
            want = min(batch, remaining)
            done = advance_one(item.slug, want)
            changed[item.slug] += done
            remaining -= done
            if done < want:
                break
    return changed


# Database hiccups are worth a retry; both tasks are idempotent (status-guarded updates).
# No result cache: idempotency lives in our tables (PREFECT.md rule 5).


@task(
    name="find-work",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_jitter_factor=0.5,
)
def find_work_task(stage: Stage, seller: str | None, tick: datetime | None) -> Work:
    """Which sellers have orders for this stage (one query)."""
    return find_work(runtime.engine(), stage, seller, tick)


@task(
    name="advance-batch",
    task_run_name="{stage.label}-{seller}",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_jitter_factor=0.5,
)
def advance_task(stage: Stage, seller: str, limit: int) -> int:
    """One batch of one seller: one set-based statement with its audit and outbox rows."""
    batch = runtime.settings().bulk_batch()
    return advance(runtime.engine(), stage, seller, limit, batch)
