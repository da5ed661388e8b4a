"""Reading a connection's changed orders page by page, across transient failures.

`PageStream` walks `channel.pages(since)`. When a page request fails for good
(after the transport's own retries), the walk is dead; the next `next_page()`
starts a new walk from the last committed cursor minus the safety window, so
nothing between the cursor and the failure is skipped and nothing committed is
lost. Reading pages twice is harmless (the upsert is idempotent).

`RetryingTransport` retries reads (GET) on 429 / 5xx / timeouts / dropped
connections with exponential back-off and full jitter, honouring Retry-After:
paging a large shop through a flaky API must not restart the walk on every
glitch. Writes are never retried here: the push decides that, per event.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import httpx

from adapters.channels.base import OrderPage, SalesChannel
from adapters.channels.http import parse_retry_after
from oms.ingest import later_cursor, since_for

READ_TRIES = 6
BASE_DELAY = 0.1
MAX_DELAY = 5.0
LONGEST_RETRY_AFTER = 60.0


class RetryingTransport(httpx.BaseTransport):
    """Retry idempotent reads on transient failures; everything else passes through once."""

    def __init__(self, inner: httpx.BaseTransport, tries: int = READ_TRIES) -> None:
        self.inner = inner
        self.tries = tries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return self.inner.handle_request(request)
        for attempt in range(1, self.tries + 1):
            last = attempt == self.tries
            try:
                response = self.inner.handle_request(request)
            except (httpx.TimeoutException, httpx.TransportError):
                if last:
                    raise
                time.sleep(random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt)))
                continue
            if last or not (response.status_code == 429 or response.status_code >= 500):
                return response
            wait = parse_retry_after(response.headers.get("Retry-After"))
            response.close()
            if wait is None:
                wait = random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))
            time.sleep(min(wait, LONGEST_RETRY_AFTER))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.inner.close()


def with_read_retries(client: httpx.Client) -> httpx.Client:
    """Give `client` the retrying transport for its reads (keeps its pool and timeouts)."""
    inner = client._transport
    if not isinstance(inner, RetryingTransport):
        client._transport = RetryingTransport(inner)
    return client


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
