"""A real Prefect server, the real `serve` process, a deployment run, the database checked.

The server gets its own PREFECT_HOME (SQLite) in a tmp dir and a free port; both
processes run in their own process groups and are stopped by process id.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from sqlalchemy import Engine

from oms.seller import Automations
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tests.factories import SellerSetup, import_orders, make_order

ROOT = Path(__file__).resolve().parents[2]
SERVER_ARGS = ("--host", "127.0.0.1", "--port")
AUTOMATIONS = {"auto-confirm/auto-confirm", "auto-ship/auto-ship", "auto-deliver/auto-deliver"}
QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole process group, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect server start` on a free port; yields its API URL."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", *SERVER_ARGS, str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, (home / "server.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("the Prefect server did not become healthy in 120 s")
        yield url
    finally:
        _stop(server)
        log.close()


def test_serve_registers_the_deployments_and_auto_confirm_runs_from_a_deployment(
    engine: Engine, db_url: str, shop: SellerSetup, prefect_server: str, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import_orders(engine, shop, [make_order(i) for i in range(20)])
    with transaction(engine) as session:
        seller_store.save_settings(
            session, shop.seller, "automations", Automations(auto_confirm=True)
        )
    env = {
        **os.environ,
        **QUIET,
        "PREFECT_API_URL": prefect_server,
        "SALES_SCALER_DATABASE_URL": db_url,
        "PREFECT_HOME": str(tmp_path / "serve-home"),
    }
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "deployments.serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with temporary_settings({PREFECT_API_URL: prefect_server}):
            _wait_for_deployments(serve, tmp_path / "serve.log", AUTOMATIONS)
            run = run_deployment(
                "auto-confirm/auto-confirm", parameters={"seller": "alpen"}, timeout=180
            )
            assert isinstance(run, FlowRun)
            assert run.state is not None and run.state.is_completed(), run.state
            assert run.name.startswith("auto-confirm-alpen-")
            with get_client(sync_client=True) as client:
                deployment = client.read_deployment_by_name("auto-ship/auto-ship")
                deadline = time.monotonic() + 30  # the server records task runs a bit later
                while True:
                    tasks = client.read_task_runs(flow_run_filter=_runs(run.id))
                    done = [t for t in tasks if t.state and t.state.is_completed()]
                    if len(done) >= 2 or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
        schedule = deployment.schedules[0].schedule
        assert getattr(schedule, "cron", None) == "*/15 * * * *"
        assert getattr(schedule, "timezone", None) == "Europe/Zurich"
        assert len(tasks) == len(done) == 2  # find-work + one batch of 20 orders
    finally:
        _stop(serve)
        log.close()
    with transaction(engine) as session:
        counts = order_store.count_by_status(session, shop.seller)
    assert counts == {"confirmed": 20}


def _runs(flow_run_id: UUID) -> FlowRunFilter:
    return FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))


def _wait_for_deployments(serve: subprocess.Popen[bytes], log: Path, names: set[str]) -> None:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + 120
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            assert serve.poll() is None, log.read_text()[-3000:]
            deployments = client.read_deployments()
            flows = {f.id: f.name for f in client.read_flows()}
            found = {f"{flows.get(d.flow_id)}/{d.name}" for d in deployments}
            if names <= found:
                return
            time.sleep(0.5)
    pytest.fail(f"serve did not register {names} in 120 s: {log.read_text()[-3000:]}")
