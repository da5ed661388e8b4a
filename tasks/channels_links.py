"""Open channel connections for a flow run: the credential, one keep-alive client, the adapter.

The credential is resolved here, at run time, from the connection's reference and
handed to the adapter only; it is never logged, stored or put in an error message.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field

from adapters.channels.base import SalesChannel
from oms.connection import ChannelConnection
from tasks.channels_http import Pacer, wrap_client


@contextmanager
def open_channel(
    conn: ChannelConnection, retry_reads: bool = False
) -> Iterator[tuple[SalesChannel, Pacer]]:
    """The adapter of `conn` over one keep-alive client paced at the connection's rate limit,
    and its pacer; closed at the end of the block. retry_reads: GETs retry transient failures."""
    from adapters.channels.registry import channel_for
    from adapters.secrets import http_client, resolve_secret

    secret = resolve_secret(conn.credentials_ref)
    with http_client(conn) as client:
        pacer = wrap_client(client, conn.options.rate_limit_per_second, retry_reads)
        yield channel_for(conn, client, secret.get_secret_value()), pacer


def open_for_reading(conn: ChannelConnection) -> AbstractContextManager[tuple[SalesChannel, Pacer]]:
    """open_channel with reads retried in the transport (for paging)."""
    return open_channel(conn, retry_reads=True)


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


Opener = Callable[[ChannelConnection], AbstractContextManager[tuple[SalesChannel, Pacer]]]


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
                channel, pacer = self.stack.enter_context(self.opener(conn))
                rate = conn.options.rate_limit_per_second
                workers = ThreadPoolExecutor(
                    workers_for(rate), thread_name_prefix=f"push-{conn.name}"
                )
                self.stack.callback(workers.shutdown)
                self._open[conn.id] = Link(conn, channel, pacer, workers)
            return self._open[conn.id]

    def close(self) -> None:
        self.stack.close()
        self._open.clear()

    def __enter__(self) -> Links:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
