"""`sales-scaler sellers api-key create|list|revoke` and `sales-scaler api --help`."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from oms.cli.main import app
from tests.factories import add_demo_seller

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"SALES_SCALER_SELLER": ""})
    return result.exit_code, result.stdout, result.stderr


def test_a_key_is_shown_once_works_and_stops_working_when_revoked(
    engine: Engine, app_client: TestClient
) -> None:
    add_demo_seller(engine, "alpen")
    code, out, err = run("sellers", "api-key", "create", "--name", "cms")
    assert code == 0, err
    key = out.strip()
    prefix = key[:12]
    assert key.startswith("ssk_") and f"API key {prefix} (cms)" in err
    me = app_client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json() == {"slug": "alpen", "name": "Alpen Handels AG"}
    code, listed, _ = run("sellers", "api-key", "list")
    assert prefix in listed and key not in listed
    code, out, _ = run("sellers", "api-key", "revoke", prefix.removeprefix("ssk_"))
    assert code == 0 and f"API key {prefix} of seller alpen revoked" in out
    assert app_client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    code, _, err = run("sellers", "api-key", "revoke", "ssk_00000000")
    assert code == 2 and "api key ssk_00000000 not found" in err


def test_the_api_command_serves_on_localhost_8000_by_default() -> None:
    code, out, _ = run("api", "--help")
    assert code == 0
    assert "127.0.0.1" in out and "8000" in out
