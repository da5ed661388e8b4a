"""Settings (every group), channel connections and quarantine through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from oms.store import quarantine
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tests.api.conftest import Tenant
from tests.factories import IBAN


def test_every_settings_group_reads_and_is_replaced_after_validation(
    engine: Engine, client: TestClient, alpen: Tenant
) -> None:
    everything = client.get("/v1/settings").json()
    assert set(everything) == {
        "profile",
        "automations",
        "notifications",
        "branding",
        "documents",
        "accounts",
    }
    for group, value in everything.items():
        assert client.get(f"/v1/settings/{group}").json() == value
        assert client.put(f"/v1/settings/{group}", json=value).json() == value
    accounts = {**everything["accounts"], "revenue": "3210"}
    assert client.put("/v1/settings/accounts", json=accounts).json()["revenue"] == "3210"
    with transaction(engine) as session:
        assert seller_store.get_seller(session, "alpen").accounts.revenue == "3210"


def test_patch_changes_some_fields_and_bad_values_change_nothing(
    engine: Engine, client: TestClient
) -> None:
    on = client.patch(
        "/v1/settings/automations", json={"auto_confirm": True, "auto_ship_at": "16:30"}
    )
    assert on.json()["auto_confirm"] is True and on.json()["auto_ship_at"] == "16:30:00"
    iban = client.patch("/v1/settings/profile", json={"iban": IBAN})
    assert iban.json()["iban"] == IBAN.replace(" ", "")
    bad_iban = client.patch("/v1/settings/profile", json={"iban": "CH00 1234"})
    assert bad_iban.status_code == 422
    assert "IBAN" in bad_iban.json()["error"]["message"]
    colour = client.put("/v1/settings/branding", json={"primary_colour": "red"})
    assert colour.status_code == 422
    assert colour.json()["error"]["details"][0]["loc"] == ["body", "primary_colour"]
    unknown = client.patch("/v1/settings/branding", json={"logo": "x"})
    assert unknown.status_code == 422 and "no such field" in unknown.json()["error"]["message"]
    slug = client.patch("/v1/settings/profile", json={"slug": "someone-else"})
    assert slug.status_code == 422
    with transaction(engine) as session:
        seller = seller_store.get_seller(session, "alpen")
    assert seller.branding.primary_colour == "#1f3a5f"
    assert seller.profile.iban == IBAN.replace(" ", "")


def test_channels_are_listed_added_once_and_validated(client: TestClient) -> None:
    assert [c["name"] for c in client.get("/v1/channels").json()] == ["market", "shop"]
    body = {
        "name": "woo",
        "platform": "woocommerce",
        "base_url": "https://shop.example/",
        "credentials_ref": "env:WOO_KEY",
        "options": {"invoice_payment_methods": ["bacs"]},
    }
    added = client.post("/v1/channels", json=body)
    assert added.status_code == 201
    assert added.json()["kind"] == "webshop" and added.json()["base_url"] == "https://shop.example"
    assert client.get("/v1/channels/woo").json()["options"]["invoice_payment_methods"] == ["bacs"]
    again = client.post("/v1/channels", json=body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    secret = client.post("/v1/channels", json={**body, "name": "w2", "credentials_ref": "hunter2"})
    assert secret.status_code == 422
    assert "hunter2" not in secret.text
    assert client.get("/v1/channels/nope").status_code == 404


def test_quarantined_payloads_are_listed_and_shown(
    engine: Engine, client: TestClient, alpen: Tenant
) -> None:
    with transaction(engine) as session:
        item = quarantine.add(
            session, alpen.setup.seller.id, alpen.setup.webshop.id, {"id": 7}, "lines missing", "7"
        )
    listed = client.get("/v1/quarantine").json()
    assert [(q["id"], q["reason"], q["payload"]) for q in listed] == [
        (item, "lines missing", {"id": 7})
    ]
    assert client.get(f"/v1/quarantine/{item}").json()["channel_order_id"] == "7"
    assert client.get(f"/v1/quarantine/{item + 1}").status_code == 404


def test_the_openapi_document_is_served_and_names_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "/v1/orders/{number}/documents/{kind}" in spec["paths"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert op.get("summary"), (method, path)
            assert "401" in op["responses"], (method, path)
            assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"
            }
    assert client.get("/docs").status_code == 200
