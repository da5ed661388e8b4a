"""The platforms' own published payloads (../shared/channel-samples) map to the values SOURCE.md names."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from adapters.channels import shopify, woocommerce
from adapters.channels.registry import mapper_for, split_payload
from adapters.channels.shopify import ShopifyChannel
from oms.connection import ChannelConnection, ChannelKind
from oms.model import NormalizedOrder
from oms.status import OrderStatus
from tests.adapters.channels.support import TRACKING, TRACKING_PAYLOAD, item, stored


def load(samples: Path, platform: str, name: str) -> Any:
    return json.loads((samples / platform / name).read_text(encoding="utf-8"))


def only(platform: str, data: Any) -> NormalizedOrder:
    (raw,) = split_payload(platform, data)
    return mapper_for(platform)(raw)


def test_shopify_single_order_maps_to_its_documented_values(shared_samples: Path) -> None:
    o = only("shopify", load(shared_samples, "shopify", "order_single_3_lines_rest.json"))
    assert (o.channel_order_id, o.order_number, o.buyer.email) == (
        "450789469",
        "1001",
        "bob.norman@hostmail.com",
    )
    assert o.currency == "USD" and o.status is OrderStatus.OPEN
    assert [line.sku for line in o.lines] == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
    assert all(line.quantity == 1 and line.unit_price == Decimal("199.00") for line in o.lines)
    assert {line.vat_rate for line in o.lines} == {
        Decimal("6")
    }  # the one order-level tax line, 0.06
    for address in (o.billing_address, o.delivery_address):
        assert (
            address.name,
            address.street,
            address.postal_code,
            address.city,
            address.country,
        ) == (
            "Bob Norman",
            "Chestnut Street 92",
            "40202",
            "Louisville",
            "US",
        )
    assert (o.payment.method.value, o.payment.paid) == (
        "prepaid",
        False,
    )  # authorized, not captured


def test_shopify_inconsistent_totals_are_taken_as_given_not_fixed(shared_samples: Path) -> None:
    """TRAP: 3 x 199.00 = 597.00, yet the channel says 409.94; we keep the channel's figure."""
    o = only("shopify", load(shared_samples, "shopify", "order_single_3_lines_rest.json"))
    assert o.total == Decimal("409.94") and str(o.total) == "409.94"
    assert sum(line.total for line in o.lines) == Decimal("597.00")
    assert o.shipping == Decimal("0.00")


def test_shopify_nested_line_properties_and_empty_skus_map(shared_samples: Path) -> None:
    o = only("shopify", load(shared_samples, "shopify", "order_with_nested_properties_rest.json"))
    assert o.channel_order_id == "450789469" and len(o.lines) == 2
    assert [line.sku for line in o.lines] == ["", ""]


def test_shopify_list_page_splits_into_its_orders(shared_samples: Path) -> None:
    raws = split_payload("shopify", load(shared_samples, "shopify", "orders_list_rest.json"))
    assert [shopify.map_order(r).channel_order_id for r in raws] == ["450789469"]


def test_shopify_ships_through_the_published_fulfillment_order(shared_samples: Path) -> None:
    fulfillment_order = load(shared_samples, "shopify", "fulfillment_order_rest.json")
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Shopify-Access-Token"] == "shpat_test"
        if request.url.path.endswith("/orders/450789469/fulfillment_orders.json"):
            return httpx.Response(200, json={"fulfillment_orders": [fulfillment_order]})
        if request.url.path.endswith("/fulfillments.json") and request.method == "POST":
            sent.append(json.loads(request.content))
            return httpx.Response(201, json={"fulfillment": {"id": 1, "status": "success"}})
        return httpx.Response(404, json={"errors": "Not Found"})

    conn = ChannelConnection(
        name="shop",
        platform="shopify",
        kind=ChannelKind.WEBSHOP,
        base_url="https://alpen.myshopify.com",
        credentials_ref="env:X",
    )
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        channel = ShopifyChannel(conn, client, "shpat_test")
        order = only("shopify", load(shared_samples, "shopify", "order_single_3_lines_rest.json"))
        result = channel.apply(
            item("shipped", TRACKING_PAYLOAD), stored(order, TRACKING, status=OrderStatus.SHIPPED)
        )
    assert result.applied
    (body,) = sent
    assert body["fulfillment"]["line_items_by_fulfillment_order"] == [
        {"fulfillment_order_id": 519788021}
    ]
    assert body["fulfillment"]["tracking_info"] == {
        "number": TRACKING.tracking_id,
        "url": TRACKING.url,
        "company": "Swiss Post",
    }
    assert body["fulfillment"]["notify_customer"] is False


def test_woocommerce_order_727_maps_with_tax_added_to_lines_and_entities_decoded(
    shared_samples: Path,
) -> None:
    o = only("woocommerce", load(shared_samples, "woocommerce", "order_727_retrieve_v3_docs.json"))
    assert (o.channel_order_id, o.order_number, o.currency) == ("727", "727", "USD")
    assert o.status is OrderStatus.OPEN  # processing: paid, waiting for the seller
    assert o.ordered_at.isoformat() == "2017-03-22T19:28:02+00:00"  # date_created_gmt, as UTC
    assert o.total == Decimal("29.35") and o.shipping == Decimal("10.00")
    first, second = o.lines
    assert (first.name, first.quantity, first.total, first.unit_price) == (
        "Woo Single #1",
        2,
        Decimal("6.45"),
        Decimal("3.225"),
    )
    assert second.name == "Ship Your Idea \u2013 Color: Black, Size: M Test"  # TRAP: &ndash;
    assert (second.sku, second.total) == ("Bar3", Decimal("12.90"))
    # no rate_percent in this older payload: the rate comes from the line's own amounts
    assert first.vat_rate == second.vat_rate == Decimal("7.5")
    b = o.billing_address
    assert (b.name, b.street, b.postal_code, b.city, b.country) == (
        "John Doe",
        "969 Market",
        "94103",
        "San Francisco",
        "US",
    )


def test_woocommerce_pay_by_invoice_comes_from_the_connections_list(shared_samples: Path) -> None:
    raw = load(shared_samples, "woocommerce", "order_727_retrieve_v3_docs.json")
    assert woocommerce.map_order(raw).payment.method.value == "prepaid"
    as_invoice = woocommerce.map_order(raw, default_language="de", invoice_methods=["bacs"])
    assert as_invoice.payment.method.value == "invoice"
    assert as_invoice.buyer.language == "de"  # no locale in the payload: the connection's default


def test_woocommerce_list_page_holds_both_orders_including_the_non_ascii_one(
    shared_samples: Path,
) -> None:
    raws = split_payload(
        "woocommerce", load(shared_samples, "woocommerce", "orders_list_v3_docs.json")
    )
    orders = [woocommerce.map_order(r) for r in raws]
    assert [o.channel_order_id for o in orders] == ["727", "723"]
    other = orders[1]
    assert other.status is OrderStatus.SHIPPED and other.total == Decimal("39.00")
    assert other.buyer.name == "João Silva" and other.billing_address.city == "Rio de Janeiro"
    assert other.billing_address.country == "BR" and len(other.lines) == 2


def test_woocommerce_completed_update_maps_to_shipped(shared_samples: Path) -> None:
    o = only(
        "woocommerce",
        load(shared_samples, "woocommerce", "order_727_update_status_completed_v3_docs.json"),
    )
    assert o.status is OrderStatus.SHIPPED and o.total == Decimal("29.35")
