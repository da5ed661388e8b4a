"""`make up`: the Prefect server (UI on http://127.0.0.1:4200), every deployment served,
and the seller API when it is installed. Ctrl-C stops them all, newest first.

Embedded defaults: Prefect keeps its state in ~/.prefect (SQLite), Sales Scaler in
var/sales-scaler.db. For PostgreSQL set the two URLs (two drivers, two databases):
  PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://user@host/prefect
  SALES_SCALER_DATABASE_URL=postgresql+psycopg://user@host/sales_scaler
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx

log = logging.getLogger("sales_scaler.up")

HOST = os.environ.get("SALES_SCALER_PREFECT_HOST", "127.0.0.1")
PORT = int(os.environ.get("SALES_SCALER_PREFECT_PORT", "4200"))

# PREFECT.md rules 8 and 9: batched task-run recorder, a retention period, no telemetry.
SERVER_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD": "P30D",
}


def environment() -> dict[str, str]:
    """Our defaults under whatever the user set (the user wins)."""
    env = {**SERVER_ENV, **os.environ}
    env["PREFECT_API_URL"] = f"http://{HOST}:{PORT}/api"
    return env


def start(name: str, argv: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child in its own process group, so that stopping it stops its children too."""
    log.info("starting %s: %s", name, " ".join(argv))
    return subprocess.Popen(list(argv), env=env, start_new_session=True)


def stop(name: str, process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    if process.poll() is not None:
        return
    log.info("stopping %s (pid %d)", name, process.pid)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the Prefect server exited with code {server.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the Prefect server was not healthy after {timeout:.0f} s")


def api_command() -> list[str] | None:
    """`sales-scaler api` when another package has added it; None otherwise."""
    from typer.main import get_command

    from oms.cli.main import app

    group = get_command(app)
    if "api" not in getattr(group, "commands", {}):
        return None
    cli = shutil.which("sales-scaler", path=os.path.dirname(sys.executable)) or "sales-scaler"
    return [cli, "api"]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s up: %(message)s")
    for noisy in ("httpx", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    env = environment()
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    server_argv = [sys.executable, "-m", "prefect", "server", "start", "--host", HOST]
    try:
        server = start("prefect server", [*server_argv, "--port", str(PORT)], env)
        children.append(("prefect server", server))
        wait_healthy(env["PREFECT_API_URL"], server)
        log.info("Prefect UI: http://%s:%d", HOST, PORT)
        serve = start("serve", [sys.executable, "-m", "deployments.serve"], env)
        children.append(("serve", serve))
        api = api_command()
        if api is None:
            log.info(
                "no `sales-scaler api` command in this installation: the seller API is not started"
            )
        else:
            children.append(("seller api", start("seller api", api, env)))
        while all(p.poll() is None for _, p in children):
            time.sleep(1)
        gone = [f"{n} (exit {p.returncode})" for n, p in children if p.poll() is not None]
        log.error("stopped unexpectedly: %s; stopping the rest", ", ".join(gone))
    except KeyboardInterrupt:
        log.info("Ctrl-C: stopping everything")
    finally:
        for name, process in reversed(children):
            stop(name, process)


if __name__ == "__main__":
    main()
