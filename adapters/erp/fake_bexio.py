"""A fake Bexio (the part of API v3 the exporter uses), for tests and the demo.

It records every entry it stores and can inject faults at a given rate, among them
the trap that causes double bookings: it stores the entry and then answers 500, or
drops the connection, so the client cannot know that the entry arrived.

    with FakeBexioServer(FakeBexio(fault_rate=0.2)) as server:
        client = bexio_client(server.url, "test-token")
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from decimal import Decimal
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_ACCOUNTS = ("1020", "1090", "1091", "1100", "2200", "3200", "3210", "3400")
# before: nothing stored; after: stored, and then the client is left in the dark
FAULTS = ("error_before", "error_after", "rate_limit", "drop_before", "drop_after")


class FakeBexio:
    """The ASGI app. `entries` holds what was stored; `faults` counts what was injected."""

    def __init__(
        self,
        token: str = "test-token",
        accounts: tuple[str, ...] = DEFAULT_ACCOUNTS,
        currencies: tuple[str, ...] = ("CHF", "EUR"),
        fault_rate: float = 0.0,
        seed: int = 7,
        retry_after: str = "1",
    ) -> None:
        self.token = token
        self.accounts = {i + 1: no for i, no in enumerate(accounts)}
        self.currencies = {i + 1: name for i, name in enumerate(currencies)}
        self.fault_rate = fault_rate
        self.retry_after = retry_after
        self.entries: list[dict[str, Any]] = []
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def references(self) -> Counter[str]:
        """How many stored entries carry each reference number (1 each, or we booked twice)."""
        return Counter(e["reference_nr"] for e in self.entries)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                kind = (await receive())["type"]
                await send({"type": f"{kind}.complete"})
                if kind == "lifespan.shutdown":
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        with self._lock:
            self.requests += 1
            fault = self._random.choice(FAULTS) if self._random.random() < self.fault_rate else None
        if fault:
            self.faults[fault] += 1
        await self._serve(scope, body, fault, send)

    async def _serve(self, scope: Scope, body: bytes, fault: str | None, send: Send) -> None:
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if headers.get("authorization") != f"Bearer {self.token}":
            return await _json(send, 401, {"error_code": 401, "message": "unauthorized"})
        if fault == "rate_limit":
            extra = [(b"retry-after", self.retry_after.encode())]
            return await _json(send, 429, {"message": "too many requests"}, extra)
        if fault in ("error_before", "drop_before"):
            return await _fail(send, fault)
        method, path = scope["method"], scope["path"]
        if method == "GET" and path == "/2.0/accounts":
            rows = [{"id": i, "account_no": no, "name": no} for i, no in self.accounts.items()]
            return await _json(send, 200, rows)
        if method == "GET" and path == "/3.0/currencies":
            rows = [{"id": i, "name": n, "round_factor": 0.05} for i, n in self.currencies.items()]
            return await _json(send, 200, rows)
        if path == "/3.0/accounting/manual_entries" and method == "GET":
            query = parse_qs(scope.get("query_string", b"").decode())
            offset, limit = int(query.get("offset", ["0"])[0]), int(query.get("limit", ["500"])[0])
            with self._lock:
                page = self.entries[offset : offset + min(limit, 2000)]
            return await _json(send, 200, page)
        if path == "/3.0/accounting/manual_entries" and method == "POST":
            status, answer = self._store(body)
            if status == 201 and fault in ("error_after", "drop_after"):
                return await _fail(send, fault)
            return await _json(send, status, answer)
        return await _json(send, 404, {"message": f"{method} {path} not found"})

    def _store(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            entry = json.loads(body, parse_float=Decimal)
        except ValueError:
            return 400, {"message": "body is not JSON"}
        problem = self._check(entry)
        if problem:
            return 422, {"message": problem}
        with self._lock:
            entry_id = len(self.entries) + 1
            lines = [{"id": entry_id * 100 + n, **e} for n, e in enumerate(entry["entries"], 1)]
            stored = {**entry, "id": entry_id, "entries": lines, "is_locked": False}
            self.entries.append(stored)
        return 201, stored

    def _check(self, entry: dict[str, Any]) -> str | None:
        if entry.get("type") != "manual_compound_entry":
            return "type: only manual_compound_entry here"
        if not entry.get("date") or len(str(entry.get("reference_nr", ""))) > 80:
            return "date or reference_nr missing or too long"
        debit = credit = Decimal(0)
        for e in entry.get("entries") or []:
            sides = [e.get("debit_account_id"), e.get("credit_account_id")]
            if sum(s is not None for s in sides) != 1:
                return "each compound line has exactly one of debit_account_id, credit_account_id"
            if any(s is not None and s not in self.accounts for s in sides):
                return f"unknown account id in {e}"
            if e.get("currency_id") not in self.currencies or Decimal(e["amount"]) <= 0:
                return "currency_id unknown or amount not positive"
            if sides[0] is not None:
                debit += Decimal(e["amount"])
            else:
                credit += Decimal(e["amount"])
        if not entry.get("entries") or debit != credit:
            return f"entry does not balance: debit {debit}, credit {credit}"
        return None


async def _json(
    send: Send, status: int, value: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = json.dumps(value, default=str).encode()
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _fail(send: Send, fault: str) -> None:
    if fault.startswith("error"):
        return await _json(send, 500, {"message": "internal server error"})
    # drop: promise a body, send none, and leave: the server closes the connection.
    await send(
        {"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"64")]}
    )
    await asyncio.sleep(0)


class FakeBexioServer:
    """Serves a FakeBexio with uvicorn in a thread on 127.0.0.1 (a free port)."""

    def __init__(self, app: FakeBexio) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="critical", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> FakeBexioServer:
        self._thread.start()
        for _ in range(500):
            if self._server.started:
                return self
            threading.Event().wait(0.01)
        raise RuntimeError("the fake Bexio server did not start")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
