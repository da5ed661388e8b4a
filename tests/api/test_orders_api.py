"""The order endpoints: list with filters and a cursor, show with timeline, every action."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Tenant
from tests.factories import import_orders, make_order


def test_the_list_pages_with_a_cursor_and_filters_by_status_and_channel(
    engine: Engine, client: TestClient, alpen: Tenant
) -> None:
    import_orders(
        engine, alpen.setup, [make_order(i, platform="mirakl") for i in (50, 51)], marketplace=True
    )
    seen: list[str] = []
    after = 0
    while True:
        page = client.get("/v1/orders", params={"limit": 2, "after": after}).json()
        seen += [o["order_number"] for o in page["items"]]
        if page["next_cursor"] is None:
            break
        after = page["next_cursor"]
    assert seen == ["1001", "1002", "1003", "1004", "1005", "1050", "1051"]
    market = client.get("/v1/orders", params={"channel": "market"}).json()
    assert [o["order_number"] for o in market["items"]] == ["1050", "1051"]
    assert market["items"][0]["total"] == "51.9" and market["items"][0]["channel"] == "market"
    client.post("/v1/orders/confirm", json={"order_numbers": ["1002", "1050"]})
    confirmed = client.get("/v1/orders", params={"status": "confirmed", "channel": "shop"}).json()
    assert [o["order_number"] for o in confirmed["items"]] == ["1002"]
    bad = client.get("/v1/orders", params={"status": "lost", "limit": 0})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"
    assert {tuple(d["loc"]) for d in bad.json()["error"]["details"]} == {
        ("query", "status"),
        ("query", "limit"),
    }


def test_one_order_shows_its_lines_and_timeline(client: TestClient) -> None:
    client.post("/v1/orders/1001/confirm")
    answer = client.get("/v1/orders/1001").json()
    assert answer["order"]["status"] == "confirmed"
    assert [li["sku"] for li in answer["order"]["lines"]] == ["TEA-1", "MUG-1"]
    assert [(e["kind"], e["to_status"]) for e in answer["timeline"]] == [
        ("imported", "open"),
        ("confirm", "confirmed"),
    ]
    assert client.get("/v1/orders/9999").status_code == 404


def test_single_actions_take_an_order_through_its_life(client: TestClient) -> None:
    assert client.post("/v1/orders/1001/confirm").json()["status"] == "confirmed"
    tracked = client.post(
        "/v1/orders/1001/track",
        json={"tracking_id": "99.00.1", "carrier": "Post", "url": "https://post.ch/t/99.00.1"},
    ).json()
    assert tracked["tracking"] == {
        "tracking_id": "99.00.1",
        "url": "https://post.ch/t/99.00.1",
        "carrier": "Post",
    }
    assert client.post("/v1/orders/1001/ship").json()["status"] == "shipped"
    assert client.post("/v1/orders/1001/deliver").json()["status"] == "delivered"
    paid = client.post("/v1/orders/1001/paid")
    assert paid.status_code == 422 and "paid already" in paid.json()["error"]["message"]
    cancelled = client.post("/v1/orders/1002/cancel", json={"reason": "out of stock"}).json()
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "out of stock")
    shipped = client.post("/v1/orders/1003/confirm") and client.post(
        "/v1/orders/1003/ship", json={"tracking": {"tracking_id": "T-3"}}
    )
    assert shipped.json()["tracking"]["tracking_id"] == "T-3"


def test_a_forbidden_single_action_is_409_and_changes_nothing(client: TestClient) -> None:
    answer = client.post("/v1/orders/1001/ship")
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "illegal_transition",
        "message": "order 1001 is open: cannot ship it",
        "details": None,
    }
    assert client.get("/v1/orders/1001").json()["order"]["status"] == "open"
    blank = client.post("/v1/orders/1001/cancel", json={"reason": "   "})
    assert blank.status_code == 422


def test_bulk_actions_list_the_refused_orders_with_reasons(client: TestClient) -> None:
    first = client.post(
        "/v1/orders/confirm", json={"order_numbers": ["1001", "1002", "1003", "4711"]}
    ).json()
    assert first["applied"] == ["1001", "1002", "1003"] and first["count"] == 3
    assert first["refused"] == [{"order_number": "4711", "reason": "not found"}]
    tracked = client.post(
        "/v1/orders/track",
        json={
            "items": [
                {"order_number": "1001", "tracking_id": "A1"},
                {"order_number": "1004", "tracking_id": "A4"},
            ]
        },
    ).json()
    assert tracked["applied"] == ["1001"]
    assert tracked["refused"] == [{"order_number": "1004", "reason": "is open: cannot track it"}]
    shipped = client.post(
        "/v1/orders/ship",
        json={
            "items": [
                {"order_number": "1001"},
                {"order_number": "1002", "tracking": {"tracking_id": "B2"}},
            ]
        },
    ).json()
    assert shipped["applied"] == ["1001", "1002"]
    assert client.post("/v1/orders/deliver", json={"order_numbers": ["1001"]}).json()["count"] == 1
    cancelled = client.post(
        "/v1/orders/cancel", json={"order_numbers": ["1003", "1001"], "reason": "buyer asked"}
    ).json()
    assert cancelled["applied"] == ["1003"]
    assert cancelled["refused"][0]["reason"] == "is delivered: cannot cancel it"
    paid = client.post("/v1/orders/paid", json={"order_numbers": ["1004", "1003"]}).json()
    assert paid["refused"] == [
        {"order_number": "1004", "reason": "is paid already"},
        {"order_number": "1003", "reason": "is paid already"},
    ]


def test_bad_bodies_get_400_or_422_in_the_one_error_shape(client: TestClient) -> None:
    broken = client.post(
        "/v1/orders/confirm", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "malformed_request"
    empty = client.post("/v1/orders/confirm", json={"order_numbers": []})
    assert empty.status_code == 422
    assert empty.json()["error"]["message"].startswith("order_numbers:")
    extra = client.post("/v1/orders/1001/track", json={"tracking_id": "X", "colour": "red"})
    assert extra.status_code == 422
    url = client.post("/v1/orders/1001/track", json={"tracking_id": "X", "url": "javascript:x"})
    assert url.status_code == 422
    assert client.delete("/v1/orders/1001").json()["error"]["code"] == "method_not_allowed"
    assert client.get("/v1/nothing").json()["error"]["code"] == "not_found"


def test_nul_characters_are_refused_before_they_reach_the_database(client: TestClient) -> None:
    for answer in (
        client.post("/v1/orders/ship", json={"items": [{"order_number": "\x00"}]}),
        client.post("/v1/orders/1001/cancel", json={"reason": "a\x00b"}),
        client.get("/v1/orders/%00"),
        client.get("/v1/orders", params={"channel": "\x00"}),
    ):
        assert answer.status_code == 422
        assert answer.json()["error"]["message"] == "text must not contain NUL characters"
