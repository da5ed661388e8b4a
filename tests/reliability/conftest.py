"""Fixtures of the reliability suite."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from adapters.channels.fakes import Faults, start_fake
from tests.conftest import PG_ADMIN_URL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `prefect server start` for the child processes of this suite, on PostgreSQL
    when it is reachable (several workers at once lock a SQLite-backed server)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    database = f"ss_prefect_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=database)
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = url.render_as_string(False)
    except Exception:
        database = ""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("prefect server start exited")
            time.sleep(0.5)
        else:
            raise RuntimeError("prefect server did not become healthy in 120 s")
        yield api
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        if database:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def child_env(engine: Engine, db_url: str, prefect_server: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALES_SCALER_")}
    env.update(
        PREFECT_API_URL=prefect_server,
        PREFECT_LOGGING_LEVEL="WARNING",
        SALES_SCALER_DATABASE_URL=db_url,
        SALES_SCALER_OUTBOX_LEASE_SECONDS="1",
        SALES_SCALER_DOCUMENTS_DIR=str(tmp_path / "documents"),
        SALES_SCALER_ACCOUNTING_DIR=str(tmp_path / "accounting"),
        SALES_SCALER_MAIL_DIR=str(tmp_path / "mail"),
    )
    return env


@pytest.fixture
def fake_shop() -> Iterator[Any]:
    fake = start_fake("shopify", faults=Faults(latency=0.01, seed=3))
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_market() -> Iterator[Any]:
    """Mirakl: every seller action is a state change there (accept, tracking, ship)."""
    fake = start_fake("mirakl", faults=Faults(latency=0.01, seed=4))
    try:
        yield fake
    finally:
        fake.stop()
