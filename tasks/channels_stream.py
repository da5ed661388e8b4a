"""Reading a connection's changed orders page by page, across failures.

`PageStream` walks `channel.pages(since)`. When a page request fails for good
(after the transport's own retries), the walk is dead; the next `next_page()`
starts a new walk from the last committed cursor minus the safety window, so
nothing between the cursor and the failure is skipped and nothing committed is
lost. Reading pages twice is harmless (the upsert is idempotent).
"""

from __future__ import annotations

from collections.abc import Iterator

from adapters.channels.base import OrderPage, SalesChannel
from oms.ingest import later_cursor, since_for


class PageStream:
    """The pages of one poll of one connection."""

    def __init__(self, channel: SalesChannel, cursor: str | None, overlap_seconds: int) -> None:
        self.channel = channel
        self.overlap = overlap_seconds
        self.committed = cursor  # the cursor as stored; moved by `commit`
        self.since = since_for(cursor, overlap_seconds)
        self.restarts = 0
        self._walk: Iterator[OrderPage] | None = None

    def next_page(self) -> OrderPage | None:
        """The next page, or None at the end. A failure leaves the stream ready to restart."""
        if self._walk is None:
            self._walk = iter(self.channel.pages(self.since))
        try:
            page = next(self._walk)
        except StopIteration:
            return None
        except BaseException:
            self._walk = None
            self.restarts += 1
            self.since = since_for(self.committed, self.overlap)
            raise
        return page

    def commit(self, cursor: str | None) -> None:
        """A page up to `cursor` is in the database: a restart begins from there."""
        self.committed = later_cursor(self.committed, cursor)
