"""The port every sales channel implements, and the errors it may raise.

    ChannelError                    anything that went wrong talking to a channel
    ├── RetryableChannelError       try again later: timeouts, dropped connections, 429, 5xx
    │   └── RateLimited             429 with the Retry-After the channel asked for
    └── PermanentChannelError       retrying will not help: 400, 401, 403, 404, 422
    MappingError                    a payload we cannot map to a NormalizedOrder (-> quarantine)

Adapters are given an `httpx.Client` (one keep-alive client per connection) and
translate httpx / HTTP errors into this tree with `raise ... from exc`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from oms.connection import ChannelConnection
from oms.model import NormalizedOrder
from oms.store.outbox import OutboxItem


class ChannelError(Exception):
    pass


class RetryableChannelError(ChannelError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(RetryableChannelError):
    pass


class PermanentChannelError(ChannelError):
    pass


class MappingError(ValueError):
    """A raw payload that cannot become a NormalizedOrder; the message is the reason."""


@dataclass(frozen=True)
class OrderPage:
    """One page of raw orders and the cursor to ask for the next (None: last page)."""

    orders: list[dict[str, Any]]
    next_page: str | None = None
    # The newest "updated at" seen on this page (ISO 8601), for the sync cursor.
    max_updated_at: str | None = None


@dataclass(frozen=True)
class PushResult:
    """What applying one outbox event on the channel did."""

    applied: bool  # False: a no-op on this platform, or already in that state
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class SalesChannel(Protocol):
    """One connection's view of a sales channel."""

    connection: ChannelConnection

    def pages(self, updated_since: str | None) -> Iterator[OrderPage]:
        """Raw orders changed since `updated_since` (ISO 8601), page by page."""
        ...

    def map_order(self, raw: dict[str, Any]) -> NormalizedOrder:
        """The normalized order for one raw payload, or MappingError with the reason."""
        ...

    def apply(self, item: OutboxItem, order: Any) -> PushResult:
        """Apply one outbox event (confirmed, cancelled, tracking, shipped, delivered)."""
        ...
