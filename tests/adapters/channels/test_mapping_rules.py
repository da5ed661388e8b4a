"""Mapping rules that the published samples do not cover: Mirakl, statuses, payment, language, refusals."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from adapters.channels import mirakl, shopify, woocommerce
from adapters.channels.base import MappingError
from adapters.channels.fakes.mirakl import FakeMirakl
from adapters.channels.fakes.shopify import FakeShopify
from adapters.channels.fakes.woocommerce import FakeWooCommerce
from adapters.channels.registry import split_payload
from oms.status import OrderStatus
from tests.adapters.channels.support import mirakl_order


def test_mirakl_line_price_is_unit_times_quantity_and_countries_become_alpha_2() -> None:
    o = mirakl.map_order(mirakl_order())
    mug, tea = o.lines
    assert (mug.quantity, mug.unit_price, mug.total, mug.vat_rate) == (
        2,
        Decimal("19.9"),
        Decimal("39.8"),
        Decimal("8.1"),
    )
    assert mug.name == "Tasse «Matterhorn»"
    assert tea.vat_rate == Decimal("2.6")  # no rate given: from amount and price
    assert o.shipping == Decimal("7.0") and o.total == Decimal("64.8")
    assert (o.billing_address.country, o.delivery_address.country) == ("CH", "LI")
    assert o.buyer.language == "fr" and o.buyer.name == "Chloé Favre"
    assert (o.payment.method.value, o.payment.paid) == ("prepaid", False)


def test_mirakl_tax_excluded_prices_get_their_taxes_added() -> None:
    o = mirakl.map_order(mirakl_order(order_tax_mode="TAX_EXCLUDED"))
    assert o.lines[0].total == Decimal("42.78") and o.lines[0].unit_price == Decimal("21.39")
    assert o.shipping == Decimal("7.52")


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("WAITING_ACCEPTANCE", OrderStatus.OPEN),
        ("WAITING_DEBIT_PAYMENT", OrderStatus.CONFIRMED),
        ("SHIPPING", OrderStatus.CONFIRMED),
        ("SHIPPED", OrderStatus.SHIPPED),
        ("RECEIVED", OrderStatus.DELIVERED),
        ("REFUSED", OrderStatus.CANCELLED),
        ("CANCELED", OrderStatus.CANCELLED),
    ],
)
def test_mirakl_states_map_to_our_statuses(state: str, status: OrderStatus) -> None:
    assert mirakl.map_order(mirakl_order(order_state=state)).status is status


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"order_state": "LOST"}, "unknown order_state"),
        ({"order_lines": []}, "no order lines"),
        ({"order_id": ""}, "no order_id"),
        ({"total_price": "lots"}, "total_price is not an amount"),
        ({"created_date": "yesterday"}, "created_date is not an ISO 8601"),
        ({"currency_iso_code": "XYZ"}, "currency"),
    ],
)
def test_mirakl_payloads_we_cannot_map_say_why(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        mirakl.map_order(mirakl_order(**change))


def test_mirakl_unknown_country_code_is_a_mapping_error() -> None:
    raw = mirakl_order()
    raw["customer"]["shipping_address"]["country_iso_code"] = "XXX"
    with pytest.raises(MappingError, match="country_iso_code 'XXX'"):
        mirakl.map_order(raw)


def test_mirakl_refused_lines_of_an_accepted_order_are_left_out() -> None:
    raw = mirakl_order(order_state="SHIPPING")
    raw["order_lines"][1]["order_line_state"] = "REFUSED"
    assert [line.sku for line in mirakl.map_order(raw).lines] == ["MUG-01"]


def shopify_order(**changes: Any) -> dict[str, Any]:
    _, raw = FakeShopify().render(_sample())
    raw.update(changes)
    return raw


def _sample() -> Any:
    from adapters.channels.fakes.data import sample_order

    return sample_order(7, lines=2, seed=1)


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, OrderStatus.OPEN),
        ({"fulfillment_status": "partial"}, OrderStatus.CONFIRMED),
        ({"fulfillment_status": "fulfilled"}, OrderStatus.SHIPPED),
        ({"cancelled_at": "2026-11-21T10:00:00+01:00"}, OrderStatus.CANCELLED),
    ],
)
def test_shopify_states_map_to_our_statuses(changes: dict[str, Any], status: OrderStatus) -> None:
    assert shopify.map_order(shopify_order(**changes)).status is status


def test_shopify_delivered_fulfillments_make_a_delivered_order() -> None:
    raw = shopify_order(
        fulfillment_status="fulfilled",
        fulfillments=[{"id": 1, "status": "success", "shipment_status": "delivered"}],
    )
    assert shopify.map_order(raw).status is OrderStatus.DELIVERED


def test_shopify_manual_gateway_pending_is_an_invoice_and_locale_gives_the_language() -> None:
    raw = shopify_order(
        financial_status="pending", gateway="Bank Deposit", payment_gateway_names=["Bank Deposit"]
    )
    raw["customer_locale"] = "it-CH"
    o = shopify.map_order(raw, default_language="de")
    assert (o.payment.method.value, o.payment.paid, o.buyer.language) == ("invoice", False, "it")
    paid = shopify.map_order(
        shopify_order(financial_status="paid", payment_gateway_names=["shopify_payments"])
    )
    assert (paid.payment.method.value, paid.payment.paid) == ("prepaid", True)
    raw["customer_locale"] = None
    assert shopify.map_order(raw, default_language="de").buyer.language == "de"


def test_shopify_amounts_that_are_not_money_are_refused_with_the_field() -> None:
    raw = shopify_order()
    raw["line_items"][0]["price"] = "12,50"
    with pytest.raises(MappingError, match=r"line_items\[0\].price is not an amount"):
        shopify.map_order(raw)
    with pytest.raises(MappingError, match="no line items"):
        shopify.map_order(shopify_order(line_items=[]))


def woo_order() -> dict[str, Any]:
    return FakeWooCommerce().render(_sample())[1]


def test_woocommerce_line_totals_gain_their_tax_and_rates_come_by_rate_id() -> None:
    raw = woo_order()
    o = woocommerce.map_order(raw)
    for li, line in zip(raw["line_items"], o.lines, strict=True):
        assert line.total == Decimal(li["total"]) + Decimal(li["total_tax"])
        assert line.vat_rate in (Decimal("8.1"), Decimal("2.6"))
    assert sum((line.total for line in o.lines), Decimal(0)) + o.shipping == o.total
    broken = copy.deepcopy(raw)
    broken["line_items"][0]["taxes"][0]["id"] = 99
    with pytest.raises(MappingError, match="tax rate id 99"):
        woocommerce.map_order(broken)


def test_woocommerce_drafts_are_not_orders() -> None:
    raw = woo_order()
    raw["status"] = "checkout-draft"
    with pytest.raises(MappingError, match="checkout-draft"):
        woocommerce.map_order(raw)


def test_payloads_split_from_wrappers_lists_and_single_objects() -> None:
    one = {"id": 1}
    assert split_payload("shopify", {"order": one}) == [one]
    assert split_payload("shopify", {"orders": [one, one]}) == [one, one]
    assert split_payload("woocommerce", [one]) == [one]
    assert split_payload("mirakl", {"orders": [one], "total_count": 1}) == [one]
    assert split_payload("mirakl", one) == [one]
    with pytest.raises(MappingError):
        split_payload("shopify", "text")
    with pytest.raises(MappingError, match="item 1"):
        split_payload("shopify", [one, 3])
    assert FakeMirakl().render(_sample())[0].endswith("-A")


def test_woocommerce_fees_are_billed_as_lines_and_negative_fees_are_left_to_the_total() -> None:
    raw = woo_order()
    raw["fee_lines"] = [
        {
            "id": 1,
            "name": "Rechnungsgebühr",
            "total": "4.63",
            "total_tax": "0.37",
            "taxes": [{"id": 1, "total": "0.37"}],
        },
        {"id": 2, "name": "Treuerabatt", "total": "-2.00", "total_tax": "0.00", "taxes": []},
    ]
    o = woocommerce.map_order(raw)
    fee = o.lines[-1]
    assert (fee.name, fee.quantity, fee.total, fee.vat_rate) == (
        "Rechnungsgebühr",
        1,
        Decimal("5.00"),
        Decimal("8.1"),
    )
    assert len(o.lines) == len(raw["line_items"]) + 1
    assert o.total == Decimal(raw["total"])  # as given


def test_shopify_line_discounts_come_from_discount_allocations() -> None:
    raw = shopify_order()
    line = raw["line_items"][0]
    line["discount_allocations"] = [{"amount": "1.00"}, {"amount": "0.50"}]
    mapped = shopify.map_order(raw).lines[0]
    assert mapped.total == Decimal(line["price"]) * line["quantity"] - Decimal("1.50")


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "mirakl"])
@pytest.mark.parametrize("odd", ["lines-are-text", "address-is-a-list", "customer-is-text"])
def test_payloads_of_an_unexpected_shape_are_mapping_errors_not_crashes(
    platform: str, odd: str
) -> None:
    raw: dict[str, Any] = {
        "shopify": shopify_order,
        "woocommerce": woo_order,
        "mirakl": mirakl_order,
    }[platform]()
    lines_key = "order_lines" if platform == "mirakl" else "line_items"
    if odd == "lines-are-text":
        raw[lines_key] = ["one", "two"]
    elif odd == "address-is-a-list":
        key = {"shopify": "billing_address", "woocommerce": "billing", "mirakl": "customer"}[
            platform
        ]
        raw[key] = [1, 2]
    else:
        raw["customer"] = "someone"
    mapper = {
        "shopify": shopify.map_order,
        "woocommerce": woocommerce.map_order,
        "mirakl": mirakl.map_order,
    }
    if (platform, odd) == ("woocommerce", "customer-is-text"):
        mapper[platform](raw)  # WooCommerce orders have no "customer" object to read
        return
    with pytest.raises(MappingError):
        mapper[platform](raw)
