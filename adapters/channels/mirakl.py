"""Mirakl seller (shop) API (`{base}/api/...`, header `Authorization: <shop API key>`).

Endpoints:
    OR11 GET /api/orders?start_update_date=..&offset=..&max=..&sort=dateCreated&order=asc
                                  list, `total_count` in the body; also ?order_ids=X for one order
    OR21 PUT /api/orders/{id}/accept     accept (or refuse) every order line
    OR23 PUT /api/orders/{id}/tracking   carrier_code, or carrier_name + carrier_url; tracking_number
    OR24 PUT /api/orders/{id}/ship       confirm the shipment
    OR29 PUT /api/orders/{id}/cancel     cancel an accepted order before it ships

Paging: offset/max over a fixed filter sorted by creation date; an order that changes
while we page keeps its place, new orders append at the end, and what changed behind
us comes again on the next (overlapping) poll. `delivered` is a no-op: the buyer or
the operator confirms receipt on Mirakl.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx

from adapters.channels.base import (
    MappingError,
    OrderPage,
    PermanentChannelError,
    PushResult,
    RetryableChannelError,
)
from adapters.channels.countries import alpha2
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

PLATFORM = "mirakl"
STATUS = {
    "STAGING": "open",  # fraud check on the operator's side
    "WAITING_ACCEPTANCE": "open",
    "WAITING_DEBIT": "confirmed",  # accepted; the marketplace is collecting payment
    "WAITING_DEBIT_PAYMENT": "confirmed",
    "SHIPPING": "confirmed",
    "SHIPPED": "shipped",
    "TO_COLLECT": "shipped",
    "RECEIVED": "delivered",
    "CLOSED": "delivered",
    "REFUSED": "cancelled",
    "CANCELED": "cancelled",
}
ACCEPTED = {"WAITING_DEBIT", "WAITING_DEBIT_PAYMENT", "SHIPPING"}
SHIPPED = {"SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"}
ENDED = {"REFUSED", "CANCELED"}
DEBITING = {"WAITING_DEBIT", "WAITING_DEBIT_PAYMENT"}
DEBIT_WAIT = 60.0  # seconds: the marketplace collects the payment after the acceptance
UNIT = Decimal("0.0001")


def _address(raw: Any, field: str) -> dict[str, Any]:
    a = require_dict(raw, field)
    code = text(a.get("country_iso_code"))
    country = alpha2(code)
    if country is None:
        raise MappingError(f"{field}.country_iso_code {code!r} is not an ISO 3166 country code")
    return {
        "name": join_name(a.get("firstname"), a.get("lastname")) or text(a.get("company")),
        "company": opt_text(a.get("company")),
        "street": text(a.get("street_1")),
        "street2": opt_text(a.get("street_2")),
        "postal_code": text(a.get("zip_code")),
        "city": text(a.get("city")),
        "country": country,
    }


def _taxes(raw: Any, field: str) -> tuple[Decimal, Decimal | None]:
    """(tax amount, summed rate in percent or None when a tax has no rate) of a Mirakl taxes list."""
    amount, rate = Decimal(0), Decimal(0)
    known = True
    for i, t in enumerate(raw or []):
        amount += money_or_zero(t.get("amount"), f"{field}[{i}].amount")
        if t.get("rate") is None:
            known = False
        else:
            rate += rate_percent(t["rate"], f"{field}[{i}].rate")
    return amount, rate if known else None


def _line(li: dict[str, Any], i: int, tax_included: bool) -> tuple[dict[str, Any], Decimal]:
    """The mapped line and its shipping (incl. VAT)."""
    f = f"order_lines[{i}]"
    qty = quantity(li.get("quantity"), f"{f}.quantity")
    price = money(li.get("price"), f"{f}.price")  # unit price x quantity
    tax, rate = _taxes(li.get("taxes"), f"{f}.taxes")
    gross = price if tax_included else price + tax
    if rate is None:  # no rate given: from the amounts
        net = gross - tax
        rate = (tax / net * 100).quantize(Decimal("0.1")) if net and tax else Decimal(0)
    shipping = money_or_zero(li.get("shipping_price"), f"{f}.shipping_price")
    if not tax_included:
        shipping += _taxes(li.get("shipping_taxes"), f"{f}.shipping_taxes")[0]
    unit = gross / qty
    if unit != unit.quantize(UNIT):
        unit = unit.quantize(UNIT)
    line = {
        "sku": text(li.get("offer_sku")),
        "name": text(li.get("product_title")),
        "quantity": qty,
        "unit_price": unit,
        "vat_rate": rate,
        "total": gross,
    }
    return line, shipping


@refuses_odd_shapes
def map_order(
    raw: dict[str, Any],
    default_language: Language | None = None,
    invoice_methods: list[str] | None = None,
) -> NormalizedOrder:
    """A Mirakl OR11 order as a NormalizedOrder (marketplace orders are always prepaid)."""
    o = require_dict(raw, "order")
    oid = text(o.get("order_id"))
    if not oid:
        raise MappingError("order has no order_id")
    what = f"mirakl order {oid}"
    state = text(o.get("order_state"))
    if state not in STATUS:
        raise MappingError(f"{what}: unknown order_state {state!r}")
    tax_included = text(o.get("order_tax_mode")) != "TAX_EXCLUDED"
    lines, shipping = [], Decimal(0)
    for i, li in enumerate(o.get("order_lines") or []):
        if text(li.get("order_line_state")) in ENDED and state not in ENDED:
            continue  # a refused / cancelled line of an order that goes on
        line, ship = _line(li, i, tax_included)
        lines.append(line)
        shipping += ship
    if not lines:
        raise MappingError(f"{what}: no order lines")
    customer = require_dict(o.get("customer") or {}, "customer")
    delivery_raw = customer.get("shipping_address") or customer.get("billing_address")
    billing_raw = customer.get("billing_address") or delivery_raw
    if not billing_raw:
        raise MappingError(f"{what}: the customer has no address")
    delivery = _address(delivery_raw, "customer.shipping_address")
    paid = bool(o.get("customer_debited_date")) or state in SHIPPED | {"SHIPPING"}
    return build(
        {
            "platform": PLATFORM,
            "channel_order_id": oid,
            "order_number": oid,
            "ordered_at": timestamp(o.get("created_date"), "created_date"),
            "status": STATUS[state],
            "currency": text(o.get("currency_iso_code")),
            "buyer": {
                "name": join_name(customer.get("firstname"), customer.get("lastname"))
                or delivery["name"],
                "email": opt_text(o.get("customer_notification_email")),
                "language": language(customer.get("locale"), default_language),
            },
            "billing_address": _address(billing_raw, "customer.billing_address"),
            "delivery_address": delivery,
            "lines": lines,
            "shipping": shipping,
            "total": money(o.get("total_price"), "total_price"),
            "payment": {"method": "prepaid", "paid": paid},
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


class MiraklChannel:
    """A shop on a Mirakl marketplace through the seller API."""

    def __init__(self, connection: ChannelConnection, client: httpx.Client, secret: str) -> None:
        self.connection = connection
        self.client = client
        self._headers = {"Authorization": secret, "Accept": "application/json"}
        self._api = f"{connection.base_url}/api"

    # -- reading --------------------------------------------------------------------------
    def pages(self, updated_since: str | None) -> Iterator[OrderPage]:
        size = min(self.connection.options.page_size, 100)
        params: dict[str, Any] = {
            "sort": "dateCreated",
            "order": "asc",
            "max": size,
            "paginate": "true",
        }
        if updated_since:
            params["start_update_date"] = updated_since
        offset = 0
        while True:
            response = request(
                self.client,
                "GET",
                f"{self._api}/orders",
                params={**params, "offset": offset},
                headers=self._headers,
            )
            body = json_of(response)
            orders = body.get("orders") if isinstance(body, dict) else None
            if not isinstance(orders, list):
                raise PermanentChannelError("OR11: the answer has no orders list")
            total = body.get("total_count")
            offset += len(orders)
            more = len(orders) == size and (not isinstance(total, int) or offset < total)
            stamps = latest(o.get("last_updated_date") for o in orders)
            yield OrderPage(orders, str(offset) if more else None, stamps)
            if not more:
                return

    def map_order(self, raw: dict[str, Any]) -> NormalizedOrder:
        return map_order(raw, self.connection.options.default_language)

    # -- writing --------------------------------------------------------------------------
    def apply(self, item: OutboxItem, order: Order) -> PushResult:
        oid = order.channel_order_id
        match item.event:
            case "confirmed":
                return self._accept(oid, True)
            case "cancelled":
                return self._cancel(oid)
            case "tracking":
                return self._track(oid, _tracking(item, order))
            case "shipped":
                return self._ship(oid, _tracking(item, order))
            case "delivered":
                return PushResult(False, "Mirakl records receipt itself; nothing to send")
        raise PermanentChannelError(f"unknown channel event {item.event!r}")

    def _order(self, oid: str) -> dict[str, Any]:
        body = json_as(
            request(
                self.client,
                "GET",
                f"{self._api}/orders",
                params={"order_ids": oid},
                headers=self._headers,
            ),
            dict,
        )
        found: list[dict[str, Any]] = [
            o for o in body.get("orders") or [] if o.get("order_id") == oid
        ]
        if not found:
            raise PermanentChannelError(f"OR11: order {oid} not found on Mirakl")
        return found[0]

    def _put(self, path: str, body: dict[str, Any] | None = None) -> None:
        request(self.client, "PUT", f"{self._api}/{path}", json=body, headers=self._headers)

    def _accept(self, oid: str, accepted: bool) -> PushResult:
        o = self._order(oid)
        state = o.get("order_state")
        if state == "WAITING_ACCEPTANCE":
            lines = [
                {"accepted": accepted, "id": li["order_line_id"]}
                for li in o.get("order_lines") or []
            ]
            self._put(f"orders/{oid}/accept", {"order_lines": lines})
            return PushResult(True, "accepted (OR21)" if accepted else "refused (OR21)")
        if accepted and (state in ACCEPTED or state in SHIPPED):
            return PushResult(False, f"already accepted on Mirakl ({state})")
        if not accepted and state in ENDED:
            return PushResult(False, f"already {state} on Mirakl")
        raise PermanentChannelError(f"order {oid} is {state} on Mirakl")

    def _cancel(self, oid: str) -> PushResult:
        o = self._order(oid)
        state = o.get("order_state")
        if state == "WAITING_ACCEPTANCE":
            return self._accept(oid, False)
        if state in ENDED:
            return PushResult(False, f"already {state} on Mirakl")
        if state in ACCEPTED:
            self._put(f"orders/{oid}/cancel")
            return PushResult(True, "cancelled (OR29)")
        raise PermanentChannelError(
            f"order {oid} is {state} on Mirakl: it can no longer be cancelled"
        )

    def _tracking_body(self, t: Tracking) -> dict[str, Any]:
        codes: dict[str, str] = self.connection.option("carrier_codes", None) or {}
        body: dict[str, Any] = {"tracking_number": t.tracking_id}
        if t.carrier and t.carrier in codes:
            body["carrier_code"] = codes[t.carrier]
        else:
            body["carrier_name"] = t.carrier or "Other"
            if t.url:
                body["carrier_url"] = t.url
        return body

    def _track(self, oid: str, t: Tracking | None, o: dict[str, Any] | None = None) -> PushResult:
        if t is None:
            return PushResult(False, "no tracking on the order")
        o = o or self._order(oid)
        if o.get("shipping_tracking") == t.tracking_id and (
            not t.url or o.get("shipping_tracking_url") == t.url
        ):
            return PushResult(False, "tracking already on Mirakl")
        if o.get("order_state") not in ACCEPTED:
            raise PermanentChannelError(
                f"order {oid} is {o.get('order_state')} on Mirakl: cannot set tracking"
            )
        self._put(f"orders/{oid}/tracking", self._tracking_body(t))
        return PushResult(True, "tracking set (OR23)")

    def _ship(self, oid: str, t: Tracking | None) -> PushResult:
        o = self._order(oid)
        state = o.get("order_state")
        if state in SHIPPED:
            return PushResult(False, f"already {state} on Mirakl")
        if state in DEBITING:
            raise RetryableChannelError(
                f"order {oid} is {state} on Mirakl: it can ship once the buyer is debited",
                retry_after=DEBIT_WAIT,
            )
        if state != "SHIPPING":
            raise PermanentChannelError(f"order {oid} is {state} on Mirakl: cannot ship it")
        if t is not None:
            self._track(oid, t, o)
        self._put(f"orders/{oid}/ship")
        return PushResult(True, "shipped (OR24)")
