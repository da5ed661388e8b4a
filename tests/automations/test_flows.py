"""The automation flows through Prefect (the session's test API), the CLI and the failure hook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from sqlalchemy import Engine
from typer.testing import CliRunner

from flows.automations import auto_confirm, auto_deliver, auto_ship
from flows.hooks import hook_settings
from oms.cli.main import app
from tests.automations.fixtures import seller_with, statuses


def _task_runs(flow_run_id: Any, expected: int) -> int:
    """Task runs the server recorded for the run (its recorder lags a little: poll)."""
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            if len(runs) >= expected or time.monotonic() > deadline:
                return len(runs)
            time.sleep(0.5)


def test_each_stage_runs_one_task_per_batch_and_leaves_other_sellers_alone(
    engine: Engine, prefect_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALES_SCALER_BULK_BATCH_SIZE", "100")
    on = seller_with(engine, "on", 250, auto_confirm=True, auto_ship=True, auto_deliver=True)
    off = seller_with(engine, "off", 40, start=1000)
    state = auto_confirm(return_state=True)
    assert state.is_completed() and state.result() == {"on": 250}
    assert _task_runs(state.state_details.flow_run_id, 4) == 1 + 3  # find-work + 3 batches
    assert auto_ship(seller="on") == {"on": 250}  # an operator's run ships at once
    assert auto_deliver() == {"on": 250}
    assert statuses(engine, on) == {"delivered": 250}
    assert statuses(engine, off) == {"open": 40}


def test_a_stage_with_nothing_to_do_changes_nothing(engine: Engine, prefect_api: None) -> None:
    seller_with(engine, "late", 5, auto_confirm=True, auto_ship=True, auto_ship_at="23:59")
    assert auto_confirm(seller="late") == {"late": 5}
    assert auto_deliver(seller="late") == {}


class _Sink(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Sink.received = []
    monkeypatch.setenv(
        "SALES_SCALER_FAILURE_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook?token=x"
    )
    hook_settings.cache_clear()
    yield _Sink.received
    server.shutdown()
    hook_settings.cache_clear()


def test_a_failed_run_is_posted_to_the_failure_webhook(
    engine: Engine, prefect_api: None, webhook: list[dict[str, Any]]
) -> None:
    state = auto_confirm.with_options(retries=0)(seller="nobody", return_state=True)
    assert state.is_failed()
    (notice,) = webhook
    assert notice["flow"] == "auto-confirm"
    assert notice["state"] == "Failed"
    assert notice["parameters"] == {"seller": "nobody"}
    assert notice["flow_run"].startswith("auto-confirm-nobody-")
    assert "Failed" in notice["text"] and "token" not in notice["text"]


def test_sales_scaler_run_runs_a_flow_once_and_refuses_unknown_flows(
    engine: Engine, prefect_api: None
) -> None:
    seller_with(engine, "cli", 7, auto_confirm=True)
    runner = CliRunner()
    unknown = runner.invoke(app, ["run", "auto-everything"])
    assert unknown.exit_code == 2 and "unknown flow 'auto-everything'" in unknown.output
    wrong = runner.invoke(app, ["run", "auto-confirm", "--channel", "shop"])
    assert wrong.exit_code == 2 and "auto-confirm takes no --channel" in wrong.output
    done = runner.invoke(app, ["run", "auto_confirm", "--seller", "cli"])
    assert done.exit_code == 0, done.output
    assert '"cli": 7' in done.output
