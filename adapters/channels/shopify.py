"""Shopify Admin REST API (orders, fulfillment orders, fulfillments).

Endpoints (`{base}/admin/api/{version}/...`, header `X-Shopify-Access-Token`):
    GET  orders.json?status=any&updated_at_min=..&limit=..     list; next page from the `Link` header
    GET  orders/{id}.json                                       one order (cancel check)
    POST orders/{id}/cancel.json                                cancel
    GET  orders/{id}/fulfillment_orders.json                    what is still to fulfil
    POST fulfillments.json                                      ship, with tracking_info
    GET  orders/{id}/fulfillments.json                          existing shipments
    POST fulfillments/{id}/update_tracking.json                 change tracking
    POST orders/{id}/fulfillments/{fid}/events.json             status "delivered"

Cursor pagination (`page_info`) is keyset-based on Shopify's side: an order that
changes while we page stays where it was, so each order comes once per walk; a
changed one comes again on the next poll (the ingest overlaps its windows).
Shopify has no "accept" step: `confirmed` is a no-op here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from adapters.channels.base import (
    MappingError,
    OrderPage,
    PermanentChannelError,
    PushResult,
)
from adapters.channels.http import json_as, json_of, request
from adapters.channels.mapping import (
    build,
    cents,
    join_name,
    language,
    latest,
    money,
    money_or_zero,
    opt_text,
    quantity,
    rate_percent,
    refuses_odd_shapes,
    require_dict,
    text,
    timestamp,
)
from oms.connection import ChannelConnection
from oms.model import Language, NormalizedOrder, Order, Tracking
from oms.store.outbox import OutboxItem

PLATFORM = "shopify"
API_VERSION = "2024-10"
# Shopify's built-in manual payment methods; a seller's own ones go in invoice_payment_methods.
MANUAL_GATEWAYS = frozenset(
    {"manual", "bank deposit", "money order", "cash on delivery (cod)", "invoice", "rechnung"}
)
PAID = frozenset({"paid", "partially_refunded", "refunded"})
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_link(header: str | None) -> str | None:
    """The rel="next" URL of a Link header, or None on the last page."""
    if not header:
        return None
    for part in header.split(","):
        match = _NEXT.search(part)
        if match:
            return match.group(1)
    return None


def call_limit(headers: httpx.Headers) -> tuple[int, int] | None:
    """(used, bucket size) from X-Shopify-Shop-Api-Call-Limit ("32/40"), None when absent."""
    used, sep, size = headers.get("X-Shopify-Shop-Api-Call-Limit", "").partition("/")
    try:
        return (int(used), int(size)) if sep else None
    except ValueError:
        return None


def _address(raw: Any, field: str) -> dict[str, Any]:
    a = require_dict(raw, field)
    country = text(a.get("country_code")).upper()
    return {
        "name": text(a.get("name")) or join_name(a.get("first_name"), a.get("last_name")),
        "company": opt_text(a.get("company")),
        "street": text(a.get("address1")),
        "street2": opt_text(a.get("address2")),
        "postal_code": text(a.get("zip")),
        "city": text(a.get("city")),
        "country": country,
    }


def _tax(lines: Any, field: str) -> tuple[Decimal, Decimal]:
    """(tax amount, rate in percent) of a Shopify `tax_lines` list (rates are fractions)."""
    amount, rate = Decimal(0), Decimal(0)
    for i, t in enumerate(lines or []):
        amount += money_or_zero(t.get("price"), f"{field}[{i}].price")
        rate += rate_percent(t.get("rate", 0), f"{field}[{i}].rate", fraction=True)
    return amount, rate


def _discount(li: dict[str, Any], field: str) -> Decimal:
    """A line's discount: its discount_allocations (current API), else total_discount (older)."""
    allocations = li.get("discount_allocations")
    if allocations:
        return sum(
            (
                money_or_zero(a.get("amount"), f"{field}.discount_allocations[{i}].amount")
                for i, a in enumerate(allocations)
            ),
            Decimal(0),
        )
    return money_or_zero(li.get("total_discount"), f"{field}.total_discount")


def _status(o: dict[str, Any]) -> str:
    if o.get("cancelled_at"):
        return "cancelled"
    shipped = [f for f in o.get("fulfillments") or [] if f.get("status") == "success"]
    if o.get("fulfillment_status") == "fulfilled":
        if shipped and all(f.get("shipment_status") == "delivered" for f in shipped):
            return "delivered"
        return "shipped"
    if o.get("fulfillment_status") == "partial":
        return "confirmed"
    return "open"


def _payment(o: dict[str, Any], invoice_methods: list[str]) -> dict[str, Any]:
    financial = text(o.get("financial_status")).lower()
    gateways = [text(g).lower() for g in o.get("payment_gateway_names") or []]
    gateways.append(text(o.get("gateway")).lower())
    manual = {m.lower() for m in invoice_methods} | MANUAL_GATEWAYS
    pays_later = financial in ("pending", "partially_paid") and (
        any(g in manual for g in gateways if g) or text(o.get("processing_method")) == "manual"
    )
    return {"method": "invoice" if pays_later else "prepaid", "paid": financial in PAID}


