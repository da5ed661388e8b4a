"""The three automation stages: auto-confirm, auto-ship, auto-deliver.

Each is the seller's own bulk action done by the actor `automation`, so every
side effect (channel push, buyer email, documents, accounting) is written to the
outbox exactly as when the seller clicks. Only sellers whose switch is on are
touched. Runs may overlap and may be retried from the UI: every batch is one
status-guarded, set-based statement (SKIP LOCKED on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from flows.hooks import notify_failure
from tasks import runtime
from tasks.automations import Stage, advance_task, drive, find_work_task


def run_name(stage: Stage) -> str:
    seller = flow_run.parameters.get("seller") if flow_run.id else None
    return f"{stage.label}-{seller or 'all-sellers'}-{datetime.now(UTC):%Y%m%d-%H%M}"


def schedule_tick() -> datetime | None:
    """The scheduled time of a run a schedule created (kept on retries); None otherwise."""
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None or not ctx.flow_run.auto_scheduled:
        return None
    return ctx.flow_run.expected_start_time


def run_stage(stage: Stage, seller: str | None) -> dict[str, int]:
    """Find the sellers with work, then one task per batch until each is done."""
    runtime.settle_heap()
    logger = get_run_logger()
    tick = schedule_tick() if stage is Stage.SHIP else None
    work = find_work_task(stage, seller, tick)
    batch = runtime.settings().bulk_batch()
    changed = drive(work, batch, lambda slug, limit: advance_task(stage, slug, limit))
    verb = stage.action.value
    rows: list[dict[str, Any]] = [
        {"seller": w.slug, "found": w.pending, verb: changed[w.slug]} for w in work.sellers
    ]
    for w in work.sellers:
        logger.info(
            "%s: %s of %s %s orders", w.slug, changed[w.slug], w.pending, stage.source.value
        )
    rows += [{"seller": slug, "skipped": why} for slug, why in sorted(work.skipped.items())]
    runtime.publish_table(
        f"{stage.label}-{seller or 'all'}",
        rows or [{"seller": "-", "skipped": "no sellers"}],
        f"{stage.label}: {sum(changed.values())} orders {verb}",
    )
    return changed


@flow(
    name="auto-confirm",
    flow_run_name=lambda: run_name(Stage.CONFIRM),
    retries=1,
    retry_delay_seconds=30,
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def auto_confirm(seller: str | None = None) -> dict[str, int]:
    """Confirm every open order of the sellers with auto-confirm on (all, or `seller`)."""
    return run_stage(Stage.CONFIRM, seller)


@flow(
    name="auto-ship",
    flow_run_name=lambda: run_name(Stage.SHIP),
    retries=1,
    retry_delay_seconds=30,
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def auto_ship(seller: str | None = None) -> dict[str, int]:
    """Ship every confirmed order of the sellers whose daily auto-ship time is now.

    A scheduled run ships the sellers whose `auto_ship_at` (their local time) falls
    in the 15 minutes up to the run's scheduled time; a run no schedule created (from
    the UI or `sales-scaler run`) ships at once.
    """
    return run_stage(Stage.SHIP, seller)


@flow(
    name="auto-deliver",
    flow_run_name=lambda: run_name(Stage.DELIVER),
    retries=1,
    retry_delay_seconds=30,
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
)
def auto_deliver(seller: str | None = None) -> dict[str, int]:
    """Mark delivered every shipped order of the sellers with auto-deliver on."""
    return run_stage(Stage.DELIVER, seller)
