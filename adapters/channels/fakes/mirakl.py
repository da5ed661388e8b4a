"""A fake Mirakl marketplace: the seller API calls OR11, OR21, OR23, OR24, OR29, orders in memory."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.channels.fakes.data import SHIPPING_RATE, SampleOrder
from adapters.channels.fakes.server import ASGIApp, FakeServer, Scope

ACCEPTED = ("WAITING_DEBIT", "WAITING_DEBIT_PAYMENT", "SHIPPING")


def stamp(when: datetime | None = None) -> str:
    """Mirakl's timestamp form: UTC with milliseconds and a Z."""
    at = (when or datetime.now(UTC)).astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _num(amount: Decimal) -> float:
    """Mirakl sends amounts as JSON numbers."""
    return float(amount.quantize(Decimal("0.01")))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": status, "message": message}, status_code=status)


class FakeMirakl(FakeServer):
    platform = "mirakl"
    lines_key = "order_lines"

    def __init__(self, secret: str = "fake-mirakl-shop-key", **kwargs: Any) -> None:
        super().__init__(secret, **kwargs)

    def authorized(self, scope: Scope) -> bool:
        key: bytes = dict(scope["headers"]).get(b"authorization", b"")
        return key.decode(errors="replace") == self.secret

    def unauthorized(self) -> tuple[int, Any]:
        return 401, {"status": 401, "message": "Unauthorized"}

    # -- data -----------------------------------------------------------------------------
    def render(self, s: SampleOrder) -> tuple[str, dict[str, Any]]:
        oid = f"MKL{100000 + s.number}-A"
        address = {
            "civility": None,
            "firstname": s.first_name,
            "lastname": s.last_name,
            "company": None,
            "street_1": s.street,
            "street_2": None,
            "zip_code": s.postal_code,
            "city": s.city,
            "state": None,
            "country": "Suisse" if s.language == "fr" else "Schweiz",
            "country_iso_code": "CHE",
            "phone": None,
        }
        lines = []
        for k, line in enumerate(s.lines):
            ship = s.shipping if k == 0 else Decimal(0)
            ship_tax = s.shipping_tax if k == 0 else Decimal(0)
            lines.append(
                {
                    "order_line_id": f"{oid}-{k + 1}",
                    "order_line_index": k + 1,
                    "order_line_state": "WAITING_ACCEPTANCE",
                    "offer_id": 2000 + k,
                    "offer_sku": line.sku,
                    "product_sku": f"P-{line.sku}",
                    "product_title": line.name,
                    "quantity": line.quantity,
                    "price_unit": _num(line.unit_price),
                    "price": _num(line.gross),  # unit price x quantity
                    "shipping_price": _num(ship),
                    "total_price": _num(line.gross + ship),
                    "taxes": [
                        {
                            "amount": _num(line.tax),
                            "code": f"MWST-{line.vat_rate}",
                            "rate": float(line.vat_rate),
                        }
                    ],
                    "shipping_taxes": (
                        [
                            {
                                "amount": _num(ship_tax),
                                "code": f"MWST-{SHIPPING_RATE}",
                                "rate": float(SHIPPING_RATE),
                            }
                        ]
                        if ship
                        else []
                    ),
                    "created_date": stamp(s.created),
                }
            )
        price = sum((line.gross for line in s.lines), Decimal(0))
        digest = hashlib.sha256(s.email.encode()).hexdigest()[:16]
        order = {
            "order_id": oid,
            "commercial_id": f"MKL{100000 + s.number}",
            "created_date": stamp(s.created),
            "last_updated_date": stamp(),
            "acceptance_decision_date": None,
            "order_state": "WAITING_ACCEPTANCE",
            "order_state_reason_code": None,
            "currency_iso_code": "CHF",
            "order_tax_mode": "TAX_INCLUDED",
            "customer": {
                "customer_id": f"C{s.number}",
                "firstname": s.first_name,
                "lastname": s.last_name,
                "civility": None,
                "locale": f"{s.language}_CH" if s.language else None,
                "billing_address": address,
                "shipping_address": dict(address),
            },
            "customer_notification_email": f"{digest}@notify.marketplace.example",
            "customer_debited_date": None,
            "payment_type": "CREDIT_CARD",
            "payment_workflow": "PAY_ON_ACCEPTANCE",
            "price": _num(price),
            "shipping_price": _num(s.shipping),
            "total_price": _num(price + s.shipping),
            "shipping_type_code": "STD",
            "shipping_tracking": None,
            "shipping_tracking_url": None,
            "shipping_carrier_code": None,
            "shipping_company": None,
            "can_cancel": True,
            "order_lines": lines,
        }
        return oid, order

    def _set_state(self, o: dict[str, Any], state: str) -> None:
        o["order_state"] = state
        for li in o["order_lines"]:
            li["order_line_state"] = state
        o["last_updated_date"] = stamp()

    def change(self, raw: dict[str, Any], cancelled: bool, address: dict[str, str] | None) -> None:
        if cancelled and raw["order_state"] not in ("CANCELED", "REFUSED"):
            self._set_state(raw, "CANCELED")
        if address:
            ship = raw["customer"]["shipping_address"]
            first, _, last = address.get("name", "").partition(" ")
            if first:
                ship["firstname"], ship["lastname"] = first, last
            ship["street_1"] = address.get("street", ship["street_1"])
            ship["zip_code"] = address.get("postal_code", ship["zip_code"])
            ship["city"] = address.get("city", ship["city"])
            if address.get("country"):
                ship["country_iso_code"] = {"CH": "CHE", "LI": "LIE", "DE": "DEU"}.get(
                    address["country"], "CHE"
                )
        raw["last_updated_date"] = stamp()

    def mutate_some(self, rng: random.Random) -> None:
        for oid in rng.sample(list(self.orders), min(3, len(self.orders))):
            self.orders[oid]["last_updated_date"] = stamp()

    # -- the app --------------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        return Starlette(
            routes=[
                Route("/api/orders", self._list, methods=["GET"]),
                Route("/api/orders/{oid}/accept", self._accept, methods=["PUT"]),
                Route("/api/orders/{oid}/tracking", self._tracking, methods=["PUT"]),
                Route("/api/orders/{oid}/ship", self._ship, methods=["PUT"]),
                Route("/api/orders/{oid}/cancel", self._cancel, methods=["PUT"]),
            ]
        )

    async def _list(self, request: Request) -> Response:
        q = request.query_params
        try:
            offset, size = int(q.get("offset", 0)), int(q.get("max", 10))
            since = _parse(q["start_update_date"]) if q.get("start_update_date") else None
        except ValueError:
            return _error(400, "Invalid parameter")
        if not 1 <= size <= 100 or offset < 0:
            return _error(400, "max must be between 1 and 100")
        wanted = set(q["order_ids"].split(",")) if q.get("order_ids") else None
        since_text = stamp(since) if since else ""  # one UTC form: text order is time order
        with self.lock:
            chosen = [
                o
                for o in self.orders.values()
                if (wanted is None or o["order_id"] in wanted)
                and (since is None or o["last_updated_date"] >= since_text)
            ]
            chosen.sort(
                key=lambda o: (o["created_date"], o["order_id"]), reverse=q.get("order") == "desc"
            )
            # rendered under the lock: the answer is a snapshot
            response = JSONResponse(
                {"orders": chosen[offset : offset + size], "total_count": len(chosen)}
            )
        if wanted is None:
            self.after_list_page()
        return response

    def _find(self, request: Request) -> dict[str, Any] | None:
        return self.orders.get(request.path_params["oid"])

    async def _accept(self, request: Request) -> Response:
        body = await request.json()
        with self.lock:
            o = self._find(request)
            if o is None:
                return _error(404, "Order not found")
            if o["order_state"] != "WAITING_ACCEPTANCE":
                return _error(400, f"Order {o['order_id']} is not in state WAITING_ACCEPTANCE")
            decisions = {d.get("id"): d.get("accepted") for d in body.get("order_lines") or []}
            if set(decisions) != {li["order_line_id"] for li in o["order_lines"]}:
                return _error(400, "Every order line must be accepted or refused")
            if all(decisions.values()):
                self._set_state(o, "SHIPPING")
                o["customer_debited_date"] = stamp()
                self.applied(o["order_id"], "confirmed")
            else:
                self._set_state(o, "REFUSED")
                self.applied(o["order_id"], "cancelled")
            o["acceptance_decision_date"] = stamp()
            return Response(status_code=204)

    async def _tracking(self, request: Request) -> Response:
        body = await request.json()
        with self.lock:
            o = self._find(request)
            if o is None:
                return _error(404, "Order not found")
            if o["order_state"] not in ACCEPTED:
                return _error(
                    400, f"Order {o['order_id']} is {o['order_state']}: tracking cannot be changed"
                )
            if not body.get("tracking_number") or not (
                body.get("carrier_code") or body.get("carrier_name")
            ):
                return _error(400, "tracking_number and carrier_code or carrier_name are required")
            new = (
                body["tracking_number"],
                body.get("carrier_url"),
                body.get("carrier_code") or body.get("carrier_name"),
            )
            if new != (o["shipping_tracking"], o["shipping_tracking_url"], o["shipping_company"]):
                o["shipping_tracking"], o["shipping_tracking_url"], o["shipping_company"] = new
                o["shipping_carrier_code"] = body.get("carrier_code")
                o["last_updated_date"] = stamp()
                self.applied(o["order_id"], "tracking")
            return Response(status_code=204)

    async def _ship(self, request: Request) -> Response:
        with self.lock:
            o = self._find(request)
            if o is None:
                return _error(404, "Order not found")
            if o["order_state"] != "SHIPPING":
                return _error(
                    400, f"Order {o['order_id']} is {o['order_state']}: it cannot be shipped"
                )
            self._set_state(o, "SHIPPED")
            self.applied(o["order_id"], "shipped")
            return Response(status_code=204)

    async def _cancel(self, request: Request) -> Response:
        with self.lock:
            o = self._find(request)
            if o is None:
                return _error(404, "Order not found")
            if o["order_state"] not in ACCEPTED:
                return _error(
                    400, f"Order {o['order_id']} is {o['order_state']}: it cannot be cancelled"
                )
            self._set_state(o, "CANCELED")
            o["can_cancel"] = False
            self.applied(o["order_id"], "cancelled")
            return Response(status_code=204)
