"""A fake WooCommerce shop: the REST API v3 order endpoints our adapter uses, orders in memory."""

from __future__ import annotations

import base64
import html
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.channels.fakes.data import SampleOrder, money
from adapters.channels.fakes.server import ASGIApp, FakeServer, Scope

ZURICH = ZoneInfo("Europe/Zurich")
API = "/wp-json/wc/v3"
TRACKING_API = "/wp-json/wc-shipment-tracking/v3"
RATE_IDS = {Decimal("8.1"): 1, Decimal("2.6"): 2}
# The status a PUT sets -> the event it means (what effects() reports)
EVENT_OF_STATUS = {"processing": "confirmed", "cancelled": "cancelled", "completed": "shipped"}


def gmt(when: datetime | None = None) -> str:
    """WooCommerce's *_gmt form: UTC, whole seconds, no offset."""
    return (
        (when or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()
    )


def local(when: datetime | None = None) -> str:
    """The site-local twin (Europe/Zurich), also without an offset."""
    return (
        (when or datetime.now(UTC))
        .astimezone(ZURICH)
        .replace(microsecond=0, tzinfo=None)
        .isoformat()
    )


def _entities(name: str) -> str:
    """Product names as WordPress stores them: with HTML entities."""
    return html.escape(name, quote=False).replace("«", "&laquo;").replace("»", "&raquo;")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "data": {"status": status}}, status_code=status
    )


