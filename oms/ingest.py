"""Ingesting one page of channel orders: map, quarantine what cannot be mapped, upsert the
rest and move the sync cursor, all in one transaction.

The cursor is the newest "updated at" the channel reported on a committed page;
each poll starts `overlap_seconds` before it, so that an order that changed
while we paged (or a clock that is a little off) is read again rather than lost.
Reading an order twice is harmless: the upsert is keyed by (connection, channel
order id) and leaves an unchanged order alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from oms.connection import ChannelConnection
from oms.model import NormalizedOrder
from oms.seller import Seller
from oms.status import Actor
from oms.store import orders as order_store
from oms.store import quarantine
from oms.store import sellers as seller_store

# What a mapper raises for a payload it cannot map (adapters raise MappingError, a ValueError;
# pydantic's ValidationError is one too). Anything else is a bug and stops the run.
UNMAPPABLE: tuple[type[Exception], ...] = (
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    InvalidOperation,
)


def parse_time(value: str) -> datetime:
    """An ISO 8601 instant; a value without an offset is taken as UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def since_for(cursor: str | None, overlap_seconds: int) -> str | None:
    """Where a poll starts: the cursor minus the safety window (None: from the beginning)."""
    if not cursor:
        return None
    start = parse_time(cursor).astimezone(UTC) - timedelta(seconds=overlap_seconds)
    return start.isoformat(timespec="seconds")


def later_cursor(current: str | None, candidate: str | None) -> str | None:
    """The cursor never moves back: the later of the two instants."""
    if not candidate:
        return current
    if not current or parse_time(candidate) > parse_time(current):
        return candidate
    return current


def raw_order_id(raw: Any) -> str | None:
    """The channel's order id of a raw payload, best effort (for quarantine rows)."""
    if isinstance(raw, dict):
        for key in ("id", "order_id", "channel_order_id"):
            value = raw.get(key)
            if value not in (None, ""):
                return quarantine.storable(str(value))[:64]
    return None


@dataclass(frozen=True)
class Rejected:
    raw: dict[str, Any]
    reason: str
    channel_order_id: str | None


@dataclass
class MappedPage:
    orders: list[NormalizedOrder] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def map_page(
    raws: Iterable[dict[str, Any]], map_order: Callable[[dict[str, Any]], NormalizedOrder]
) -> MappedPage:
    """Map every raw order; the ones that cannot be mapped are set aside with the reason."""
    page = MappedPage()
    for raw in raws:
        try:
            page.orders.append(map_order(raw))
        except UNMAPPABLE as exc:
            reason = str(exc).strip() or type(exc).__name__
            page.rejected.append(Rejected(raw, reason, raw_order_id(raw)))
    return page


@dataclass
class IngestCounts:
    """What one sync did (also the artifact table's columns)."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    pages: int = 0
    transitions: list[str] = field(default_factory=list)

    def add(self, other: IngestCounts) -> None:
        self.fetched += other.fetched
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined
        self.pages += other.pages
        self.transitions += other.transitions

    def row(self) -> dict[str, int]:
        return {
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
        }


def quarantine_rejected(
    session: Session, seller: Seller, conn: ChannelConnection, rejected: Sequence[Rejected]
) -> None:
    """Keep each unmappable payload once: the same payload read again adds no row; a newer
    payload of the same order supersedes the open row it replaces."""
    ids = [r.channel_order_id for r in rejected if r.channel_order_id]
    open_rows = quarantine.open_for(session, seller.id, conn.id, ids)
    for r in rejected:
        previous = open_rows.get(r.channel_order_id or "", [])
        if any(p.payload == r.raw for p in previous):
            continue
        quarantine.resolve_many(session, seller.id, [p.id for p in previous])
        quarantine.add(session, seller.id, conn.id, r.raw, r.reason, r.channel_order_id)


def store_page(
    session: Session,
    seller: Seller,
    conn: ChannelConnection,
    page: MappedPage,
    fetched: int,
    cursor: str | None,
    pages: int = 1,
) -> IngestCounts:
    """Upsert one mapped page (or batch of pages), quarantine its rejects and move the cursor,
    in the caller's transaction: the cursor is committed together with the orders, never
    before them."""
    result = order_store.upsert_orders(session, seller, conn, page.orders, actor=Actor.CHANNEL)
    quarantine_rejected(session, seller, conn, page.rejected)
    # An order that maps now leaves no open quarantine row behind.
    mapped_ids = [o.channel_order_id for o in page.orders]
    stale = quarantine.open_for(session, seller.id, conn.id, mapped_ids)
    quarantine.resolve_many(session, seller.id, [q.id for rows in stale.values() for q in rows])
    seller_store.update_connection(
        session, conn.id, sync_cursor=cursor, last_synced_at=datetime.now(UTC)
    )
    return IngestCounts(
        fetched=fetched,
        new=len(result.new),
        updated=len(result.updated),
        unchanged=len(result.unchanged),
        quarantined=len(page.rejected),
        pages=pages,
        transitions=list(result.transitions),
    )
