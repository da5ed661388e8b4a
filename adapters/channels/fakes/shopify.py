"""A fake Shopify store: the Admin REST endpoints our adapter uses, orders in memory."""

from __future__ import annotations

import base64
import json
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
API = "/admin/api/{version}"


def stamp(when: datetime | None = None) -> str:
    """Shopify's timestamp form: local time with its offset, whole seconds."""
    return (when or datetime.now(UTC)).astimezone(ZURICH).replace(microsecond=0).isoformat()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _error(status: int, errors: Any) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status)


class FakeShopify(FakeServer):
    platform = "shopify"

    def __init__(self, secret: str = "shpat_fake_token", **kwargs: Any) -> None:
        self._next_id = 9_000_000_000
        super().__init__(secret, **kwargs)

    def authorized(self, scope: Scope) -> bool:
        headers = dict(scope["headers"])
        token: bytes = headers.get(b"x-shopify-access-token", b"")
        return token.decode() == self.secret

    def unauthorized(self) -> tuple[int, Any]:
        return 401, {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }

    def extra_headers(self) -> dict[str, str]:
        bucket = self._bucket
        used, cap = (bucket.used, int(bucket.capacity)) if bucket else (1, 40)
        return {"X-Shopify-Shop-Api-Call-Limit": f"{used}/{cap}"}

    # -- data -----------------------------------------------------------------------------
    def render(self, s: SampleOrder) -> tuple[str, dict[str, Any]]:
        oid = 6_000_000_000 + s.number
        address = {
            "first_name": s.first_name,
            "last_name": s.last_name,
            "name": s.name,
            "company": None,
            "address1": s.street,
            "address2": "",
            "zip": s.postal_code,
            "city": s.city,
            "province": None,
            "country": "Switzerland",
            "country_code": "CH",
            "phone": None,
        }
        by_rate: dict[Decimal, Decimal] = {}
        items = []
        for k, line in enumerate(s.lines):
            by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal(0)) + line.tax
            items.append(
                {
                    "id": 7_000_000_000 + s.number * 100 + k,
                    "variant_id": 40_000 + k,
                    "product_id": 30_000 + k,
                    "title": line.name,
                    "name": line.name,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "price": money(line.unit_price),
                    "total_discount": "0.00",
                    "taxable": True,
                    "requires_shipping": True,
                    "fulfillment_status": None,
                    "tax_lines": [
                        {
                            "title": "MWST",
                            "price": money(line.tax),
                            "rate": float(line.vat_rate / 100),
                        }
                    ],
                }
            )
        by_rate[Decimal("8.1")] = by_rate.get(Decimal("8.1"), Decimal(0)) + s.shipping_tax
        subtotal = sum((line.gross for line in s.lines), Decimal(0))
        gateway = "Rechnung" if s.invoice else "shopify_payments"
        created = stamp(s.created)
        order = {
            "id": oid,
            "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
            "name": f"#{1000 + s.number}",
            "number": s.number,
            "order_number": 1000 + s.number,
            "created_at": created,
            "processed_at": created,
            "updated_at": stamp(),
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "currency": "CHF",
            "presentment_currency": "CHF",
            "email": s.email,
            "contact_email": s.email,
            "customer_locale": f"{s.language}-CH" if s.language else None,
            "financial_status": "pending" if s.invoice else "paid",
            "fulfillment_status": None,
            "gateway": gateway,
            "payment_gateway_names": [gateway],
            "processing_method": "manual" if s.invoice else "direct",
            "taxes_included": True,
            "subtotal_price": money(subtotal),
            "total_line_items_price": money(subtotal),
            "total_discounts": "0.00",
            "total_tax": money(s.total_tax),
            "total_price": money(s.total),
            "tax_lines": [
                {"title": "MWST", "price": money(tax), "rate": float(rate / 100)}
                for rate, tax in sorted(by_rate.items())
            ],
            "line_items": items,
            "shipping_lines": [
                {
                    "id": 5_000_000_000 + s.number,
                    "title": "PostPac Economy",
                    "code": "ECONOMY",
                    "price": money(s.shipping),
                    "tax_lines": [{"title": "MWST", "price": money(s.shipping_tax), "rate": 0.081}],
                }
            ],
            "billing_address": address,
            "shipping_address": dict(address),
            "customer": {
                "id": 8_000_000 + s.number,
                "email": s.email,
                "first_name": s.first_name,
                "last_name": s.last_name,
            },
            "fulfillments": [],
        }
        return str(oid), order

    def change(self, raw: dict[str, Any], cancelled: bool, address: dict[str, str] | None) -> None:
        if cancelled and not raw["cancelled_at"]:
            raw["cancelled_at"] = stamp()
            raw["cancel_reason"] = "customer"
        if address:
            ship = raw["shipping_address"]
            ship.update(
                {
                    "name": address.get("name", ship["name"]),
                    "address1": address.get("street", ship["address1"]),
                    "zip": address.get("postal_code", ship["zip"]),
                    "city": address.get("city", ship["city"]),
                    "country_code": address.get("country", ship["country_code"]),
                }
            )
        raw["updated_at"] = stamp()

    def mutate_some(self, rng: random.Random) -> None:
        for oid in rng.sample(list(self.orders), min(3, len(self.orders))):
            self.orders[oid]["updated_at"] = stamp()

    def _fulfillment_orders(self, o: dict[str, Any]) -> list[dict[str, Any]]:
        if o["cancelled_at"]:
            status = "cancelled"
        elif o["fulfillment_status"] == "fulfilled":
            status = "closed"
        else:
            status = "open"
        fo_id = 4_000_000_000 + int(o["id"]) % 1_000_000_000
        return [
            {
                "id": fo_id,
                "order_id": o["id"],
                "status": status,
                "request_status": "unsubmitted",
                "assigned_location_id": 905684977,
                "line_items": [
                    {
                        "id": fo_id * 10 + k,
                        "fulfillment_order_id": fo_id,
                        "line_item_id": li["id"],
                        "quantity": li["quantity"],
                        "fulfillable_quantity": 0 if status != "open" else li["quantity"],
                    }
                    for k, li in enumerate(o["line_items"])
                ],
            }
        ]

    # -- the app --------------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        routes = [
            Route(f"{API}/orders.json", self._list, methods=["GET"]),
            Route(f"{API}/orders/{{oid}}.json", self._get, methods=["GET"]),
            Route(f"{API}/orders/{{oid}}/cancel.json", self._cancel, methods=["POST"]),
            Route(f"{API}/orders/{{oid}}/fulfillment_orders.json", self._fos, methods=["GET"]),
            Route(f"{API}/orders/{{oid}}/fulfillments.json", self._fulfillments, methods=["GET"]),
            Route(f"{API}/fulfillments.json", self._fulfil, methods=["POST"]),
            Route(
                f"{API}/fulfillments/{{fid}}/update_tracking.json", self._track, methods=["POST"]
            ),
            Route(
                f"{API}/orders/{{oid}}/fulfillments/{{fid}}/events.json",
                self._event,
                methods=["POST"],
            ),
        ]
        return Starlette(routes=routes)

    def _find(self, request: Request) -> dict[str, Any] | None:
        return self.orders.get(request.path_params["oid"])

    async def _list(self, request: Request) -> Response:
        q = request.query_params
        limit = int(q.get("limit", 50))
        if not 1 <= limit <= 250:
            return _error(400, {"limit": "must be between 1 and 250"})
        if "page_info" in q:
            clash = [k for k in q if k not in ("page_info", "limit", "fields")]
            if clash:
                return _error(
                    400, {"page_info": f"{clash[0]} cannot be passed when page_info is present"}
                )
            try:
                cursor = json.loads(base64.urlsafe_b64decode(q["page_info"]))
            except ValueError:
                return _error(400, {"page_info": "Invalid value."})
        else:
            cursor = {"after": 0, "min": q.get("updated_at_min"), "status": q.get("status", "open")}
        since = _parse(cursor["min"]) if cursor.get("min") else None
        with self.lock:
            chosen = []
            for o in self.orders.values():
                if int(o["id"]) <= cursor["after"]:
                    continue
                if since and _parse(o["updated_at"]) < since:
                    continue
                if cursor["status"] == "open" and (o["cancelled_at"] or o["closed_at"]):
                    continue
                if cursor["status"] == "cancelled" and not o["cancelled_at"]:
                    continue
                chosen.append(o)
                if len(chosen) > limit:
                    break
            headers = {}
            if len(chosen) > limit:
                after = int(chosen[limit - 1]["id"])
                token = base64.urlsafe_b64encode(json.dumps({**cursor, "after": after}).encode())
                url = request.url.replace(query=f"limit={limit}&page_info={token.decode()}")
                headers["Link"] = f'<{url}>; rel="next"'
            # rendered under the lock: the answer is a snapshot
            response = JSONResponse({"orders": chosen[:limit]}, headers=headers)
        self.after_list_page()
        return response

    async def _get(self, request: Request) -> Response:
        with self.lock:
            o = self._find(request)
            return JSONResponse({"order": o}) if o else _error(404, "Not Found")

    async def _cancel(self, request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        with self.lock:
            o = self._find(request)
            if o is None:
                return _error(404, "Not Found")
            if o["cancelled_at"]:
                return JSONResponse({"error": "Order has already been cancelled"}, status_code=422)
            if o["fulfillment_status"] == "fulfilled":
                return JSONResponse({"error": "Cannot cancel a fulfilled order"}, status_code=422)
            o["cancelled_at"] = stamp()
            o["cancel_reason"] = body.get("reason", "other")
            o["updated_at"] = stamp()
            self.applied(str(o["id"]), "cancelled")
            return JSONResponse({"order": o})

    async def _fos(self, request: Request) -> Response:
        with self.lock:
            o = self._find(request)
            if o is None:
                return _error(404, "Not Found")
            return JSONResponse({"fulfillment_orders": self._fulfillment_orders(o)})

    async def _fulfillments(self, request: Request) -> Response:
        with self.lock:
            o = self._find(request)
            if o is None:
                return _error(404, "Not Found")
            return JSONResponse({"fulfillments": o["fulfillments"]})

    def _by_fo(self, fo_id: int) -> dict[str, Any] | None:
        for o in self.orders.values():
            if 4_000_000_000 + int(o["id"]) % 1_000_000_000 == fo_id:
                return o
        return None

    async def _fulfil(self, request: Request) -> Response:
        body = (await request.json()).get("fulfillment") or {}
        wanted = body.get("line_items_by_fulfillment_order") or []
        if not wanted:
            return _error(422, {"line_items_by_fulfillment_order": ["can't be blank"]})
        with self.lock:
            fo_id = int(wanted[0]["fulfillment_order_id"])
            o = self._by_fo(fo_id)
            if o is None:
                return _error(404, "Not Found")
            fo = self._fulfillment_orders(o)[0]
            if fo["status"] != "open":
                return _error(
                    422, [f"Fulfillment order {fo_id} has an unfulfillable status= {fo['status']}."]
                )
            info = body.get("tracking_info") or {}
            self._next_id += 1
            f = {
                "id": self._next_id,
                "order_id": o["id"],
                "status": "success",
                "created_at": stamp(),
                "updated_at": stamp(),
                "tracking_company": info.get("company"),
                "tracking_number": info.get("number"),
                "tracking_numbers": [info["number"]] if info.get("number") else [],
                "tracking_url": info.get("url"),
                "tracking_urls": [info["url"]] if info.get("url") else [],
                "shipment_status": None,
                "line_items": o["line_items"],
            }
            o["fulfillments"].append(f)
            o["fulfillment_status"] = "fulfilled"
            for li in o["line_items"]:
                li["fulfillment_status"] = "fulfilled"
            o["updated_at"] = stamp()
            self.applied(str(o["id"]), "shipped")
            return JSONResponse({"fulfillment": f}, status_code=201)

    def _fulfillment(self, fid: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for o in self.orders.values():
            for f in o["fulfillments"]:
                if f["id"] == fid:
                    return o, f
        return None

    async def _track(self, request: Request) -> Response:
        info = ((await request.json()).get("fulfillment") or {}).get("tracking_info") or {}
        with self.lock:
            found = self._fulfillment(int(request.path_params["fid"]))
            if found is None:
                return _error(404, "Not Found")
            o, f = found
            new = (info.get("number"), info.get("url"), info.get("company"))
            if new != (f["tracking_number"], f["tracking_url"], f["tracking_company"]):
                f["tracking_number"], f["tracking_url"], f["tracking_company"] = new
                f["tracking_numbers"] = [new[0]] if new[0] else []
                f["tracking_urls"] = [new[1]] if new[1] else []
                o["updated_at"] = f["updated_at"] = stamp()
                self.applied(str(o["id"]), "tracking")
            return JSONResponse({"fulfillment": f})

    async def _event(self, request: Request) -> Response:
        status = ((await request.json()).get("event") or {}).get("status")
        with self.lock:
            found = self._fulfillment(int(request.path_params["fid"]))
            if found is None or str(found[0]["id"]) != request.path_params["oid"]:
                return _error(404, "Not Found")
            o, f = found
            if status == "delivered" and f["shipment_status"] != "delivered":
                self.applied(str(o["id"]), "delivered")
            f["shipment_status"] = status
            o["updated_at"] = stamp()
            self._next_id += 1
            event = {
                "id": self._next_id,
                "fulfillment_id": f["id"],
                "order_id": o["id"],
                "status": status,
            }
            return JSONResponse({"fulfillment_event": event}, status_code=201)
