"""API keys: hashed at rest, 401 without a good key, and a key sees its own seller only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from oms.store import api_keys
from oms.store.api_keys_schema import ApiKeyRow
from oms.store.db import transaction
from tests.api.conftest import Tenant


def test_a_key_is_stored_only_as_its_hash(engine: Engine, alpen: Tenant) -> None:
    with transaction(engine) as session:
        rows = session.scalars(select(ApiKeyRow)).all()
    assert [r.prefix for r in rows] == [alpen.prefix]
    assert alpen.key.startswith(alpen.prefix)
    stored = " ".join(f"{r.prefix} {r.key_sha256} {r.name}" for r in rows)
    assert alpen.key not in stored
    assert alpen.key[len(alpen.prefix) :] not in stored


def test_no_key_a_wrong_key_and_a_malformed_header_are_401(
    app_client: TestClient, alpen: Tenant
) -> None:
    wrong = alpen.key[:-4] + ("AAAA" if not alpen.key.endswith("AAAA") else "BBBB")
    for headers in ({}, {"Authorization": f"Bearer {wrong}"}, {"Authorization": alpen.key}):
        answer = app_client.get("/v1/orders", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["www-authenticate"] == "Bearer"


def test_a_revoked_key_stops_working_at_once(
    engine: Engine, app_client: TestClient, alpen: Tenant
) -> None:
    assert app_client.get("/v1/me", headers=alpen.headers).json()["slug"] == "alpen"
    with transaction(engine) as session:
        api_keys.revoke_key(session, alpen.setup.seller, alpen.prefix)
    answer = app_client.get("/v1/me", headers=alpen.headers)
    assert answer.status_code == 401
    assert "revoked" in answer.json()["error"]["message"]


def test_another_sellers_order_is_not_found_and_untouched(
    app_client: TestClient, alpen: Tenant, berg: Tenant
) -> None:
    berg_orders = app_client.get("/v1/orders", headers=berg.headers).json()["items"]
    assert [o["order_number"] for o in berg_orders] == ["1001", "1002"]
    app_client.post("/v1/orders/1001/confirm", headers=alpen.headers)
    assert (
        app_client.get("/v1/orders/1001", headers=berg.headers).json()["order"]["status"] == "open"
    )
    assert app_client.get("/v1/orders/1005", headers=berg.headers).status_code == 404
    answer = app_client.post("/v1/orders/1005/confirm", headers=berg.headers)
    assert answer.status_code == 404
    assert answer.json()["error"] == {
        "code": "not_found",
        "message": "order 1005 not found",
        "details": None,
    }
    bulk = app_client.post(
        "/v1/orders/confirm", headers=berg.headers, json={"order_numbers": ["1003", "1004"]}
    ).json()
    assert bulk["applied"] == []
    assert {r["reason"] for r in bulk["refused"]} == {"not found"}
    mine = app_client.get("/v1/orders?status=open", headers=alpen.headers).json()["items"]
    assert [o["order_number"] for o in mine] == ["1002", "1003", "1004", "1005"]


def test_another_sellers_settings_channels_and_quarantine_stay_apart(
    engine: Engine, app_client: TestClient, alpen: Tenant, berg: Tenant
) -> None:
    from oms.store import quarantine

    with transaction(engine) as session:
        item = quarantine.add(session, alpen.setup.seller.id, None, {"id": 1}, "no lines")
    assert app_client.get(f"/v1/quarantine/{item}", headers=berg.headers).status_code == 404
    assert app_client.get("/v1/quarantine", headers=berg.headers).json() == []
    app_client.patch("/v1/settings/automations", headers=alpen.headers, json={"auto_confirm": True})
    assert (
        app_client.get("/v1/settings/automations", headers=berg.headers).json()["auto_confirm"]
        is False
    )
    added = app_client.post(
        "/v1/channels",
        headers=alpen.headers,
        json={
            "name": "woo",
            "platform": "woocommerce",
            "base_url": "https://shop.example",
            "credentials_ref": "env:WOO",
        },
    )
    assert added.status_code == 201
    assert app_client.get("/v1/channels/woo", headers=berg.headers).status_code == 404
