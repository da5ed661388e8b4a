"""Demo steps of the order core: sellers, orders, the seller actions, the summary."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.table import Table
from sqlalchemy import func, select

from demo.context import DemoContext
from oms import actions
from oms.connection import ChannelConnection, ChannelKind
from oms.importing import read_orders_file
from oms.model import Tracking
from oms.seller import SellerProfile
from oms.status import Actor
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.outbox import counts as outbox_counts
from oms.store.schema import ChannelRow, OrderRow

ORDERS_FILE = Path(__file__).with_name("orders.json")

SELLERS = [
    SellerProfile(
        slug="alpen-tee",
        name="Alpen Tee GmbH",
        street="Bahnhofstrasse",
        house_number="12",
        postal_code="8001",
        city="Zürich",
        vat_number="CHE-116.281.710 MWST",
        iban="CH44 3199 9123 0008 8901 2",  # a QR-IBAN: QR reference on its QR-bills
        email="hallo@alpen-tee.example",
        default_language="de",
    ),
    SellerProfile(
        slug="lac-leman",
        name="Lac Léman Design SA",
        street="Rue du Rhône",
        house_number="40",
        postal_code="1204",
        city="Genève",
        vat_number="CHE-105.825.830 TVA",
        iban="CH93 0076 2011 6238 5295 7",  # a normal IBAN: creditor reference (RF)
        email="bonjour@lac-leman.example",
        default_language="fr",
    ),
]


def create_sellers(ctx: DemoContext) -> None:
    """Two demo sellers; alpen-tee gets a webshop connection for imported orders."""
    ctx.step("sellers")
    with transaction(ctx.engine) as session:
        for profile in SELLERS:
            seller = seller_store.add_seller(session, profile)
            ctx.sellers[seller.slug] = seller
            ctx.console.print(f"seller {seller.slug}: {profile.name}, {profile.city}")
        seller_store.add_connection(
            session,
            ctx.sellers["alpen-tee"],
            ChannelConnection(
                name="import",
                platform="manual",
                kind=ChannelKind.WEBSHOP,
                base_url="http://127.0.0.1",
                credentials_ref="env:SALES_SCALER_DEMO_NONE",
            ),
        )


def import_orders(ctx: DemoContext) -> None:
    """Import the bundled normalized orders (demo/orders.json)."""
    ctx.step("import orders (normalized JSON)")
    parsed = read_orders_file(ORDERS_FILE)
    seller = ctx.sellers["alpen-tee"]
    with transaction(ctx.engine) as session:
        conn = seller_store.get_connection(session, seller, "import")
        result = order_store.upsert_orders(session, seller, conn, parsed.orders, actor=Actor.SYSTEM)
    ctx.console.print(f"{len(result.new)} orders imported from {ORDERS_FILE.name}")


def walk_orders(ctx: DemoContext) -> None:
    """The seller's day: confirm, track, ship, deliver, and one cancellation."""
    ctx.step("seller actions")
    seller = ctx.sellers["alpen-tee"]
    e = ctx.engine
    say = ctx.console.print
    r = actions.confirm(e, seller, ["D-1001", "D-1002", "D-1003", "D-1004"])
    say(f"confirm  → {len(r.applied)} confirmed")
    post = "https://service.post.ch/ekp-web/ui/entry/search/{}"
    r = actions.track(
        e,
        seller,
        [
            (n, Tracking(tracking_id=t, url=post.format(t), carrier="Swiss Post"))
            for n, t in [("D-1001", "99.60.123456.78901234"), ("D-1002", "99.60.123456.78901235")]
        ],
    )
    say(f"track    → {len(r.applied)} with tracking")
    r = actions.ship(e, seller, [("D-1001", None), ("D-1002", None)])
    say(f"ship     → {len(r.applied)} shipped")
    r = actions.deliver(e, seller, ["D-1001"])
    say(f"deliver  → {len(r.applied)} delivered")
    r = actions.cancel(e, seller, ["D-1005"], reason="Out of stock")
    say(f"cancel   → {len(r.applied)} cancelled")
    r = actions.mark_paid(e, seller, ["D-1002"])
    say(f"paid     → {len(r.applied)} invoice paid")
    r = actions.deliver(e, seller, ["D-1004", "D-9999"])
    for refusal in r.refused:
        say(f"refused  → {refusal}  (as it should be)")


