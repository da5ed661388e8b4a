"""The deployments and their schedules are what the table in the issue says."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.deployments.runner import RunnerDeployment

from deployments.catalog import ScheduleSettings, catalog, load_flow
from deployments.serve import build
from tests.factories import SellerSetup

ROOT = Path(__file__).resolve().parents[2]
FIVE_MINUTES = timedelta(seconds=300)


def _schedule(deployment: RunnerDeployment) -> object:
    assert deployment.schedules
    return deployment.schedules[0].schedule


def test_the_catalog_has_every_flow_with_the_agreed_schedule() -> None:
    specs = {s.name: s for s in catalog(ScheduleSettings())}
    assert specs["auto-confirm"].every == FIVE_MINUTES
    assert specs["auto-deliver"].every == FIVE_MINUTES
    assert specs["auto-ship"].cron == "*/15 * * * *"
    assert specs["ingest-all"].every == FIVE_MINUTES
    for name in ("push-to-channels", "render-documents", "send-notifications"):
        assert specs[name].every == timedelta(minutes=1), name
    assert specs["export-accounting"].cron == "0 * * * *"
    assert specs["auto-confirm"].entrypoint == "flows/automations.py:auto_confirm"
    assert specs["ingest-orders"].entrypoint == "flows/ingest.py:ingest_orders"


def test_the_ingest_interval_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALES_SCALER_INGEST_EVERY_SECONDS", "120")
    specs = {s.name: s for s in catalog(ScheduleSettings())}
    assert specs["ingest-all"].every == timedelta(minutes=2)


def test_serve_registers_the_automations_with_time_zones_and_one_run_at_a_time(
    shop: SellerSetup,
) -> None:
    deployments = {d.name: d for d in build(ScheduleSettings())}
    for name in ("auto-confirm", "auto-deliver"):
        schedule = _schedule(deployments[name])
        assert isinstance(schedule, IntervalSchedule)
        assert schedule.interval == FIVE_MINUTES
        assert schedule.timezone == "Europe/Zurich"
    ship = _schedule(deployments["auto-ship"])
    assert isinstance(ship, CronSchedule)
    assert (ship.cron, ship.timezone) == ("*/15 * * * *", "Europe/Zurich")
    for deployment in deployments.values():
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options is not None
        assert deployment.concurrency_options.collision_strategy == "CANCEL_NEW"


def test_serve_makes_one_ingest_deployment_per_channel_connection(shop: SellerSetup) -> None:
    deployments = {d.name: d for d in build(ScheduleSettings())}
    ingest_spec = next(s for s in catalog() if s.name == "ingest-orders")
    if load_flow(ingest_spec) is None:
        assert not [n for n in deployments if n.startswith("ingest")]
        return
    assert "ingest-all" not in deployments
    shop_sync = deployments["ingest-alpen-shop"]
    assert shop_sync.parameters == {"seller": "alpen", "channel": "shop"}
    assert {"ingest", "seller:alpen", "channel:alpen/shop"} <= set(shop_sync.tags)
    schedule = _schedule(shop_sync)
    assert isinstance(schedule, IntervalSchedule) and schedule.interval == FIVE_MINUTES
    assert deployments["ingest-alpen-market"].parameters["channel"] == "market"


def test_prefect_yaml_has_the_same_deployments_and_schedules_as_serve() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    in_yaml = {d["name"]: d for d in config["deployments"]}
    specs = {s.name: s for s in catalog(ScheduleSettings()) if s.name != "ingest-orders"}
    assert set(in_yaml) == set(specs)
    for name, spec in specs.items():
        entry = in_yaml[name]
        (schedule,) = entry["schedules"]
        assert entry["entrypoint"] == spec.entrypoint, name
        assert schedule["timezone"] == "Europe/Zurich", name
        if spec.cron:
            assert schedule["cron"] == spec.cron, name
        else:
            assert spec.every is not None
            assert schedule["interval"] == spec.every.total_seconds(), name
        assert entry["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}


def test_every_scheduled_flow_reports_its_failures_and_crashes() -> None:
    """Operations hear of a failed or crashed run of any flow (log line + optional webhook)."""
    from flows.hooks import notify_failure

    for spec in catalog(ScheduleSettings()):
        found = load_flow(spec)
        assert found is not None, spec.name
        assert notify_failure in found.on_failure_hooks, spec.name
        assert notify_failure in found.on_crashed_hooks, spec.name
