"""The composition root for flows and tasks: settings -> engine, and run summaries.

Tasks never read environment variables themselves; they ask here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect.artifacts import create_table_artifact
from sqlalchemy import Engine

from oms.settings import Settings, get_settings
from oms.store.db import engine_for


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    return engine_for(get_settings().database_url)


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys: lower-case letters, digits and dashes."""
    raw = "-".join(parts).lower()
    return "".join(c if c.isalnum() else "-" for c in raw).strip("-")[:100] or "summary"


def publish_table(key: str, rows: Sequence[dict[str, Any]], description: str) -> None:
    """End a run with a table artifact (what it did); never fails the run."""
    try:
        create_table_artifact(key=artifact_key(key), table=list(rows), description=description)
    except Exception:
        from prefect import get_run_logger

        get_run_logger().warning("could not publish the %s artifact", key, exc_info=True)