def show_orders(ctx: DemoContext) -> None:
    """The orders table and one order's timeline."""
    ctx.step("orders")
    seller = ctx.sellers["alpen-tee"]
    with transaction(ctx.engine) as session:
        rows = order_store.list_orders(session, seller, limit=20)
        events = order_store.timeline(session, seller, "D-1001")
    table = Table("order", "channel", "status", "buyer", "total", "payment", "tracking")
    for r in rows:
        paid = " (paid)" if r.paid else ""
        table.add_row(
            r.order_number,
            r.channel,
            r.status,
            r.buyer_name,
            f"{r.currency} {r.total:.2f}",
            r.payment_method + paid,
            r.tracking_id or "",
        )
    ctx.console.print(table)
    timeline = Table("when (UTC)", "what", "who", "from → to", title="timeline of D-1001")
    for ev in events:
        timeline.add_row(
            f"{ev.at:%H:%M:%S}", ev.kind, ev.actor, f"{ev.from_status or '·'} → {ev.to_status}"
        )
    ctx.console.print(timeline)


def summarise(ctx: DemoContext) -> None:
    """Counts per seller, channel and status into var/demo/summary.json, as a table."""
    ctx.step("summary")
    with transaction(ctx.engine) as session:
        per_status = session.execute(
            select(OrderRow.seller_id, ChannelRow.name, OrderRow.status, func.count())
            .join(ChannelRow, ChannelRow.id == OrderRow.connection_id)
            .group_by(OrderRow.seller_id, ChannelRow.name, OrderRow.status)
        ).all()
        outbox = [(t, s, n) for (t, s), n in outbox_counts(session).items()]
    slugs = {s.id: s.slug for s in ctx.sellers.values()}
    by_channel: dict[str, dict[str, int]] = {}
    for sid, channel, status, n in per_status:
        by_channel.setdefault(f"{slugs.get(sid, sid)}/{channel}", {})[status] = n
    ctx.summary["orders_by_channel_and_status"] = by_channel
    ctx.summary["orders_by_seller_and_status"] = {
        f"{slugs.get(sid, sid)}/{status}": n
        for (sid, status), n in _totals((sid, st, n) for sid, _, st, n in per_status).items()
    }
    ctx.summary["outbox"] = {f"{t}/{s}": n for t, s, n in outbox}
    path = ctx.write_summary()
    statuses = ["open", "confirmed", "shipped", "delivered", "cancelled"]
    table = Table("seller/channel", *statuses, "total", title="orders")
    for name, counts in sorted(by_channel.items()):
        table.add_row(
            name, *(str(counts.get(st, "")) for st in statuses), str(sum(counts.values()))
        )
    ctx.console.print(table)
    facts = Table("what", "how many", title="what happened")
    channels = ctx.summary.get("channels", {})
    documents = ctx.summary.get("documents", {})
    bookings = ctx.summary.get("bookings", {})
    rows = [
        (
            "pushes acknowledged by the fake channels",
            sum(channels.get("pushes_acknowledged", {}).values()),
        ),
        ("payloads quarantined", channels.get("quarantined", 0)),
        (
            "delivery notes / invoices",
            f"{documents.get('delivery_notes', 0)} / {documents.get('invoices', 0)}",
        ),
        ("invoices with a Swiss QR-bill", documents.get("qr_bills", 0)),
        ("buyer emails", ctx.summary.get("emails", 0)),
        ("bookings (events booked)", bookings.get("events_booked", 0)),
        ("side effects still pending (outbox)", sum(n for (t, s, n) in outbox if s == "pending")),
        ("side effects dead (outbox)", sum(n for (t, s, n) in outbox if s == "dead")),
    ]
    for what, n in rows:
        facts.add_row(what, str(n))
    ctx.console.print(facts)
    out = ctx.out
    ctx.console.print(
        f"\nWhere to look (all under [bold]{out}/[/]):\n"
        f"  {out}/documents/<seller>/<kind>/*.pdf  one PDF per document\n"
        f"  {out}/bulk-invoices.pdf                the invoices, bulk-printed\n"
        f"  {out}/mail/*.eml                       the buyer emails\n"
        f"  {out}/accounting/*.csv                 the accounting journal\n"
        f"  {path}                  every count above\n"
        f"  SALES_SCALER_DATABASE_URL=sqlite:///{out}/sales-scaler.db sales-scaler orders list --seller alpen-tee"
    )


def _totals(rows: Iterable[tuple[int, str, int]]) -> dict[tuple[int, str], int]:
    totals: dict[tuple[int, str], int] = {}
    for sid, status, n in rows:
        totals[(sid, status)] = totals.get((sid, status), 0) + n
    return totals
