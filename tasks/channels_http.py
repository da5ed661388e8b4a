"""Transports around a connection's keep-alive client: pacing to the rate limit, read retries.

    PacedTransport      every request waits for its slot (the connection's requests/s);
                        a 429 pauses every request of the connection for its Retry-After
    RetryingTransport   reads (GET) retry 429 / 5xx / timeouts / dropped connections with
                        exponential back-off and full jitter, honouring Retry-After;
                        writes pass through once (the push decides, per event)

Pacing sits at the transport because one adapter call may send several requests
(read the order, then write it): the channel counts requests, so we do too.
"""

from __future__ import annotations

import random
import threading
import time

import httpx

from adapters.channels.http import parse_retry_after

READ_TRIES = 6
BASE_DELAY = 0.1
MAX_DELAY = 5.0
LONGEST_RETRY_AFTER = 60.0
# Pace a little under the channel's limit: its clock and ours do not tick together.
PACE_SHARE = 0.97


class Pacer:
    """Evenly spaced request slots at `rate` per second, shared by a connection's threads."""

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
        """No request before `seconds` from now (a 429's Retry-After)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + max(0.0, seconds))


class PacedTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, pacer: Pacer) -> None:
        self.inner = inner
        self.pacer = pacer
        self.sent = 0
        self.rate_limited = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.pacer.wait()
        response = self.inner.handle_request(request)
        self.sent += 1
        if response.status_code == 429:
            self.rate_limited += 1
            wait = parse_retry_after(response.headers.get("Retry-After"))
            self.pacer.pause(1.0 if wait is None else min(wait, LONGEST_RETRY_AFTER))
        return response

    def close(self) -> None:
        self.inner.close()


def _jitter(attempt: int) -> float:
    return random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))


class RetryingTransport(httpx.BaseTransport):
    """Retry idempotent reads on transient failures; everything else passes through once."""

    def __init__(self, inner: httpx.BaseTransport, tries: int = READ_TRIES) -> None:
        self.inner = inner
        self.tries = tries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return self.inner.handle_request(request)
        attempt = 1
        while True:
            last = attempt >= self.tries
            try:
                response = self.inner.handle_request(request)
            except (httpx.TimeoutException, httpx.TransportError):
                if last:
                    raise
                time.sleep(_jitter(attempt))
                attempt += 1
                continue
            if last or not (response.status_code == 429 or response.status_code >= 500):
                return response
            wait = parse_retry_after(response.headers.get("Retry-After"))
            response.close()
            if response.status_code != 429:  # a 429 was paused for by the pacer already
                time.sleep(_jitter(attempt) if wait is None else min(wait, LONGEST_RETRY_AFTER))
            attempt += 1

    def close(self) -> None:
        self.inner.close()


def wrap_client(client: httpx.Client, rate: float, retry_reads: bool) -> Pacer:
    """Pace `client` at `rate` requests/s (and retry its reads); returns its pacer."""
    pacer = Pacer(rate * PACE_SHARE)
    transport: httpx.BaseTransport = PacedTransport(client._transport, pacer)
    if retry_reads:
        transport = RetryingTransport(transport)
    client._transport = transport
    return pacer