@refuses_odd_shapes
def map_order(
    raw: dict[str, Any],
    default_language: Language | None = None,
    invoice_methods: list[str] | None = None,
) -> NormalizedOrder:
    """A Shopify REST order (the object inside {"order": ...}) as a NormalizedOrder."""
    o = require_dict(raw, "order")
    if "id" not in o:
        raise MappingError("order has no id")
    oid = str(o["id"])
    what = f"shopify order {oid}"
    taxes_included = bool(o.get("taxes_included"))
    _, order_rate = _tax(o.get("tax_lines"), "tax_lines")
    lines = []
    for i, li in enumerate(o.get("line_items") or []):
        f = f"line_items[{i}]"
        qty = quantity(li.get("quantity"), f"{f}.quantity")
        price = money(li.get("price"), f"{f}.price")
        line_tax, rate = _tax(li.get("tax_lines"), f"{f}.tax_lines")
        if not li.get("tax_lines"):
            rate = order_rate if len(o.get("tax_lines") or []) <= 1 else Decimal(0)
        gross = price * qty - _discount(li, f)
        unit = price
        if not taxes_included and line_tax:
            gross += line_tax
            unit = cents(gross / qty)
        lines.append(
            {
                "sku": text(li.get("sku")),
                "name": text(li.get("name")) or text(li.get("title")),
                "quantity": qty,
                "unit_price": unit,
                "vat_rate": rate,
                "total": gross,
            }
        )
    if not lines:
        raise MappingError(f"{what}: no line items")
    shipping = Decimal(0)
    for i, s in enumerate(o.get("shipping_lines") or []):
        shipping += money_or_zero(s.get("price"), f"shipping_lines[{i}].price")
        if not taxes_included:
            shipping += _tax(s.get("tax_lines"), f"shipping_lines[{i}].tax_lines")[0]
    billing_raw = o.get("billing_address") or o.get("shipping_address")
    delivery_raw = o.get("shipping_address") or o.get("billing_address")
    if not billing_raw:
        raise MappingError(f"{what}: neither billing_address nor shipping_address")
    billing = _address(billing_raw, "billing_address")
    customer = o.get("customer") or {}
    buyer_name = join_name(customer.get("first_name"), customer.get("last_name")) or billing["name"]
    return build(
        {
            "platform": PLATFORM,
            "channel_order_id": oid,
            "order_number": text(o.get("name")).lstrip("#") or text(o.get("order_number")) or oid,
            "ordered_at": timestamp(o.get("created_at"), "created_at"),
            "status": _status(o),
            "currency": text(o.get("currency")),
            "buyer": {
                "name": buyer_name,
                "email": opt_text(o.get("email")) or opt_text(o.get("contact_email")),
                "language": language(o.get("customer_locale"), default_language),
            },
            "billing_address": billing,
            "delivery_address": _address(delivery_raw, "shipping_address"),
            "lines": lines,
            "shipping": shipping,
            "total": money(o.get("total_price"), "total_price"),
            "payment": _payment(o, invoice_methods or []),
        },
        what,
    )


def _tracking(item: OutboxItem, order: Order) -> Tracking | None:
    p = item.payload
    if p.get("tracking_id"):
        return Tracking(
            tracking_id=p["tracking_id"], url=p.get("tracking_url"), carrier=p.get("carrier")
        )
    return order.tracking


def _tracking_info(t: Tracking | None) -> dict[str, Any]:
    if t is None:
        return {}
    info: dict[str, Any] = {"number": t.tracking_id}
    if t.url:
        info["url"] = t.url
    if t.carrier:
        info["company"] = t.carrier
    return info


