"""`make up`: the environment it gives the server, and stopping a process group by id."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from deployments.up import environment, start, stop


def test_up_turns_telemetry_off_and_batches_the_task_run_recorder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE", "500")
    env = environment()
    assert env["DO_NOT_TRACK"] == "1"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE"] == "200"
    assert env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE"] == "500"  # user wins
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"


def test_stopping_a_child_stops_its_own_children_too() -> None:
    script = (
        "import subprocess, sys, time;"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']);"
        "print(p.pid, flush=True); time.sleep(120)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, start_new_session=True
    )
    assert parent.stdout is not None
    grandchild = int(parent.stdout.readline())
    parent.stdout.close()
    stop("test", parent, grace=10)
    assert parent.returncode is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"process {grandchild} outlived its process group")


def test_start_puts_a_child_in_a_process_group_of_its_own() -> None:
    child = start(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ)
    )
    try:
        assert os.getpgid(child.pid) == child.pid != os.getpgid(0)
    finally:
        stop("sleeper", child, grace=5)
