"""A sales channel held in memory: the outside system, for tests of the ingest and push logic.

Raw payloads are {"id", "updated_at", "order": <normalized order JSON>}; a payload
with "broken" set cannot be mapped. Faults are scripted per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.channels.base import (
    OrderPage,
    PermanentChannelError,
    PushResult,
    RateLimited,
    RetryableChannelError,
)
from oms.connection import ChannelConnection
from oms.ingest import parse_time
from oms.model import NormalizedOrder, Order
from oms.store.outbox import OutboxItem
from tests.factories import order_data

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def raw(i: int, minutes: int = 0, **overrides: Any) -> dict[str, Any]:
    data = order_data(i, **overrides)
    return {
        "id": data["channel_order_id"],
        "updated_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "order": data,
    }


class MemoryChannel:
    """Pages in update order; `fail_reads` / `fail_writes` hold exceptions raised in turn."""

    pages_in_update_order = True

    def __init__(
        self, connection: ChannelConnection, raws: list[dict[str, Any]], page_size: int = 2
    ) -> None:
        self.connection = connection
        self.raws = {r["id"]: r for r in raws}
        self.page_size = page_size
        self.fail_reads: list[Exception] = []
        self.fail_writes: list[Exception] = []
        self.since_asked: list[str | None] = []
        self.writes: list[tuple[str, str]] = []  # every apply call (channel id, event)
        self.state: dict[str, list[str]] = {}  # channel id -> events applied once each

    def pages(self, updated_since: str | None) -> Iterator[OrderPage]:
        self.since_asked.append(updated_since)
        rows = sorted(self.raws.values(), key=lambda r: (r["updated_at"], r["id"]))
        if updated_since:
            rows = [r for r in rows if parse_time(r["updated_at"]) >= parse_time(updated_since)]
        for start in range(0, len(rows), self.page_size):
            if self.fail_reads:
                raise self.fail_reads.pop(0)
            chunk = rows[start : start + self.page_size]
            more = start + self.page_size < len(rows)
            yield OrderPage(chunk, str(start) if more else None, chunk[-1]["updated_at"])

    def map_order(self, raw: dict[str, Any]) -> NormalizedOrder:
        if raw.get("broken"):
            raise ValueError(f"order {raw['id']}: {raw['broken']}")
        return NormalizedOrder.model_validate(raw["order"])

    def apply(self, item: OutboxItem, order: Order) -> PushResult:
        self.writes.append((order.channel_order_id, item.event))
        if self.fail_writes:
            raise self.fail_writes.pop(0)
        done = self.state.setdefault(order.channel_order_id, [])
        if item.event in done:
            return PushResult(False, "already so")
        done.append(item.event)
        return PushResult(True)


def faults(n: int) -> list[Exception]:
    """n transient failures of every kind, in turn."""
    kinds: list[Exception] = [
        RateLimited("429", retry_after=0.01),
        RetryableChannelError("500"),
        RetryableChannelError("timed out"),
    ]
    return [kinds[i % len(kinds)] for i in range(n)]


__all__ = ["T0", "MemoryChannel", "PermanentChannelError", "faults", "raw"]
