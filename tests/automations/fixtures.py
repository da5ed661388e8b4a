"""Helpers shared by the automation tests: sellers with switches, many orders fast."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from oms.seller import Automations
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OrderRow
from tests.factories import SellerSetup, add_demo_seller, import_orders, make_order


def seller_with(
    engine: Engine, slug: str, orders: int, start: int = 0, **switches: object
) -> SellerSetup:
    """A seller with `orders` open orders (every third on its marketplace) and those switches."""
    setup = add_demo_seller(engine, slug=slug)
    numbers = list(range(start, start + orders))
    for i in range(0, len(numbers), 2000):
        chunk = numbers[i : i + 2000]
        import_orders(engine, setup, [make_order(n) for n in chunk if n % 3])
        import_orders(engine, setup, [make_order(n) for n in chunk if not n % 3], marketplace=True)
    with transaction(engine) as session:
        setup.seller = seller_store.save_settings(
            session, setup.seller, "automations", Automations.model_validate(switches)
        )
    return setup


def statuses(engine: Engine, setup: SellerSetup) -> dict[str, int]:
    with transaction(engine) as session:
        rows = session.execute(
            select(OrderRow.status, func.count())
            .where(OrderRow.seller_id == setup.seller.id)
            .group_by(OrderRow.status)
        ).tuples()
        return {status: n for status, n in rows}
