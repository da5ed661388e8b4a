"""Every flow Sales Scaler runs on a schedule: entrypoint, schedule, tags.

One table, read by `deployments/serve.py` (the `serve` process of `make up`),
by `sales-scaler run` and checked against `prefect.yaml` by the tests. Flows
are imported lazily: a flow whose module is not there (yet) is left out with a
log line instead of stopping everything else.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from tasks.automations import SHIP_TICK

log = logging.getLogger("sales_scaler.deployments")

TIMEZONE = "Europe/Zurich"


class ScheduleSettings(BaseSettings):
    """Schedule knobs operations may change (SALES_SCALER_* variables)."""

    model_config = SettingsConfigDict(
        env_prefix="SALES_SCALER_", env_file=".env", extra="ignore", frozen=True
    )

    ingest_every_seconds: int = 300
    serve_limit: int = 8  # flow runs one serve process executes at once
    timezone: str = TIMEZONE


@dataclass(frozen=True)
class FlowSpec:
    """One flow as operations see it; `every` or `cron` is its schedule."""

    name: str  # the deployment name, also the `sales-scaler run` name
    entrypoint: str  # flows/<module>.py:<function>
    tags: tuple[str, ...]
    every: timedelta | None = None
    cron: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.entrypoint.split(":")[0].removesuffix(".py").replace("/", ".")

    @property
    def function(self) -> str:
        return self.entrypoint.split(":")[1]


def catalog(settings: ScheduleSettings | None = None) -> list[FlowSpec]:
    """Every scheduled flow (ingest per connection is added by serve.py from the database)."""
    s = settings or ScheduleSettings()
    minute = timedelta(minutes=1)
    ship_minutes = int(SHIP_TICK.total_seconds() // 60)
    return [
        FlowSpec(
            "ingest-all",
            "flows/ingest.py:ingest_all",
            ("ingest",),
            every=timedelta(seconds=s.ingest_every_seconds),
        ),
        FlowSpec("push-to-channels", "flows/push.py:push_to_channels", ("outbox",), every=minute),
        FlowSpec(
            "render-documents", "flows/documents.py:render_documents", ("outbox",), every=minute
        ),
        FlowSpec(
            "send-notifications", "flows/notify.py:send_notifications", ("outbox",), every=minute
        ),
        FlowSpec(
            "auto-confirm",
            "flows/automations.py:auto_confirm",
            ("automation",),
            every=timedelta(minutes=5),
        ),
        FlowSpec(
            "auto-ship",
            "flows/automations.py:auto_ship",
            ("automation",),
            cron=f"*/{ship_minutes} * * * *",
        ),
        FlowSpec(
            "auto-deliver",
            "flows/automations.py:auto_deliver",
            ("automation",),
            every=timedelta(minutes=5),
        ),
        FlowSpec(
            "export-accounting",
            "flows/accounting.py:export_accounting",
            ("accounting",),
            cron="0 * * * *",
        ),
        FlowSpec("ingest-orders", "flows/ingest.py:ingest_orders", ("ingest",)),  # per connection
    ]


def load_flow(spec: FlowSpec) -> Callable[..., Any] | None:
    """The flow object of `spec`, or None (with a log line) while its module is missing."""
    try:
        module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name != spec.module:
            log.error("%s cannot be imported (%s): %s is not served", spec.module, exc, spec.name)
        else:
            log.warning("%s is not there yet: %s is not served", spec.module, spec.name)
        return None
    except Exception as exc:  # another package's flow is broken: serve the rest
        log.error("%s cannot be imported (%r): %s is not served", spec.module, exc, spec.name)
        return None
    found = getattr(module, spec.function, None)
    if found is None:
        log.warning(
            "%s has no flow %s yet: %s is not served", spec.module, spec.function, spec.name
        )
    return found
