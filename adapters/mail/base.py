"""The port for sending buyer emails, and the errors a sender may raise.

    MailError                   anything that went wrong handing an email over
    ├── TemporaryMailError      try again later: connection refused / dropped, timeout, 4xx
    │   └── ServerUnavailable   the server cannot be reached at all (the rest of a batch waits)
    └── PermanentMailError      retrying will not help: 5xx (bad recipient, refused message)

Senders translate smtplib / socket errors into this tree with `raise ... from exc`.
A sender is a context manager: one connection is opened for a whole batch and
closed at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from types import TracebackType
from typing import Protocol


class MailError(Exception):
    pass


class TemporaryMailError(MailError):
    pass


class ServerUnavailable(TemporaryMailError):
    pass


class PermanentMailError(MailError):
    pass


class MailSender(Protocol):
    """Hands finished emails to a mail server (or a folder)."""

    def send(self, message: EmailMessage, before_accept: Callable[[], None] | None = None) -> None:
        """Deliver one message to its recipients, or raise a MailError. `before_accept` runs
        once the message is handed over but before the server may accept it (the last
        moment to stop it); when it raises, the message is not delivered and the error
        comes out of `send` as it is."""
        ...

    def close(self) -> None:
        """Release the connection (safe to call twice)."""
        ...

    def __enter__(self) -> MailSender: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
