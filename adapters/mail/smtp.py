"""SMTP sender: one connection per batch (STARTTLS, implicit TLS or plain for a local relay).

Server answers become our errors (adapters/mail/base.py): 5xx is permanent, 4xx
and network trouble temporary. A connection the server dropped between two
emails (idle timeout, 421) is re-opened once and the email sent again.

The at-least-once window: when the connection drops after the server accepted
the DATA but before its "250 OK" reached us, we cannot know it was accepted;
the email is sent again (here or in a later run), so the buyer may get it
twice — with the same Message-ID, which lets mail clients and people tell.
"""

from __future__ import annotations

import contextlib
import io
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.generator import NLCRE, BytesGenerator  # type: ignore[attr-defined]
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import getaddresses
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from adapters.mail.base import (
    PermanentMailError,
    ServerUnavailable,
    TemporaryMailError,
)
from adapters.mail.mime import Prebuilt

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

Security = Literal["starttls", "ssl", "none"]
_LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


@lru_cache(maxsize=1)
def local_hostname() -> str:
    """The EHLO name, looked up once per process (smtplib would ask DNS on every connect)."""
    return socket.getfqdn()


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw).strip()


def classify(code: int, answer: bytes | str, what: str) -> TemporaryMailError | PermanentMailError:
    """An SMTP reply as our error: 5xx permanent, anything else temporary (421: server gone)."""
    message = f"{what}: {code} {_text(answer)}"
    if code >= 500:
        return PermanentMailError(message)
    if code == 421:
        return ServerUnavailable(message)
    return TemporaryMailError(message)


class _FastBytesGenerator(BytesGenerator):
    """BytesGenerator writing a body in one call instead of two per line (a 50 KB base64
    attachment is ~900 lines); the bytes are the same."""

    def _write_lines(self, lines: str) -> None:
        if lines:
            self.write(self._NL.join(NLCRE.split(lines)))  # type: ignore[attr-defined]


def wire_format(message: EmailMessage) -> tuple[str | None, list[str], bytes, list[str]]:
    """(envelope sender, recipients, the message as SMTP bytes, MAIL options), as
    smtplib.send_message works them out (Bcc is not transmitted). A rendered email that
    was not changed since brings its bytes along (adapters/mail/mime.py)."""
    prebuilt = message.smtp_bytes() if isinstance(message, Prebuilt) else None
    if prebuilt is not None:
        return prebuilt[0], prebuilt[1], prebuilt[2], []
    sender = message.get("Sender") or message.get("From")
    from_addr = getaddresses([str(sender)])[0][1] if sender else None
    fields = [str(v) for f in ("To", "Cc", "Bcc") for v in message.get_all(f, [])]
    to_addrs = [addr for _, addr in getaddresses(fields) if addr]
    copy = message
    if "Bcc" in message:
        copy = EmailMessage(policy=message.policy)
        copy.__dict__.update(message.__dict__)
        copy._headers = [h for h in message._headers if h[0].lower() != "bcc"]  # type: ignore[attr-defined]
    international = any(not a.isascii() for a in [from_addr or "", *to_addrs])
    buffer = io.BytesIO()
    _FastBytesGenerator(buffer, policy=SMTPUTF8 if international else SMTP).flatten(
        copy, linesep="\r\n"
    )
    options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
    return from_addr, to_addrs, buffer.getvalue(), options


_LEADING_DOT = re.compile(rb"(?m)^\.")


