"""WooCommerce REST API v3 (`{base}/wp-json/wc/v3/...`, HTTP basic auth "consumer_key:consumer_secret").

Endpoints:
    GET  orders?modified_after=..&dates_are_gmt=true&orderby=id&order=asc&per_page=..&page=..
                                     list; `X-WP-TotalPages` says how many pages there are
    GET  orders/{id}                 one order (state checks before a write)
    PUT  orders/{id}                 status (processing / cancelled / completed) and meta_data
    GET  orders/{id}/notes, POST orders/{id}/notes      tracking as a private order note
    POST {base}/wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings
                                     the Shipment Tracking extension, where installed (a 404
                                     rest_no_route says it is not; option shipment_tracking)

Paging: page numbers shift when the ordering key changes under us. We order by id
(ascending) with a fixed `modified_after`: an order changed mid-walk keeps its
place (its id does not move and it still matches the filter), new orders append
at the end. What changed behind us comes again on the next poll, whose window
overlaps this one; the ingest upserts, so a re-read is harmless.
WooCommerce has no "delivered" status: `delivered` is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from typing import Any

import httpx

from adapters.channels.base import MappingError, OrderPage, PermanentChannelError, PushResult
from adapters.channels.http import json_as, json_of, request
from adapters.channels.mapping import (
    build,
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

PLATFORM = "woocommerce"
STATUS = {
    "pending": "open",  # awaiting payment
    "on-hold": "open",  # awaiting the seller (bank transfer, invoice)
    "processing": "open",  # paid, not yet fulfilled: the seller still has to accept it here
    "completed": "shipped",
    "cancelled": "cancelled",
    "refunded": "cancelled",
    "failed": "cancelled",
}
# meta_data keys that multilingual plugins (WPML, Polylang, TranslatePress) store the language in
LANGUAGE_KEYS = ("wpml_language", "_wpml_language", "pll_language", "_pll_language", "trp_language")
SWISS_RATES = (
    Decimal("8.1"),
    Decimal("2.6"),
    Decimal("3.8"),
    Decimal("7.7"),
    Decimal("2.5"),
    Decimal("0"),
)
TRACKING_KEY = "_sales_scaler_tracking"
CANCEL_KEY = "_sales_scaler_cancel_reason"
UNIT = Decimal("0.0001")


def _meta(o: dict[str, Any], key: str) -> Any:
    for m in o.get("meta_data") or []:
        if isinstance(m, dict) and m.get("key") == key:
            return m.get("value")
    return None


def _derived_rate(tax: Decimal, net: Decimal) -> Decimal:
    """The rate from amounts (older WooCommerce has no rate_percent): snapped to a Swiss rate nearby."""
    if not net or not tax:
        return Decimal(0)
    rate = (tax / net * 100).quantize(Decimal("0.01"))
    for known in SWISS_RATES:
        if abs(rate - known) <= Decimal("0.05"):
            return known
    return rate.normalize()


def _rates(o: dict[str, Any]) -> dict[str, Decimal | None]:
    """rate_id -> percent from the order's tax_lines (None where WooCommerce does not say)."""
    found: dict[str, Decimal | None] = {}
    for i, t in enumerate(o.get("tax_lines") or []):
        pct = t.get("rate_percent")
        found[str(t.get("rate_id"))] = (
            None if pct in (None, "") else rate_percent(pct, f"tax_lines[{i}].rate_percent")
        )
    return found


def _line(
    li: dict[str, Any], i: int, rates: dict[str, Decimal | None], where: str = "line_items"
) -> dict[str, Any]:
    f = f"{where}[{i}]"
    qty = quantity(li.get("quantity"), f"{f}.quantity")
    net = money(li.get("total"), f"{f}.total")  # always without tax, even when prices include it
    tax = money_or_zero(li.get("total_tax"), f"{f}.total_tax")
    gross = net + tax
    applied: list[Decimal | None] = []
    for t in li.get("taxes") or []:
        if money_or_zero(t.get("total"), f"{f}.taxes.total"):
            rid = str(t.get("id"))
            if rid not in rates:
                raise MappingError(f"{f}: tax rate id {rid} is not among the order's tax_lines")
            applied.append(rates[rid])
    if any(r is None for r in applied):
        rate = _derived_rate(tax, net)
    else:
        rate = sum((r for r in applied if r is not None), Decimal(0))
    unit = gross / qty
    if unit != unit.quantize(UNIT):
        unit = unit.quantize(UNIT)
    return {
        "sku": text(li.get("sku")),
        "name": text(li.get("name")),
        "quantity": qty,
        "unit_price": unit,
        "vat_rate": rate,
        "total": gross,
    }


