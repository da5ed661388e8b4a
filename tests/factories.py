"""Test data built through the real code paths (no rows written behind the store's back)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from oms.connection import ChannelConnection, ChannelKind
from oms.model import NormalizedOrder
from oms.seller import Seller, SellerProfile
from oms.status import Actor
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.db import transaction

QR_IBAN = "CH44 3199 9123 0008 8901 2"
IBAN = "CH93 0076 2011 6238 5295 7"
VAT = "CHE-116.281.710 MWST"


@dataclass
class SellerSetup:
    seller: Seller
    webshop: ChannelConnection
    marketplace: ChannelConnection


def add_demo_seller(
    engine: Engine, slug: str = "alpen", iban: str = QR_IBAN, base_url: str = "http://127.0.0.1:9"
) -> SellerSetup:
    with transaction(engine) as session:
        seller = seller_store.add_seller(
            session,
            SellerProfile(
                slug=slug,
                name="Alpen Handels AG",
                street="Bahnhofstrasse",
                house_number="12",
                postal_code="8001",
                city="Zürich",
                vat_number=VAT,
                iban=iban,
                email="shop@alpen.example",
            ),
        )
        web = seller_store.add_connection(
            session,
            seller,
            ChannelConnection(
                name="shop",
                platform="shopify",
                kind=ChannelKind.WEBSHOP,
                base_url=base_url,
                credentials_ref="env:TEST_SHOP_TOKEN",
            ),
        )
        market = seller_store.add_connection(
            session,
            seller,
            ChannelConnection(
                name="market",
                platform="mirakl",
                kind=ChannelKind.MARKETPLACE,
                base_url=base_url,
                credentials_ref="env:TEST_MIRAKL_KEY",
            ),
        )
    return SellerSetup(seller, web, market)


def order_data(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid normalized order (JSON form) numbered `i`; override any top-level field."""
    address = {
        "name": f"Buyer {i}",
        "company": None,
        "street": "Seestrasse 5",
        "street2": None,
        "postal_code": "8002",
        "city": "Zürich",
        "country": "CH",
    }
    data: dict[str, Any] = {
        "platform": "shopify",
        "channel_order_id": str(900000 + i),
        "order_number": str(1000 + i),
        "ordered_at": "2026-11-20T10:15:00+01:00",
        "status": "open",
        "currency": "CHF",
        "buyer": {"name": f"Buyer {i}", "email": f"buyer{i}@example.ch", "language": "de"},
        "billing_address": address,
        "delivery_address": address,
        "lines": [
            {
                "sku": "TEA-1",
                "name": "Alpine tea",
                "quantity": 2,
                "unit_price": "12.50",
                "vat_rate": "2.6",
                "total": "25.00",
            },
            {
                "sku": "MUG-1",
                "name": "Mug",
                "quantity": 1,
                "unit_price": "19.90",
                "vat_rate": "8.1",
                "total": "19.90",
            },
        ],
        "shipping": "7.00",
        "total": "51.90",
        "payment": {"method": "prepaid", "paid": True},
    }
    data.update(overrides)
    return data


def make_order(i: int, **overrides: Any) -> NormalizedOrder:
    return NormalizedOrder.model_validate(order_data(i, **overrides))


def import_orders(
    engine: Engine,
    setup: SellerSetup,
    orders: list[NormalizedOrder],
    marketplace: bool = False,
) -> order_store.UpsertResult:
    conn = setup.marketplace if marketplace else setup.webshop
    with transaction(engine) as session:
        return order_store.upsert_orders(session, setup.seller, conn, orders, actor=Actor.CHANNEL)


def money(text: str) -> Decimal:
    return Decimal(text)
