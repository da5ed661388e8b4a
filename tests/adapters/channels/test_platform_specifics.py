"""What only one platform does: Shopify's call limit, WooCommerce's tracking extension, Mirakl's debit wait."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from adapters.channels.base import RetryableChannelError
from adapters.channels.fakes import start_fake
from adapters.channels.mirakl import MiraklChannel
from adapters.channels.registry import channel_for
from adapters.channels.shopify import ShopifyChannel
from oms.status import OrderStatus
from tests.adapters.channels.support import (
    TRACKING,
    TRACKING_PAYLOAD,
    connection_to,
    item,
    mirakl_order,
    stored,
)


def test_shopify_reports_the_leaky_bucket_it_was_told() -> None:
    with start_fake("shopify") as fake, httpx.Client() as client:
        fake.add_orders(2)
        channel = channel_for(connection_to(fake), client, fake.secret)
        assert isinstance(channel, ShopifyChannel)
        list(channel.pages(None))
        assert channel.last_call_limit == (1, 40)


@pytest.mark.parametrize("installed", [True, False], ids=["with-extension", "without"])
def test_woocommerce_tracking_is_a_note_meta_data_and_the_extension_where_installed(
    installed: bool,
) -> None:
    with start_fake("woocommerce", tracking_extension=installed) as fake, httpx.Client() as client:
        (oid,) = fake.add_orders(1)
        channel = channel_for(connection_to(fake), client, fake.secret)
        order = stored(channel.map_order(fake.order(oid)), TRACKING, status=OrderStatus.CONFIRMED)
        assert channel.apply(item("tracking", TRACKING_PAYLOAD), order).applied
        assert not channel.apply(item("tracking", TRACKING_PAYLOAD, attempts=2), order).applied
        meta = {m["key"]: m["value"] for m in fake.order(oid)["meta_data"]}
    assert meta["_sales_scaler_tracking"]["tracking_id"] == TRACKING.tracking_id
    (note,) = fake.notes[oid]  # type: ignore[attr-defined]
    assert TRACKING.tracking_id in note["note"] and note["customer_note"] is False
    entries = fake.trackings.get(oid, [])  # type: ignore[attr-defined]
    if installed:
        (entry,) = entries
        assert (entry["tracking_number"], entry["custom_tracking_provider"]) == (
            TRACKING.tracking_id,
            "Swiss Post",
        )
    else:
        assert entries == []
    assert fake.effects() == [(oid, "tracking")]


def test_mirakl_shipping_while_the_buyer_is_being_debited_is_retried_later() -> None:
    raw = mirakl_order(order_state="WAITING_DEBIT_PAYMENT")
    puts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "shop-key"
        if request.method == "GET":
            return httpx.Response(200, json={"orders": [raw], "total_count": 1})
        puts.append(request.url.path)
        return httpx.Response(204)

    conn = connection_to(_Fakeish())
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        channel = MiraklChannel(conn, client, "shop-key")
        order = stored(channel.map_order(raw), TRACKING, status=OrderStatus.SHIPPED)
        with pytest.raises(RetryableChannelError, match="debited") as caught:
            channel.apply(item("shipped"), order)
        assert caught.value.retry_after == 60.0 and puts == []
        raw["order_state"] = "SHIPPING"
        assert channel.apply(item("shipped", TRACKING_PAYLOAD), order).applied
    assert puts == ["/api/orders/GAL-778-A/tracking", "/api/orders/GAL-778-A/ship"]


def test_mirakl_sends_a_known_carrier_code_instead_of_name_and_url() -> None:
    raw = mirakl_order(order_state="SHIPPING")
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"orders": [raw], "total_count": 1})
        bodies.append(json.loads(request.content))
        return httpx.Response(204)

    conn = connection_to(_Fakeish(), carrier_codes={"Swiss Post": "swisspost"})
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        channel = MiraklChannel(conn, client, "k")
        channel.apply(item("tracking", TRACKING_PAYLOAD), stored(channel.map_order(raw), TRACKING))
    assert bodies == [{"tracking_number": TRACKING.tracking_id, "carrier_code": "swisspost"}]


class _Fakeish:
    """Enough of a fake for connection_to(): a Mirakl base URL that MockTransport answers."""

    platform = "mirakl"
    base_url = "https://marketplace.example"