def _address(a: Any, field: str) -> dict[str, Any]:
    a = require_dict(a, field)
    return {
        "name": join_name(a.get("first_name"), a.get("last_name")) or text(a.get("company")),
        "company": opt_text(a.get("company")),
        "street": text(a.get("address_1")),
        "street2": opt_text(a.get("address_2")),
        "postal_code": text(a.get("postcode")),
        "city": text(a.get("city")),
        "country": text(a.get("country")).upper(),
    }


@refuses_odd_shapes
def map_order(
    raw: dict[str, Any],
    default_language: Language | None = None,
    invoice_methods: list[str] | None = None,
) -> NormalizedOrder:
    """A WooCommerce v3 order as a NormalizedOrder."""
    o = require_dict(raw, "order")
    if "id" not in o:
        raise MappingError("order has no id")
    what = f"woocommerce order {o['id']}"
    status = text(o.get("status"))
    if status not in STATUS:
        raise MappingError(f"{what}: status {status!r} is not an order to fulfil")
    rates = _rates(o)
    lines = [_line(li, i, rates) for i, li in enumerate(o.get("line_items") or [])]
    if not lines:
        raise MappingError(f"{what}: no line items")
    # Fees (an invoice surcharge, a packaging fee) are billed like lines; a negative
    # "fee" is a discount that the order total already holds.
    lines += [
        _line({**fee, "quantity": 1, "sku": ""}, i, rates, "fee_lines")
        for i, fee in enumerate(o.get("fee_lines") or [])
        if money_or_zero(fee.get("total"), f"fee_lines[{i}].total") > 0
    ]
    billing = _address(o.get("billing"), "billing")
    shipping_raw = o.get("shipping") or {}
    delivery = _address(shipping_raw, "shipping") if shipping_raw.get("address_1") else billing
    if o.get("date_created_gmt"):
        ordered_at = timestamp(o.get("date_created_gmt"), "date_created_gmt", assume_utc=True)
    else:
        ordered_at = timestamp(o.get("date_created"), "date_created")
    method = text(o.get("payment_method"))
    invoice = method in (invoice_methods or [])
    locale = next((v for k in LANGUAGE_KEYS if (v := _meta(o, k))), None)
    return build(
        {
            "platform": PLATFORM,
            "channel_order_id": str(o["id"]),
            "order_number": text(o.get("number")) or str(o["id"]),
            "ordered_at": ordered_at,
            "status": STATUS[status],
            "currency": text(o.get("currency")),
            "buyer": {
                "name": billing["name"] or delivery["name"],
                "email": opt_text((o.get("billing") or {}).get("email")),
                "language": language(locale, default_language),
            },
            "billing_address": billing,
            "delivery_address": delivery,
            "lines": lines,
            "shipping": money_or_zero(o.get("shipping_total"), "shipping_total")
            + money_or_zero(o.get("shipping_tax"), "shipping_tax"),
            "total": money(o.get("total"), "total"),
            "payment": {
                "method": "invoice" if invoice else "prepaid",
                "paid": bool(o.get("date_paid_gmt") or o.get("date_paid")) and status != "pending",
            },
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


def _tracking_meta(t: Tracking) -> dict[str, Any]:
    return {"tracking_id": t.tracking_id, "url": t.url, "carrier": t.carrier}


class WooCommerceChannel:
    """A WooCommerce shop through the REST API v3."""

    def __init__(self, connection: ChannelConnection, client: httpx.Client, secret: str) -> None:
        self.connection = connection
        self.client = client
        key, sep, password = secret.partition(":")
        if not sep:
            raise PermanentChannelError(
                "WooCommerce credentials must be 'consumer_key:consumer_secret'"
            )
        self._auth = httpx.BasicAuth(key, password)
        self._api = f"{connection.base_url}/wp-json/wc/v3"
        # option shipment_tracking: true / false / "auto" (default: use it when the shop has it)
        self._has_extension: bool | None = None

    # -- reading --------------------------------------------------------------------------
    def pages(self, updated_since: str | None) -> Iterator[OrderPage]:
        per_page = min(self.connection.options.page_size, 100)
        params: dict[str, Any] = {"orderby": "id", "order": "asc", "per_page": per_page}
        if updated_since:
            since = timestamp(updated_since, "updated_since", assume_utc=True).astimezone(UTC)
            params.update(
                modified_after=since.replace(tzinfo=None).isoformat(), dates_are_gmt="true"
            )
        page = 1
        while True:
            response = request(
                self.client,
                "GET",
                f"{self._api}/orders",
                params={**params, "page": page},
                auth=self._auth,
            )
            orders = json_of(response)
            if not isinstance(orders, list):
                raise PermanentChannelError("GET orders: the answer is not a list of orders")
            try:
                total_pages = int(response.headers.get("X-WP-TotalPages", "0"))
            except ValueError:
                total_pages = 0
            more = bool(orders) and (
                page < total_pages or (not total_pages and len(orders) == per_page)
            )
            stamps = latest((o.get("date_modified_gmt") for o in orders), assume_utc=True)
            yield OrderPage(orders, str(page + 1) if more else None, stamps)
            if not more:
                return
            page += 1

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
                return self._set_status(oid, "processing", {"pending", "on-hold"}, "accepted")
            case "cancelled":
                reason = item.payload.get("reason") or order.cancel_reason or ""
                return self._set_status(
                    oid,
                    "cancelled",
                    {"pending", "on-hold", "processing"},
                    "cancelled",
                    {CANCEL_KEY: reason},
                )
            case "tracking":
                return self._track(oid, _tracking(item, order))
            case "shipped":
                t = _tracking(item, order)
                if t is not None:
                    self._track(oid, t)
                return self._set_status(
                    oid, "completed", {"pending", "on-hold", "processing"}, "completed"
                )
            case "delivered":
                return PushResult(False, "WooCommerce has no delivered status; nothing to send")
        raise PermanentChannelError(f"unknown channel event {item.event!r}")

    def _get(self, path: str, kind: type[dict[str, Any]] | type[list[Any]] = dict) -> Any:
        return json_as(request(self.client, "GET", f"{self._api}/{path}", auth=self._auth), kind)

    def _set_status(
        self, oid: str, status: str, from_: set[str], note: str, meta: dict[str, str] | None = None
    ) -> PushResult:
        current = text(self._get(f"orders/{oid}").get("status"))
        if current == status:
            return PushResult(False, f"already {status} on WooCommerce")
        if current not in from_:
            if status == "processing":  # accepted: anything past processing already is
                return PushResult(False, f"already {current} on WooCommerce")
            raise PermanentChannelError(
                f"order {oid} is {current} on WooCommerce: cannot set {status}"
            )
        body: dict[str, Any] = {"status": status}
        if meta:
            body["meta_data"] = [{"key": k, "value": v} for k, v in meta.items()]
        request(self.client, "PUT", f"{self._api}/orders/{oid}", json=body, auth=self._auth)
        return PushResult(True, note, {"status": status})

    def _track(self, oid: str, t: Tracking | None) -> PushResult:
        if t is None:
            return PushResult(False, "no tracking on the order")
        wanted = _tracking_meta(t)
        if _meta(self._get(f"orders/{oid}"), TRACKING_KEY) == wanted:
            return PushResult(False, "tracking already on WooCommerce")
        # Each step checks first, so a retry after a half-done attempt adds nothing twice.
        notes = self._get(f"orders/{oid}/notes", list)
        if not any(t.tracking_id in text(n.get("note")) for n in notes if isinstance(n, dict)):
            line = " ".join(x for x in (t.carrier or "", t.tracking_id, t.url or "") if x)
            request(
                self.client,
                "POST",
                f"{self._api}/orders/{oid}/notes",
                json={"note": f"Tracking: {line}", "customer_note": False},
                auth=self._auth,
            )
        if self.connection.option("shipment_tracking", "auto") is not False:
            self._shipment_tracking(oid, t)
        body = {"meta_data": [{"key": TRACKING_KEY, "value": wanted}]}
        request(self.client, "PUT", f"{self._api}/orders/{oid}", json=body, auth=self._auth)
        return PushResult(True, "tracking added", wanted)

    def _shipment_tracking(self, oid: str, t: Tracking) -> None:
        """The Shipment Tracking extension's entry, where the shop has the extension."""
        if self._has_extension is False:
            return
        url = f"{self.connection.base_url}/wp-json/wc-shipment-tracking/v3/orders/{oid}/shipment-trackings"
        response = request(self.client, "GET", url, auth=self._auth, accept=(404,))
        if response.status_code == 404:
            body = json_of(response)
            if isinstance(body, dict) and body.get("code") == "rest_no_route":  # not installed
                self._has_extension = False
                return
            raise PermanentChannelError(f"order {oid} not found on WooCommerce")
        self._has_extension = True
        existing = json_as(response, list)
        if any(isinstance(e, dict) and e.get("tracking_number") == t.tracking_id for e in existing):
            return
        body = {
            "custom_tracking_provider": t.carrier or "",
            "custom_tracking_link": t.url or "",
            "tracking_number": t.tracking_id,
        }
        request(self.client, "POST", url, json=body, auth=self._auth)
