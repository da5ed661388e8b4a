"""The web console over HTTP: sign in, the orders table, bulk actions, tracking, printing,
an order's timeline, branding with preview, languages, and its CSRF defences."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture
def signed_in(app_client: TestClient, alpen: Tenant) -> TestClient:
    answer = app_client.post("/console/login", data={"api_key": alpen.key}, follow_redirects=False)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    return app_client


def test_signing_in_needs_a_valid_key_and_pages_need_a_session(
    app_client: TestClient, alpen: Tenant
) -> None:
    assert app_client.get("/console/orders", follow_redirects=False).headers["location"] == (
        "/console/login"
    )
    wrong = app_client.post("/console/login", data={"api_key": alpen.key + "x"})
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    assert app_client.cookies.get("ss_session") is None


def test_the_orders_table_filters_and_confirms_the_ticked_orders(signed_in: TestClient) -> None:
    page = signed_in.get("/console/orders")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.text.count('name="order"') == 5
    answer = signed_in.post(
        "/console/orders/act",
        data={
            "csrf": _csrf(page.text),
            "action": "confirm",
            "order": ["1001", "1002"],
            "back": "/console/orders?status=open",
        },
    )
    assert answer.url.path == "/console/orders" and answer.url.query == b"status=open"
    assert "2 orders changed" in answer.text or "2 Bestellungen geändert" in answer.text
    assert answer.text.count('name="order"') == 3
    confirmed = signed_in.get("/console/orders", params={"status": "confirmed", "channel": "shop"})
    assert re.findall(r'name="order" value="(\d+)"', confirmed.text) == ["1001", "1002"]


def test_a_form_without_the_csrf_token_or_from_elsewhere_changes_nothing(
    signed_in: TestClient,
) -> None:
    signed_in.post("/console/orders/act", data={"action": "confirm", "order": ["1001"]})
    token = _csrf(signed_in.get("/console/orders").text)
    signed_in.post(
        "/console/orders/act",
        data={"csrf": token, "action": "confirm", "order": ["1001"]},
        headers={"Origin": "https://evil.example"},
    )
    assert signed_in.get("/v1/orders/1001").status_code == 401  # the API wants a bearer key
    page = signed_in.get("/console/orders", params={"status": "open"})
    assert "1001" in page.text


def test_tracking_is_added_to_each_confirmed_order_and_then_they_ship(
    signed_in: TestClient,
) -> None:
    token = _csrf(signed_in.get("/console/orders").text)
    signed_in.post(
        "/console/orders/act", data={"csrf": token, "action": "confirm", "order": ["1001", "1002"]}
    )
    form = signed_in.post(
        "/console/tracking", data={"csrf": token, "order": ["1001", "1002", "1003"]}
    )
    assert 'name="tracking_id:1001"' in form.text and 'name="tracking_id:1003"' not in form.text
    saved = signed_in.post(
        "/console/tracking/save",
        data={
            "csrf": token,
            "order": ["1001", "1002"],
            "tracking_id:1001": "99.01",
            "carrier:1001": "Post",
            "url:1001": "https://post.ch/99.01",
            "tracking_id:1002": "99.02",
            "url:1002": "not a url",
        },
    )
    assert "99.01" in saved.text and "order 1002" in saved.text
    signed_in.post("/console/orders/act", data={"csrf": token, "action": "ship", "order": ["1001"]})
    order = signed_in.get("/console/orders/1001")
    assert "99.01" in order.text and 'class="timeline"' in order.text
    assert order.text.count("<li><time") == 4  # imported, confirm, track, ship


def test_printing_the_ticked_orders_gives_one_pdf(signed_in: TestClient) -> None:
    token = _csrf(signed_in.get("/console/orders").text)
    signed_in.post(
        "/console/orders/act", data={"csrf": token, "action": "confirm", "order": ["1001", "1002"]}
    )
    pdf = signed_in.post(
        "/console/print", data={"csrf": token, "kind": "invoice", "order": ["1001", "1002", "1003"]}
    )
    assert (
        pdf.headers["content-type"] == "application/pdf" and pdf.headers["x-skipped-count"] == "1"
    )
    nothing = signed_in.post(
        "/console/print", data={"csrf": token, "kind": "invoice", "order": ["1004"]}
    )
    assert nothing.status_code == 409 and "order 1004" in nothing.text
    assert signed_in.get("/console/orders/4711").status_code == 404
    assert signed_in.get("/console/orders/%00").status_code == 404
    assert signed_in.get("/console/orders/1%00/documents/invoice").status_code == 404


def test_branding_is_previewed_unsaved_then_saved(signed_in: TestClient, alpen: Tenant) -> None:
    page = signed_in.get("/console/branding")
    token = _csrf(page.text)
    assert '<iframe name="preview" src="/console/branding/preview"' in page.text
    saved_preview = signed_in.get("/console/branding/preview")
    assert "#1f3a5f" in saved_preview.text
    assert "default-src 'none'" in saved_preview.headers["content-security-policy"]
    fields = {
        "csrf": token,
        "primary_colour": "#aa3300",
        "font": "DejaVu Serif",
        "thank_you": "Merci <script>alert(1)</script>",
    }
    preview = signed_in.post("/console/branding/preview", data=fields)
    assert "#aa3300" in preview.text and "<script>alert" not in preview.text
    assert "#aa3300" not in signed_in.get("/console/branding/preview").text
    bad = signed_in.post("/console/branding", data={**fields, "primary_colour": "red"})
    assert bad.status_code == 422
    signed_in.post("/console/branding", data=fields)
    assert signed_in.get("/v1/settings/branding", headers=alpen.headers).json()["font"] == (
        "DejaVu Serif"
    )


def test_the_console_speaks_four_languages(signed_in: TestClient) -> None:
    words = {"de": "Bestellungen", "fr": "Commandes", "it": "Ordini", "en": "Orders"}
    for code, word in words.items():
        page = signed_in.get(f"/console/lang/{code}", params={"back": "/console/orders"})
        assert f'<html lang="{code}">' in page.text and f"<h1>{word}</h1>" in page.text
    away = signed_in.get(
        "/console/lang/fr", params={"back": "//evil.example/"}, follow_redirects=False
    )
    assert away.headers["location"] == "/console/orders"


def test_signing_out_ends_the_session(signed_in: TestClient) -> None:
    token = _csrf(signed_in.get("/console/orders").text)
    signed_in.post("/console/logout", data={"csrf": token})
    assert signed_in.get("/console/orders").url.path == "/console/login"


def test_ticked_orders_are_cancelled_only_with_a_reason(signed_in: TestClient) -> None:
    token = _csrf(signed_in.get("/console/orders").text)
    without = signed_in.post(
        "/console/orders/act", data={"csrf": token, "action": "cancel", "order": ["1001"]}
    )
    assert "A reason is required" in without.text or "Grund" in without.text
    signed_in.post(
        "/console/orders/act",
        data={"csrf": token, "action": "cancel", "order": ["1001"], "reason": "out of stock"},
    )
    page = signed_in.get("/console/orders", params={"status": "cancelled"})
    assert re.findall(r'name="order" value="(\d+)"', page.text) == ["1001"]
