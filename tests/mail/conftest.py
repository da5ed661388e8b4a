"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives.

It can refuse chosen recipients with a 4xx / 5xx answer, and hang on the n-th
message while the test stops it (the server going away in the middle of a batch).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Recorder:
    """The server's handler: keeps every accepted message; answers as the test tells it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}  # recipient -> SMTP answer, e.g. "550 5.1.1 no such user"
        self.hang_at: int | None = None  # hang in DATA once this many messages were accepted
        self.hanging = threading.Event()
        self.sessions = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hang_at is not None and len(self.messages) >= self.hang_at:
            self.hanging.set()
            await asyncio.sleep(3600)  # cancelled when the test stops the server
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK queued"

    def by_id(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.messages)


class SmtpServer:
    """Start / stop a recording server on one port (restartable on the same port)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def stop_when_hanging(self) -> threading.Thread:
        """Stop the server from another thread as soon as it hangs in DATA."""

        def wait_and_stop() -> None:
            if self.recorder.hanging.wait(30):
                self.recorder.hang_at = None
                self.stop()

        thread = threading.Thread(target=wait_and_stop, daemon=True)
        thread.start()
        return thread


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