class FakeWooCommerce(FakeServer):
    platform = "woocommerce"

    def __init__(
        self,
        secret: str = "ck_fake0001:cs_fake0001",
        tracking_extension: bool = True,
        **kwargs: Any,
    ) -> None:
        self.tracking_extension = tracking_extension  # the Shipment Tracking extension installed?
        self._next_id = 50_000
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self.trackings: dict[str, list[dict[str, Any]]] = {}
        super().__init__(secret, **kwargs)

    def authorized(self, scope: Scope) -> bool:
        raw: bytes = dict(scope["headers"]).get(b"authorization", b"")
        kind, _, value = raw.decode(errors="replace").partition(" ")
        if kind.lower() != "basic":
            return False
        try:
            return base64.b64decode(value).decode() == self.secret
        except ValueError:
            return False

    def unauthorized(self) -> tuple[int, Any]:
        return 401, {
            "code": "woocommerce_rest_cannot_view",
            "message": "Sorry, you cannot list resources.",
            "data": {"status": 401},
        }

    def clear_platform_state(self) -> None:
        self.notes.clear()
        self.trackings.clear()

    # -- data -----------------------------------------------------------------------------
    def _bump(self, o: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        o["date_modified"], o["date_modified_gmt"] = local(now), gmt(now)

    def render(self, s: SampleOrder) -> tuple[str, dict[str, Any]]:
        oid = 10_000 + s.number
        address = {
            "first_name": s.first_name,
            "last_name": s.last_name,
            "company": "",
            "address_1": s.street,
            "address_2": "",
            "city": s.city,
            "state": "",
            "postcode": s.postal_code,
            "country": "CH",
        }
        taxes: dict[Decimal, Decimal] = {Decimal("8.1"): Decimal(0)}  # shipping is taxed at 8.1
        items = []
        for k, line in enumerate(s.lines):
            net, tax = line.gross - line.tax, line.tax
            taxes[line.vat_rate] = taxes.get(line.vat_rate, Decimal(0)) + tax
            rid = RATE_IDS[line.vat_rate]
            items.append(
                {
                    "id": oid * 10 + k,
                    "name": _entities(line.name),
                    "product_id": 100 + k,
                    "variation_id": 0,
                    "quantity": line.quantity,
                    "tax_class": "reduced-rate" if rid == 2 else "",
                    "subtotal": money(net),
                    "subtotal_tax": money(tax),
                    "total": money(net),
                    "total_tax": money(tax),
                    "taxes": [{"id": rid, "total": money(tax), "subtotal": money(tax)}],
                    "meta_data": [],
                    "sku": line.sku,
                    "price": float(net / line.quantity),
                }
            )
        paid = None if s.invoice else s.created
        meta = [{"id": oid * 10, "key": "_order_source", "value": "checkout"}]
        if s.language:
            meta.append({"id": oid * 10 + 1, "key": "wpml_language", "value": s.language})
        order = {
            "id": oid,
            "parent_id": 0,
            "number": str(oid),
            "order_key": f"wc_order_{oid:x}",
            "created_via": "checkout",
            "status": "on-hold" if s.invoice else "processing",
            "currency": "CHF",
            "date_created": local(s.created),
            "date_created_gmt": gmt(s.created),
            "date_modified": "",
            "date_modified_gmt": "",
            "discount_total": "0.00",
            "discount_tax": "0.00",
            "shipping_total": money(s.shipping - s.shipping_tax),
            "shipping_tax": money(s.shipping_tax),
            "cart_tax": money(s.total_tax - s.shipping_tax),
            "total": money(s.total),
            "total_tax": money(s.total_tax),
            "prices_include_tax": True,
            "customer_id": 0,
            "customer_note": "",
            "billing": {**address, "email": s.email, "phone": ""},
            "shipping": dict(address),
            "payment_method": "invoice" if s.invoice else "stripe",
            "payment_method_title": "Kauf auf Rechnung" if s.invoice else "Kreditkarte",
            "transaction_id": "" if s.invoice else f"pi_{oid}",
            "date_paid": local(paid) if paid else None,
            "date_paid_gmt": gmt(paid) if paid else None,
            "date_completed": None,
            "date_completed_gmt": None,
            "meta_data": meta,
            "line_items": items,
            "tax_lines": [
                {
                    "id": oid * 10 + 8 + RATE_IDS[rate],
                    "rate_code": f"CH-MWST-{rate}",
                    "rate_id": RATE_IDS[rate],
                    "label": f"MWST {rate} %",
                    "compound": False,
                    "tax_total": money(tax),
                    "shipping_tax_total": money(s.shipping_tax)
                    if rate == Decimal("8.1")
                    else "0.00",
                    "rate_percent": float(rate),
                    "meta_data": [],
                }
                for rate, tax in sorted(taxes.items())
            ],
            "shipping_lines": [
                {
                    "id": oid * 10 + 7,
                    "method_title": "PostPac Economy",
                    "method_id": "flat_rate",
                    "total": money(s.shipping - s.shipping_tax),
                    "total_tax": money(s.shipping_tax),
                    "taxes": [{"id": 1, "total": money(s.shipping_tax), "subtotal": ""}],
                    "meta_data": [],
                }
            ],
            "fee_lines": [],
            "coupon_lines": [],
            "refunds": [],
        }
        self._bump(order)
        return str(oid), order

    def change(self, raw: dict[str, Any], cancelled: bool, address: dict[str, str] | None) -> None:
        if cancelled:
            raw["status"] = "cancelled"
        if address:
            ship = raw["shipping"]
            first, _, last = address.get("name", "").partition(" ")
            if first:
                ship["first_name"], ship["last_name"] = first, last
            ship["address_1"] = address.get("street", ship["address_1"])
            ship["postcode"] = address.get("postal_code", ship["postcode"])
            ship["city"] = address.get("city", ship["city"])
            ship["country"] = address.get("country", ship["country"])
        self._bump(raw)

    def mutate_some(self, rng: random.Random) -> None:
        for oid in rng.sample(list(self.orders), min(3, len(self.orders))):
            self._bump(self.orders[oid])

    # -- the app --------------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        return Starlette(
            routes=[
                Route(f"{API}/orders", self._list, methods=["GET"]),
                Route(f"{API}/orders/{{oid}}", self._get, methods=["GET"]),
                Route(f"{API}/orders/{{oid}}", self._put, methods=["PUT", "POST"]),
                Route(f"{API}/orders/{{oid}}/notes", self._notes, methods=["GET", "POST"]),
                Route(
                    f"{TRACKING_API}/orders/{{oid}}/shipment-trackings",
                    self._tracking,
                    methods=["GET", "POST"],
                ),
            ]
        )

    async def _list(self, request: Request) -> Response:
        q = request.query_params
        try:
            per_page, page = int(q.get("per_page", 10)), int(q.get("page", 1))
        except ValueError:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
        if not 1 <= per_page <= 100 or page < 1:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        orderby, order = q.get("orderby", "date"), q.get("order", "desc")
        if orderby not in ("date", "id", "include", "title", "slug"):
            return _error(400, "rest_invalid_param", "Invalid parameter(s): orderby")
        gmt_dates = q.get("dates_are_gmt") in ("true", "1")
        after = None
        if q.get("modified_after"):
            try:
                after = datetime.fromisoformat(q["modified_after"].replace("Z", "+00:00"))
            except ValueError:
                return _error(400, "rest_invalid_param", "Invalid parameter(s): modified_after")
            if after.tzinfo is not None:
                after = after.astimezone(UTC if gmt_dates else ZURICH).replace(tzinfo=None)
        after_text = after.isoformat() if after else ""
        with self.lock:
            chosen = []
            for o in self.orders.values():
                if after:
                    mine = o["date_modified_gmt"] if gmt_dates else o["date_modified"]
                    if mine <= after_text:  # same naive ISO form: text order is time order
                        continue
                if (
                    q.get("status")
                    and q["status"] != "any"
                    and o["status"] not in q["status"].split(",")
                ):
                    continue
                chosen.append(o)
            key = "id" if orderby == "id" else "date_created_gmt"
            chosen.sort(key=lambda o: (o[key], o["id"]), reverse=order == "desc")
            total = len(chosen)
            pages = (total + per_page - 1) // per_page
            response = JSONResponse(  # rendered under the lock: the answer is a snapshot
                chosen[(page - 1) * per_page : page * per_page],
                headers={"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)},
            )
        self.after_list_page()
        return response

    async def _get(self, request: Request) -> Response:
        with self.lock:
            o = self.orders.get(request.path_params["oid"])
            return (
                JSONResponse(o)
                if o
                else _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            )

    async def _put(self, request: Request) -> Response:
        body = await request.json()
        oid = request.path_params["oid"]
        with self.lock:
            o = self.orders.get(oid)
            if o is None:
                return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            changed = False
            status = body.get("status")
            if status and status != o["status"]:
                o["status"] = status
                if status == "completed":
                    o["date_completed"], o["date_completed_gmt"] = local(), gmt()
                if status in EVENT_OF_STATUS:
                    self.applied(oid, EVENT_OF_STATUS[status])
                changed = True
            for m in body.get("meta_data") or []:
                existing = next((x for x in o["meta_data"] if x["key"] == m.get("key")), None)
                if existing is None:
                    self._next_id += 1
                    o["meta_data"].append(
                        {"id": self._next_id, "key": m["key"], "value": m.get("value")}
                    )
                elif existing["value"] != m.get("value"):
                    existing["value"] = m.get("value")
                else:
                    continue
                changed = True
                if m.get("key") == "_sales_scaler_tracking":
                    self.applied(oid, "tracking")
            if changed:
                self._bump(o)
            return JSONResponse(o)

    async def _notes(self, request: Request) -> Response:
        oid = request.path_params["oid"]
        body = await request.json() if request.method == "POST" else {}
        with self.lock:
            if oid not in self.orders:
                return _error(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
            notes = self.notes.setdefault(oid, [])
            if request.method == "GET":
                return JSONResponse(notes)
            if not body.get("note"):
                return _error(400, "rest_missing_callback_param", "Missing parameter(s): note")
            self._next_id += 1
            note = {
                "id": self._next_id,
                "author": "WooCommerce",
                "date_created_gmt": gmt(),
                "note": body["note"],
                "customer_note": bool(body.get("customer_note")),
            }
            notes.append(note)
            return JSONResponse(note, status_code=201)

    async def _tracking(self, request: Request) -> Response:
        if not self.tracking_extension:
            return _error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        oid = request.path_params["oid"]
        body = await request.json() if request.method == "POST" else {}
        with self.lock:
            if oid not in self.orders:
                return _error(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
            items = self.trackings.setdefault(oid, [])
            if request.method == "GET":
                return JSONResponse(items)
            self._next_id += 1
            entry = {"tracking_id": str(self._next_id), **body}
            items.append(entry)
            return JSONResponse(entry, status_code=201)