class _Stopped(Exception):
    """The caller's `before_accept` raised (carried past smtplib's and our own handlers)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _data(
    smtp: smtplib.SMTP, msg: ReadableBuffer | str, before_accept: Callable[[], None] | None
) -> tuple[int, bytes]:
    """smtplib's DATA step, with the dot-stuffing regex run only when a line starts with a
    dot (never in base64; over a 70 KB message it costs more than the send), and
    `before_accept` run after the body, before the final dot (until then the server
    accepts nothing: without the dot the message is dropped with the connection)."""
    smtp.putcmd("data")
    code, answer = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, answer)
    if isinstance(msg, str):
        data = re.sub(r"\r\n|\n|\r", "\r\n", msg).encode("ascii")  # as smtplib does
    else:
        data = bytes(msg)
    if data.startswith(b".") or b"\n." in data:
        data = _LEADING_DOT.sub(b"..", data)
    end = b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n"
    if before_accept is None:
        smtp.send(data + end)
    else:
        smtp.send(data)
        try:
            before_accept()
        except BaseException as exc:
            raise _Stopped(exc) from exc
        smtp.send(end)
    return smtp.getreply()


class _SMTP(smtplib.SMTP):
    before_accept: Callable[[], None] | None = None

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        return _data(self, msg, self.before_accept)


class _SMTP_SSL(smtplib.SMTP_SSL):
    before_accept: Callable[[], None] | None = None

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        return _data(self, msg, self.before_accept)


_Connection = _SMTP | _SMTP_SSL


class SmtpSender:
    """Sends through one SMTP connection, opened on the first email and reused until close()."""

    def __init__(
        self,
        host: str,
        port: int,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        envelope_from: str | None = None,
    ) -> None:
        if username and security == "none" and host not in _LOCAL_HOSTS:
            raise ValueError(f"refusing to send the SMTP password to {host} without TLS")
        self.host, self.port, self.security = host, port, security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.envelope_from = envelope_from
        self._smtp: _Connection | None = None
        self.connections = 0  # how many times a connection was opened (for tests and benches)

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSender({self.host}:{self.port}, {self.security}, user={self.username!r})"

    def _connect(self) -> _Connection:
        where = f"SMTP server {self.host}:{self.port}"
        smtp: _Connection | None = None
        try:
            if self.security == "ssl":
                smtp = _SMTP_SSL(
                    self.host,
                    self.port,
                    local_hostname(),
                    timeout=self.timeout,
                    context=self.ssl_context,
                )
            else:
                smtp = _SMTP(self.host, self.port, local_hostname(), timeout=self.timeout)
                if self.security == "starttls":
                    smtp.starttls(context=self.ssl_context)
            # The final dot goes out on its own after `before_accept`: without this, Nagle
            # holds it back until the server's delayed ACK (40 ms per email).
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo_or_helo_if_needed()
            if self.username:
                smtp.login(self.username, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            self._quietly_close(smtp)
            # Every email would fail the same way: wait for the operator, do not burn the rows.
            raise ServerUnavailable(
                f"{where} refused the login of {self.username!r}: {exc.smtp_code}"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            self._quietly_close(smtp)
            raise ServerUnavailable(f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._quietly_close(smtp)
            raise ServerUnavailable(f"cannot reach {where}: {exc}") from exc
        self.connections += 1
        return smtp

    @staticmethod
    def _quietly_close(smtp: smtplib.SMTP | None) -> None:
        if smtp is None:
            return
        with contextlib.suppress(OSError):
            smtp.close()

    def _drop(self) -> None:
        self._quietly_close(self._smtp)
        self._smtp = None

    def send(self, message: EmailMessage, before_accept: Callable[[], None] | None = None) -> None:
        """Send one email; re-opens a dropped connection once before giving up.
        `before_accept` runs before the final dot; when it raises, the connection is
        dropped (the server discards the message) and its error comes out as it is."""
        wire = wire_format(message)  # once, also when the connection is re-opened
        if not wire[1]:
            raise PermanentMailError("the message has no recipient")
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._send_once(self._smtp, before_accept, *wire)
                return
            except _Stopped as stop:
                self._drop()
                raise stop.error from None
            except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                self._drop()
                if attempt == 2:
                    raise ServerUnavailable(
                        f"SMTP server {self.host}:{self.port} dropped the connection: {exc}"
                    ) from exc
            except TimeoutError as exc:
                self._drop()
                raise ServerUnavailable(
                    f"SMTP server {self.host}:{self.port} did not answer within {self.timeout} s"
                ) from exc

    def _send_once(
        self,
        smtp: _Connection,
        before_accept: Callable[[], None] | None,
        from_addr: str | None,
        to_addrs: list[str],
        data: bytes,
        options: list[str],
    ) -> None:
        smtp.before_accept = before_accept
        try:
            refused = smtp.sendmail(self.envelope_from or from_addr or "", to_addrs, data, options)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            raise classify(code, answer, "recipient refused") from exc
        except smtplib.SMTPSenderRefused as exc:
            raise classify(exc.smtp_code, exc.smtp_error, "sender refused") from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
            raise classify(exc.smtp_code, exc.smtp_error, "message refused") from exc
        except smtplib.SMTPNotSupportedError as exc:  # e.g. an address needing SMTPUTF8
            raise PermanentMailError(f"the server cannot take this message: {exc}") from exc
        finally:
            smtp.before_accept = None
        if refused:  # some recipients accepted, some not: report the first refusal
            code, answer = next(iter(refused.values()))
            raise classify(code, answer, "recipient refused")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
