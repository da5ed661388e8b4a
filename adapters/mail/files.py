"""A sender that writes one `.eml` file per email: the demo's default and a fake for tests.

The file name comes from the Message-ID, so sending the same email twice
overwrites one file instead of adding a second.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from types import TracebackType

from adapters.mail.base import PermanentMailError, TemporaryMailError


def eml_name(message: EmailMessage) -> str:
    """A safe file name for the message: its Message-ID without brackets, plus .eml."""
    raw = str(message.get("Message-ID", "")).strip("<> ")
    if not raw:
        raise PermanentMailError("the message has no Message-ID")
    return re.sub(r"[^A-Za-z0-9._@-]", "_", raw) + ".eml"


class FileSender:
    """Writes each email to `folder/<message-id>.eml` (atomically: temp file, then rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sent: list[Path] = []

    def send(self, message: EmailMessage, before_accept: Callable[[], None] | None = None) -> None:
        if not message.get("To"):
            raise PermanentMailError("the message has no recipient")
        path = self.folder / eml_name(message)
        tmp = path.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(message.as_bytes(policy=SMTP))
        except OSError as exc:
            raise TemporaryMailError(f"cannot write {path}: {exc}") from exc
        if before_accept is not None:
            try:
                before_accept()
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        try:
            tmp.replace(path)  # the file appears: accepted
        except OSError as exc:
            raise TemporaryMailError(f"cannot write {path}: {exc}") from exc
        self.sent.append(path)

    def close(self) -> None:
        return None

    def __enter__(self) -> FileSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
