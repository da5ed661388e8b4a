"""Open channel connections for a flow run: the credential, one keep-alive client, the adapter.

The credential is resolved here, at run time, from the connection's reference and
handed to the adapter only; it is never logged, stored or put in an error message.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field

from adapters.channels.base import SalesChannel
from oms.connection import ChannelConnection
from tasks.channels_stream import with_read_retries


@contextmanager
def open_channel(conn: ChannelConnection) -> Iterator[SalesChannel]:
    """The adapter of `conn` over one keep-alive client, closed at the end of the block."""
    from adapters.channels.registry import channel_for
    from adapters.secrets import http_client, resolve_secret

    secret = resolve_secret(conn.credentials_ref)
    with http_client(conn) as client:
        yield channel_for(conn, client, secret.get_secret_value())


@contextmanager
def open_channel_for_reading(conn: ChannelConnection) -> Iterator[SalesChannel]:
    """As open_channel, with reads (GET) retried in the transport on transient failures."""
    from adapters.channels.registry import channel_for
    from adapters.secrets import http_client, resolve_secret

    secret = resolve_secret(conn.credentials_ref)
    with http_client(conn) as client:
        with_read_retries(client)
        yield channel_for(conn, client, secret.get_secret_value())


class Pacer:
    """Evenly spaced request slots at `rate` per second, shared by a connection's workers.

    A 429's Retry-After pauses every worker of the connection, not just the one that
    got it, so that a burst of 429s does not follow the first.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._next = max(self._next, time.monotonic() + max(0.0, seconds))


# Pace a little under the channel's limit: its clock and ours do not tick together.
PACE_SHARE = 0.97


@dataclass
class Link:
    """One open connection during a push run."""

    conn: ChannelConnection
    channel: SalesChannel
    pacer: Pacer
    workers: ThreadPoolExecutor


def workers_for(rate: float) -> int:
    """Enough threads to keep `rate` requests/s going when a few of them are slow."""
    return min(32, max(2, math.ceil(rate / 2)))


Opener = Callable[[ChannelConnection], AbstractContextManager[SalesChannel]]


@dataclass
class Links:
    """The links of one flow run, opened on first use and closed together."""

    opener: Opener = open_channel
    stack: ExitStack = field(default_factory=ExitStack)
    _open: dict[int, Link] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, conn: ChannelConnection) -> Link:
        with self._lock:
            if conn.id not in self._open:
                channel = self.stack.enter_context(self.opener(conn))
                rate = conn.options.rate_limit_per_second
                workers = ThreadPoolExecutor(
                    workers_for(rate), thread_name_prefix=f"push-{conn.name}"
                )
                self.stack.callback(workers.shutdown)
                self._open[conn.id] = Link(conn, channel, Pacer(rate * PACE_SHARE), workers)
            return self._open[conn.id]

    def close(self) -> None:
        self.stack.close()
        self._open.clear()

    def __enter__(self) -> Links:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
