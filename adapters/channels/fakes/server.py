"""What every fake channel server shares: a uvicorn thread on 127.0.0.1, auth, faults, records.

Each request passes, in this order:
    1. the token bucket (`rate_limit_per_second`): 429 + Retry-After when it is empty;
    2. a fault drawn before the app runs: 429, 500 or a dropped connection;
    3. the credential check (401 when wrong);
    4. the platform app itself (state changes happen here, and are recorded);
    5. a fault drawn after the app ran: a 500 or a dropped connection *although the
       change was applied* — the trap that makes clients retry a write that is done.
`Retry-After` is written in seconds and may be fractional ("0.05"): our adapters
read fractions; a real platform sends whole seconds (Shopify "2.0").
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

import uvicorn

from adapters.channels.fakes.data import SampleOrder, sample_order
from adapters.channels.fakes.faults import Counters, Faults, TokenBucket, Write

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> list[Message]:
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return [
        {"type": "http.response.start", "status": status, "headers": raw},
        {"type": "http.response.body", "body": data},
    ]


class FakeServer:
    """The platform-neutral part of a fake channel; subclasses add the platform's app."""

    platform = "fake"
    lines_key = "line_items"  # where the platform's JSON keeps the order lines

    def __init__(self, secret: str, faults: Faults | None = None) -> None:
        self.secret = secret
        self.lock = threading.RLock()
        self.writes: list[Write] = []
        self.counters = Counters()
        self._effects: list[tuple[str, str]] = []
        self.orders: dict[str, dict[str, Any]] = {}  # channel order id -> the platform's JSON
        self._faults = faults or Faults()
        self._rng = random.Random(self._faults.seed)
        self._bucket = (
            TokenBucket(self._faults.rate_limit_per_second)
            if self._faults.rate_limit_per_second
            else None
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.app: ASGIApp = self.build_app()

    # -- for subclasses -------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        raise NotImplementedError

    def authorized(self, scope: Scope) -> bool:
        raise NotImplementedError

    def unauthorized(self) -> tuple[int, Any]:
        return 401, {"errors": "unauthorized"}

    def mutate_some(self, rng: random.Random) -> None:
        """Change a few orders (their updated_at moves) — called after a list page."""

    def applied(self, channel_order_id: str, event: str) -> None:
        """Record a state change the fake really made (call with the lock held)."""
        self._effects.append((channel_order_id, event))

    def after_list_page(self) -> None:
        with self.lock:
            if self._faults.mutate_rate and self._rng.random() < self._faults.mutate_rate:
                self.counters.mutations += 1
                self.mutate_some(self._rng)

    def extra_headers(self) -> dict[str, str]:
        return {}

    def render(self, sample: SampleOrder) -> tuple[str, dict[str, Any]]:
        """(channel order id, the platform's JSON) of a generated sample order."""
        raise NotImplementedError

    def change(self, raw: dict[str, Any], cancelled: bool, address: dict[str, str] | None) -> None:
        """Apply a change made on the channel side (cancelled, new delivery address) and bump it."""
        raise NotImplementedError

    # -- public ---------------------------------------------------------------------------
    def add_orders(self, n: int, start: int = 1, lines: int = 3, seed: int = 0) -> list[str]:
        """Generate `n` orders numbered from `start` (a number that exists is generated
        afresh, replacing it: to add more, start after the last); returns their channel ids."""
        ids = []
        now = datetime.now(UTC)
        with self.lock:
            for number in range(start, start + n):
                oid, raw = self.render(sample_order(number, lines, seed, now))
                self.orders[oid] = raw
                ids.append(oid)
        return ids

    def touch(
        self,
        channel_order_id: str,
        cancelled: bool = False,
        address: dict[str, str] | None = None,
        broken: bool = False,
    ) -> None:
        """A change on the channel side: cancelled=True and/or a new delivery `address`
        (keys name, street, postal_code, city, country); broken=True empties the order's
        lines, so that it can no longer be mapped (-> quarantine). Its updated-at moves to now."""
        with self.lock:
            raw = self.orders[channel_order_id]
            if broken:
                raw[self.lines_key] = []
            self.change(raw, cancelled, address)

    def order(self, channel_order_id: str) -> dict[str, Any]:
        with self.lock:
            copy: dict[str, Any] = json.loads(json.dumps(self.orders[channel_order_id]))
            return copy

    def set_faults(self, faults: Faults) -> None:
        with self.lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)
            self._bucket = (
                TokenBucket(faults.rate_limit_per_second) if faults.rate_limit_per_second else None
            )

    @property
    def faults(self) -> Faults:
        return self._faults

    def effects(self) -> list[tuple[str, str]]:
        """(channel order id, event) of every state change applied, in order, each once."""
        with self.lock:
            return list(self._effects)

    def requests_per_second(self, skip_seconds: float = 0.0) -> float:
        """Accepted requests per second between the first and the last one (after a warm-up)."""
        with self.lock:
            times = list(self.counters.accepted_at)
        if len(times) < 2:
            return 0.0
        start = times[0] + skip_seconds
        kept = [t for t in times if t >= start]
        if len(kept) < 2 or kept[-1] == kept[0]:
            return 0.0
        return (len(kept) - 1) / (kept[-1] - kept[0])

    def longest_429_run(self) -> int:
        """The longest run of consecutive 429 answers (a burst when it is more than a few)."""
        best = run = 0
        with self.lock:
            statuses = list(self.counters.statuses)
        for s in statuses:
            run = run + 1 if s == 429 else 0
            best = max(best, run)
        return best

    def most_429_within(self, seconds: float = 1.0) -> int:
        """The most 429s sent within any window of `seconds` (0: none at all)."""
        with self.lock:
            times = list(self.counters.at_429)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] > seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def reset(self) -> None:
        """Forget everything (orders, faults, records): a fresh fake on the same port."""
        with self.lock:
            self.orders.clear()
            self.clear_platform_state()
            self.set_faults(Faults())
        self.reset_records()

    def clear_platform_state(self) -> None:
        """Subclasses drop what they keep beside the orders (notes, ...)."""

    def reset_records(self) -> None:
        """Forget writes, effects and counters (not the orders)."""
        with self.lock:
            self.writes.clear()
            self._effects.clear()
            self.counters = Counters()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeServer:
        # proto IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then; without it
        # Nagle + delayed ACKs add ~40 ms to every keep-alive answer.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._asgi,
            log_level="critical",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=75,
            http="h11",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"fake-{self.platform}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"fake {self.platform} server did not start")
            time.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the ASGI wrapper -----------------------------------------------------------------
    def _draw(self) -> tuple[str | None, bool, bool, float]:
        """(fault kind or None, after the app?, slow?, bucket wait)."""
        with self.lock:
            f = self._faults
            self.counters.requests += 1
            wait = self._bucket.take() if self._bucket else 0.0
            if wait:
                return "bucket", False, False, wait
            self.counters.accepted_at.append(time.monotonic())
            r = self._rng.random()
            kind: str | None = None
            if r < f.rate_limit_rate:
                kind = "429"
            elif r < f.rate_limit_rate + f.error_rate:
                kind = "500"
            elif r < f.rate_limit_rate + f.error_rate + f.drop_rate:
                kind = "drop"
            after = kind in ("500", "drop") and self._rng.random() < 0.5
            slow = f.slow_rate > 0 and self._rng.random() < f.slow_rate
            return kind, after, slow, 0.0

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        kind, after, slow, wait = self._draw()
        f = self._faults
        delay = f.latency + (f.slow_seconds if slow else 0.0)
        if slow:
            self.counters.slowed += 1
        if delay:
            await asyncio.sleep(delay)
        if kind == "bucket":
            await self._answer(
                scope,
                body,
                send,
                _json_response(
                    429, {"errors": "Exceeded rate limit"}, {"Retry-After": f"{wait:.3f}"}
                ),
                bucket=True,
            )
            return
        if kind == "429":
            await self._answer(
                scope,
                body,
                send,
                _json_response(
                    429, {"errors": "Exceeded rate limit"}, {"Retry-After": f"{f.retry_after:g}"}
                ),
            )
            return
        if kind in ("500", "drop") and not after:
            await self._fault(kind, scope, body, send)
            return
        if not self.authorized(scope):
            status, payload = self.unauthorized()
            await self._answer(scope, body, send, _json_response(status, payload))
            return
        messages: list[Message] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def collect(message: Message) -> None:
            messages.append(message)

        await self.app(scope, replay, collect)
        if kind in ("500", "drop"):
            await self._fault(kind, scope, body, send)
            return
        headers = self.extra_headers()
        if headers and messages and messages[0]["type"] == "http.response.start":
            messages[0]["headers"] = list(messages[0]["headers"]) + [
                (k.lower().encode(), v.encode()) for k, v in headers.items()
            ]
        await self._answer(scope, body, send, messages)

    async def _fault(self, kind: str, scope: Scope, body: bytes, send: Send) -> None:
        if kind == "500":
            await self._answer(
                scope, body, send, _json_response(500, {"errors": "Internal Server Error"})
            )
            return
        self._record(scope, body, 0)
        with self.lock:
            self.counters.dropped += 1
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is not None:
            transport.abort()
            await asyncio.sleep(0)
            return
        # Not uvicorn's h11 cycle: a broken response is the next best thing to no answer.
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
        )
        raise ConnectionAbortedError("dropped on purpose")

    async def _answer(
        self, scope: Scope, body: bytes, send: Send, messages: list[Message], bucket: bool = False
    ) -> None:
        status = int(messages[0]["status"]) if messages else 500
        with self.lock:
            if status == 429:
                self.counters.answered_429 += 1
                self.counters.at_429.append(time.monotonic())
                if bucket:
                    self.counters.bucket_429 += 1
            if status == 500:
                self.counters.answered_500 += 1
        self._record(scope, body, status)
        for message in messages:
            await send(message)

    def _record(self, scope: Scope, body: bytes, status: int) -> None:
        with self.lock:
            self.counters.statuses.append(status)
            if scope["method"] in WRITE_METHODS:
                try:
                    parsed: Any = json.loads(body) if body else None
                except ValueError:
                    parsed = body.decode(errors="replace")
                self.writes.append(
                    Write(scope["method"], scope["path"], parsed, time.time(), status)
                )