class ShopifyChannel:
    """A Shopify store through the Admin REST API."""

    def __init__(self, connection: ChannelConnection, client: httpx.Client, secret: str) -> None:
        self.connection = connection
        self.client = client
        self._headers = {"X-Shopify-Access-Token": secret, "Accept": "application/json"}
        version = connection.option("api_version", API_VERSION)
        self._api = f"{connection.base_url}/admin/api/{version}"
        # The leaky bucket as Shopify last reported it (used, size): for pacing and logs.
        self.last_call_limit: tuple[int, int] | None = None

    # -- reading --------------------------------------------------------------------------
    def pages(self, updated_since: str | None) -> Iterator[OrderPage]:
        first: dict[str, Any] = {
            "status": "any",
            "limit": min(self.connection.options.page_size, 250),
        }
        if updated_since:
            first["updated_at_min"] = updated_since
        params: dict[str, Any] | None = first
        url: str | None = f"{self._api}/orders.json"
        while url:
            response = request(self.client, "GET", url, params=params, headers=self._headers)
            body = json_of(response)
            orders = body.get("orders") if isinstance(body, dict) else None
            if not isinstance(orders, list):
                raise PermanentChannelError("GET orders.json: the answer has no orders list")
            self.last_call_limit = call_limit(response.headers) or self.last_call_limit
            url = next_link(response.headers.get("Link"))
            # The next URL carries page_info and limit; Shopify refuses filters next to page_info.
            params = None
            cursor = parse_qs(urlsplit(url).query).get("page_info", [None])[0] if url else None
            yield OrderPage(orders, cursor, latest(o.get("updated_at") for o in orders))

    def map_order(self, raw: dict[str, Any]) -> NormalizedOrder:
        return map_order(
            raw,
            self.connection.options.default_language,
            self.connection.options.invoice_payment_methods,
        )

    # -- writing --------------------------------------------------------------------------
    def apply(self, item: OutboxItem, order: Order) -> PushResult:
        oid = order.channel_order_id
        match item.event:
            case "confirmed":
                return PushResult(False, "Shopify has no accept step; nothing to send")
            case "cancelled":
                return self._cancel(oid, item.payload.get("reason") or order.cancel_reason)
            case "tracking":
                return self._update_tracking(oid, _tracking(item, order))
            case "shipped":
                return self._ship(oid, _tracking(item, order))
            case "delivered":
                return self._deliver(oid)
        raise PermanentChannelError(f"unknown channel event {item.event!r}")

    def _get(self, path: str) -> Any:
        response = request(self.client, "GET", f"{self._api}/{path}", headers=self._headers)
        self.last_call_limit = call_limit(response.headers) or self.last_call_limit
        return json_as(response, dict)

    def _post(
        self, path: str, body: dict[str, Any], accept: tuple[int, ...] = ()
    ) -> httpx.Response:
        response = request(
            self.client,
            "POST",
            f"{self._api}/{path}",
            json=body,
            headers=self._headers,
            accept=accept,
        )
        self.last_call_limit = call_limit(response.headers) or self.last_call_limit
        return response

    def _cancel(self, oid: str, reason: str | None) -> PushResult:
        current = self._get(f"orders/{oid}.json").get("order") or {}
        if current.get("cancelled_at"):
            return PushResult(False, "already cancelled on Shopify")
        response = self._post(
            f"orders/{oid}/cancel.json", {"reason": "other", "email": False}, (422,)
        )
        if response.status_code == 422:
            again = self._get(f"orders/{oid}.json").get("order") or {}
            if again.get("cancelled_at"):
                return PushResult(False, "already cancelled on Shopify")
            raise PermanentChannelError(f"POST orders/{oid}/cancel.json: 422 {response.text[:200]}")
        return PushResult(True, "cancelled", {"reason": reason or ""})

    def _fulfillments(self, oid: str) -> list[dict[str, Any]]:
        found = self._get(f"orders/{oid}/fulfillments.json").get("fulfillments") or []
        return [f for f in found if f.get("status") in ("success", "open", "pending")]

    def _update_tracking(self, oid: str, tracking: Tracking | None) -> PushResult:
        if tracking is None:
            return PushResult(False, "no tracking on the order")
        shipped = self._fulfillments(oid)
        if not shipped:
            return PushResult(
                False, "Shopify keeps tracking on the fulfillment: sent with the shipment"
            )
        info = _tracking_info(tracking)
        f = shipped[-1]
        if (
            f.get("tracking_number") == tracking.tracking_id
            and f.get("tracking_url") == tracking.url
        ):
            return PushResult(False, "tracking already set on Shopify")
        body = {"fulfillment": {"tracking_info": info, "notify_customer": False}}
        self._post(f"fulfillments/{f['id']}/update_tracking.json", body)
        return PushResult(True, "tracking updated", {"fulfillment_id": f["id"]})

    def _ship(self, oid: str, tracking: Tracking | None) -> PushResult:
        found = self._get(f"orders/{oid}/fulfillment_orders.json").get("fulfillment_orders") or []
        to_ship = [fo for fo in found if fo.get("status") in ("open", "in_progress", "scheduled")]
        if not to_ship:
            if any(fo.get("status") == "closed" for fo in found):
                return PushResult(False, "already fulfilled on Shopify")
            raise PermanentChannelError(f"order {oid}: no fulfillment order can be fulfilled")
        body: dict[str, Any] = {
            "fulfillment": {
                "line_items_by_fulfillment_order": [
                    {"fulfillment_order_id": fo["id"]} for fo in to_ship
                ],
                "notify_customer": False,  # Sales Scaler sends the shipment email itself
            }
        }
        if tracking is not None:
            body["fulfillment"]["tracking_info"] = _tracking_info(tracking)
        created = json_of(self._post("fulfillments.json", body)).get("fulfillment") or {}
        return PushResult(True, "fulfilled", {"fulfillment_id": created.get("id")})

    def _deliver(self, oid: str) -> PushResult:
        shipped = [f for f in self._fulfillments(oid) if f.get("status") == "success"]
        if not shipped:
            raise PermanentChannelError(f"order {oid}: no fulfillment on Shopify to mark delivered")
        pending = [f for f in shipped if f.get("shipment_status") != "delivered"]
        if not pending:
            return PushResult(False, "already delivered on Shopify")
        for f in pending:
            self._post(
                f"orders/{oid}/fulfillments/{f['id']}/events.json",
                {"event": {"status": "delivered"}},
            )
        return PushResult(True, "delivered", {"fulfillments": [f["id"] for f in pending]})
