"""Naming and tagging the channel flow runs (seller and channel in the name and the tags)."""

from __future__ import annotations

from collections.abc import Callable

from prefect import get_client
from prefect.runtime import flow_run


def run_name(prefix: str, *params: str) -> Callable[[], str]:
    """A flow-run name from the run's parameters, e.g. ingest-alpen-shop or push-all."""

    def name() -> str:
        values = flow_run.parameters
        parts = [str(values.get(p) or "all") for p in params]
        return "-".join([prefix, *parts])

    return name


def tag_run(*tags: str) -> None:
    """Add tags to the current flow run (the decorator has none that depend on parameters)."""
    run_id = flow_run.id
    if not run_id:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id)
        client.update_flow_run(run_id, tags=sorted({*current.tags, *tags}))
