"""Build a buyer email's MIME tree and its SMTP bytes in one pass.

`EmailMessage` with the default policy parses each header when it is set, and the
generator parses the Content-Type of every part again while writing: about 5 ms per
email, more than the templates and the SMTP exchange together. Our emails have one
fixed shape, so the headers are written here already encoded (RFC 2047) and folded,
stored raw the way the parser stores a message it reads, and the bytes for the wire are
joined from the same strings. The result is an ordinary `EmailMessage` for everyone who
reads it (headers decoded on access, `get_body`, `iter_attachments`, `as_bytes`), and
`Prebuilt.smtp_bytes()` hands the sender the bytes it would have generated — as long as
nobody changed the message since it was built (tests check both forms are equal).
"""

from __future__ import annotations

import binascii
from base64 import b64encode
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.policy import SMTP
from email.quoprimime import body_encode
from email.utils import formataddr

_MAX_LINE = 78  # RFC 5322's "should"; longer headers take the policy's folding
Headers = list[tuple[str, str]]


class Prebuilt(EmailMessage):
    """An EmailMessage made by `build`, which keeps the SMTP bytes it was built with."""

    _wire: bytes | None = None
    _envelope: tuple[str, list[str]] = ("", [])
    _snapshot: list[tuple[EmailMessage, Headers, object, list[object] | None]]

    def smtp_bytes(self) -> tuple[str, list[str], bytes] | None:
        """(envelope sender, recipients, message bytes with CRLF), or None once the message
        (or any of its parts) was changed after it was built."""
        if self._wire is None:
            return None
        for part, headers, payload, children in self._snapshot:
            current = part._payload  # type: ignore[attr-defined]
            if current is not payload or part._headers != headers:  # type: ignore[attr-defined]
                return None
            if children is not None and (
                len(current) != len(children)  # type: ignore[arg-type]
                or any(a is not b for a, b in zip(current, children, strict=False))  # type: ignore[call-overload]
            ):
                return None
        return self._envelope[0], list(self._envelope[1]), self._wire


class Part:
    """One MIME part: its headers (raw, already encoded) and a body or sub-parts."""

    def __init__(self, headers: Headers, body: str | Sequence[Part]) -> None:
        self.headers, self.body = headers, body

    def text(self) -> str:
        """The part as the generator writes it, with "\\n" line ends."""
        head = "".join(f"{name}: {value}\n" for name, value in self.headers) + "\n"
        if isinstance(self.body, str):
            return head + self.body
        boundary = "\n--" + _boundary(self.headers) + "\n"
        return (
            head
            + boundary[1:]
            + boundary.join(p.text() for p in self.body)
            + boundary[:-1]
            + "--\n"
        )

    def message(self, root: Prebuilt | None = None) -> EmailMessage:
        msg = root if root is not None else EmailMessage(policy=policy.default)
        for name, value in self.headers:
            msg.set_raw(name, value)
        if isinstance(self.body, str):
            msg.set_payload(self.body)
        else:
            for p in self.body:
                msg.attach(p.message())
        return msg


def _boundary(headers: Headers) -> str:
    content_type = next(v for n, v in headers if n == "Content-Type")
    return content_type.rpartition('boundary="')[2].rstrip('"')


def text_part(subtype: str, text: str) -> Part:
    """UTF-8 text as quoted-printable (the same encoding EmailMessage.set_content makes)."""
    body = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    return Part(
        [
            ("Content-Type", f'text/{subtype}; charset="utf-8"'),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        body_encode(body.decode("latin-1"), _MAX_LINE),
    )


def base64_lines(data: bytes) -> str:
    """Base64 in lines of 76 characters, each ending in "\\n" (RFC 2045)."""
    flat = binascii.b2a_base64(data, newline=False).decode("ascii")
    return "".join([flat[i : i + 76] + "\n" for i in range(0, len(flat), 76)])


def binary_part(content_type: str, data: bytes, extra: Headers) -> Part:
    return Part(
        [("Content-Type", content_type), ("Content-Transfer-Encoding", "base64"), *extra],
        base64_lines(data),
    )


def multipart(subtype: str, parts: Sequence[Part], boundary: str) -> Part:
    # "=_" never occurs in base64 or quoted-printable bodies, so the boundary is safe
    # without the generator's search through the whole message for a collision.
    return Part([("Content-Type", f'multipart/{subtype};\n boundary="{boundary}"')], parts)


def unstructured(name: str, value: str) -> str:
    """A header value ready for the wire: ASCII, RFC 2047 encoded if needed, folded."""
    if value.isascii() and "=?" not in value:
        if len(name) + 2 + len(value) <= _MAX_LINE:
            return value
    elif len(value) <= 40:  # one encoded word fits a line
        word = "=?utf-8?b?" + b64encode(value.encode("utf-8")).decode("ascii") + "?="
        if len(name) + 2 + len(word) <= _MAX_LINE:
            return word
    return _policy_fold(name, value)


def fitted(name: str, value: str) -> str:
    """A structured header value (e.g. Content-Disposition) as it is when short, else folded
    by the policy."""
    if value.isascii() and len(name) + 2 + len(value) <= _MAX_LINE:
        return value
    return _policy_fold(name, value)


def mailbox(name: str, display: str, address: str) -> str:
    """`Display <address>` with the display name quoted or encoded as needed, folded."""
    value = formataddr((display, address), charset="utf-8")
    if value.isascii() and len(name) + 2 + len(value) <= _MAX_LINE and "=?" not in display:
        return value
    from email.headerregistry import Address

    return _policy_fold(name, Address(display_name=display, addr_spec=address))


def _policy_fold(name: str, value: object) -> str:
    """The default policy's own folding: for long or unusual values (slow, but rare)."""
    folded: str = SMTP.header_factory(name, value).fold(policy=SMTP)
    return folded[len(name) + 2 :].rstrip("\r\n").replace("\r\n", "\n")


def build(headers: Headers, body: Part, envelope: tuple[str, list[str]]) -> Prebuilt:
    """The message with `headers` on top of `body`'s own (Content-Type ...), and its bytes."""
    top = Part([*headers, ("MIME-Version", "1.0"), *body.headers], body.body)
    msg = Prebuilt(policy=policy.default)
    top.message(msg)
    text = top.text()
    if text.isascii():
        msg._wire = text.replace("\n", "\r\n").encode("ascii")
        msg._envelope = envelope
        msg._snapshot = [
            (
                part,
                list(part._headers),  # type: ignore[attr-defined]
                part._payload,  # type: ignore[attr-defined]
                list(part._payload) if part.is_multipart() else None,  # type: ignore[attr-defined]
            )
            for part in msg.walk()
        ]
    return msg
