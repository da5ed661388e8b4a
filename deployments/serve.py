"""`python -m deployments.serve`: register every deployment with its schedule and run them.

Ingest gets one deployment per channel connection found in the database at
start (`ingest-<seller>-<channel>`, parameters seller + channel); with no
connections yet, one `ingest-all` deployment instead. Restart serve after
adding a connection. Every deployment has a concurrency limit of 1 with the
CANCEL_NEW strategy, enforced by the Prefect server: two syncs of the same
connection (or two runs of one stage) never run at once, and a tick that finds
its predecessor still running is cancelled rather than queued.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from deployments.catalog import FlowSpec, ScheduleSettings, catalog, load_flow
from oms.connection import ChannelConnection
from oms.settings import get_settings
from oms.store import sellers as seller_store
from oms.store.db import engine_for, transaction

log = logging.getLogger("sales_scaler.deployments")

ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)


def schedule_of(spec: FlowSpec, timezone: str) -> Schedule:
    if spec.cron is not None:
        return Cron(spec.cron, timezone=timezone)
    assert spec.every is not None, spec.name
    return Interval(spec.every, timezone=timezone)


def connections() -> list[tuple[str, ChannelConnection]]:
    """(seller slug, connection) for every channel connection in the database."""
    with transaction(engine_for(get_settings().database_url)) as session:
        slugs = {s.id: s.slug for s in seller_store.list_sellers(session)}
        return [(slugs[c.seller_id], c) for c in seller_store.list_connections(session)]


def _deployment(
    flow: Any,
    spec: FlowSpec,
    name: str,
    schedule: Schedule,
    params: dict[str, Any],
    tags: list[str],
) -> RunnerDeployment:
    deployment: RunnerDeployment = flow.to_deployment(
        name=name,
        schedules=[schedule],
        parameters=params,
        tags=sorted({*spec.tags, *tags}),
        concurrency_limit=ONE_AT_A_TIME,
        description=(flow.__doc__ or "").strip().splitlines()[0] if flow.__doc__ else None,
    )
    return deployment


def build(settings: ScheduleSettings | None = None) -> list[RunnerDeployment]:
    """Every deployment of this installation (flows not landed yet are left out, logged)."""
    s = settings or ScheduleSettings()
    specs = {spec.name: spec for spec in catalog(s)}
    found = connections()
    every_ingest = Interval(timedelta(seconds=s.ingest_every_seconds), timezone=s.timezone)
    out: list[RunnerDeployment] = []
    for name, spec in specs.items():
        if name == "ingest-orders" or (name == "ingest-all" and found):
            continue
        flow = load_flow(spec)
        if flow is not None:
            out.append(_deployment(flow, spec, name, schedule_of(spec, s.timezone), {}, []))
    ingest = load_flow(specs["ingest-orders"]) if found else None
    for slug, conn in found if ingest is not None else []:
        out.append(
            _deployment(
                ingest,
                specs["ingest-orders"],
                f"ingest-{slug}-{conn.name}",
                every_ingest,
                {"seller": slug, "channel": conn.name},
                [f"seller:{slug}", f"channel:{slug}/{conn.name}", f"platform:{conn.platform}"],
            )
        )
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("httpx", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = ScheduleSettings()
    deployments = build(settings)
    log.info("serving %d deployments: %s", len(deployments), ", ".join(d.name for d in deployments))
    serve(*deployments, limit=settings.serve_limit, pause_on_shutdown=False)


if __name__ == "__main__":
    main()
