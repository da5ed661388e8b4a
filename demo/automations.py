"""Demo step of the automations: lac-leman switches all three on, each stage runs once."""

from __future__ import annotations

from rich.table import Table

from demo.context import DemoContext
from demo.core import ORDERS_FILE
from flows.cli_run import patient_prefect
from oms.connection import ChannelConnection, ChannelKind
from oms.importing import read_orders_file
from oms.model import NormalizedOrder
from oms.seller import Automations
from oms.status import Actor
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.db import transaction

SELLER = "lac-leman"


def _orders() -> list[NormalizedOrder]:
    """The bundled demo orders, renumbered as lac-leman's own (L-1001 ...)."""
    return [
        order.model_copy(
            update={
                "order_number": order.order_number.replace("D-", "L-"),
                "channel_order_id": f"leman-{order.channel_order_id}",
            }
        )
        for order in read_orders_file(ORDERS_FILE).orders
    ]


def _counts(ctx: DemoContext) -> dict[str, dict[str, int]]:
    with transaction(ctx.engine) as session:
        return {
            slug: order_store.count_by_status(session, seller)
            for slug, seller in ctx.sellers.items()
        }


def run_automations(ctx: DemoContext) -> None:
    """lac-leman has auto-confirm, auto-ship and auto-deliver on; alpen-tee has them off."""
    ctx.step("automations (Prefect flows)")
    with transaction(ctx.engine) as session:
        seller = seller_store.get_seller(session, SELLER)
        conn = seller_store.add_connection(
            session,
            seller,
            ChannelConnection(
                name="boutique",
                platform="manual",
                kind=ChannelKind.WEBSHOP,
                base_url="http://127.0.0.1",
                credentials_ref="env:SALES_SCALER_DEMO_NONE",
            ),
        )
        order_store.upsert_orders(session, seller, conn, _orders(), actor=Actor.SYSTEM)
        switches = Automations(auto_confirm=True, auto_ship=True, auto_deliver=True)
        ctx.sellers[SELLER] = seller_store.save_settings(session, seller, "automations", switches)
    before = _counts(ctx)
    from flows.automations import auto_confirm, auto_deliver, auto_ship

    done: dict[str, int] = {}
    table = Table("stage", "orders changed", "per seller")
    stages = (
        ("auto-confirm", auto_confirm),
        ("auto-ship", auto_ship),
        ("auto-deliver", auto_deliver),
    )
    with patient_prefect():
        for name, stage in stages:
            changed = stage()  # every seller whose switch is on; a manual run ships at once
            done[name] = sum(changed.values())
            per_seller = ", ".join(f"{s}: {n}" for s, n in changed.items())
            table.add_row(name, str(done[name]), per_seller)
    ctx.console.print(table)
    after = _counts(ctx)
    untouched = before["alpen-tee"] == after["alpen-tee"]
    ctx.console.print(
        f"{SELLER}: {after[SELLER]}; alpen-tee (automations off) untouched: {untouched}"
    )
    ctx.summary["automations"] = {
        **done,
        "seller": SELLER,
        "orders_by_status_after": after[SELLER],
        "sellers_with_automations_off_untouched": untouched,
    }
