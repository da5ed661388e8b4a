"""What happens when a flow run fails or crashes: a log line, and an optional webhook.

Set SALES_SCALER_FAILURE_WEBHOOK_URL (e.g. a Slack / Teams / ntfy incoming webhook)
to get a JSON POST per failed run. The URL may hold a token, so it is a secret:
it is never logged. The hook never raises: a broken webhook must not hide the
original failure.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("sales_scaler.failures")


class HookSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SALES_SCALER_", env_file=".env", extra="ignore", frozen=True
    )

    failure_webhook_url: SecretStr | None = None
    failure_webhook_timeout_seconds: float = 5.0
    ui_url: str = "http://127.0.0.1:4200"


@lru_cache(maxsize=1)
def hook_settings() -> HookSettings:
    return HookSettings()


def failure_message(flow_name: str, run_name: str, state_name: str, message: str | None) -> str:
    return f"flow run {run_name} of {flow_name} ended {state_name}: {message or 'no message'}"


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The run's logger (shown in the UI) when there is a run context, else ours."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return log


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect on_failure / on_crashed hook: log the failure and POST it to the webhook."""
    settings = hook_settings()
    text = failure_message(flow.name, flow_run.name, state.name, state.message)
    _logger().error(text)
    url = settings.failure_webhook_url
    if url is None:
        return
    body = {
        "text": text,
        "flow": flow.name,
        "flow_run": flow_run.name,
        "flow_run_id": str(flow_run.id),
        "state": state.name,
        "parameters": dict(flow_run.parameters or {}),
        "tags": list(flow_run.tags or []),
        "ui": f"{settings.ui_url.rstrip('/')}/runs/flow-run/{flow_run.id}",
    }
    try:
        response = httpx.post(
            url.get_secret_value(), json=body, timeout=settings.failure_webhook_timeout_seconds
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        # Name the error class and status only: the URL (a secret) is in the exception text.
        status = getattr(getattr(exc, "response", None), "status_code", "")
        _logger().warning(
            "failure webhook did not accept the notice: %s %s", type(exc).__name__, status
        )
