"""The SMTP sender against a real local server: one connection per batch, server answers
translated into temporary / permanent errors, a dropped connection re-opened."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from adapters.mail.base import PermanentMailError, ServerUnavailable, TemporaryMailError
from adapters.mail.smtp import SmtpSender
from tests.mail.conftest import SmtpServer, free_port


def message(i: int, to: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Shop <orders@shop.example>"
    msg["To"] = to or f"buyer{i}@example.ch"
    msg["Subject"] = f"Test {i}"
    msg["Message-ID"] = f"<test-{i}@shop.example>"
    msg.set_content(f"body {i}")
    return msg


def sender(server: SmtpServer) -> SmtpSender:
    return SmtpSender("127.0.0.1", server.port, security="none", timeout=5)


def test_a_batch_of_emails_goes_through_one_connection(smtp_server: SmtpServer) -> None:
    with sender(smtp_server) as s:
        for i in range(20):
            s.send(message(i))
        assert s.connections == 1
    assert len(smtp_server.recorder.messages) == 20
    assert smtp_server.recorder.sessions == 1
    assert smtp_server.recorder.envelopes[0] == ("orders@shop.example", ["buyer0@example.ch"])


def test_a_5xx_for_a_recipient_is_permanent_with_the_server_answer_and_the_batch_goes_on(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.recorder.refuse["gone@example.ch"] = "550 5.1.1 mailbox unavailable"
    smtp_server.recorder.refuse["full@example.ch"] = "452 4.2.2 mailbox full"
    with sender(smtp_server) as s:
        with pytest.raises(PermanentMailError, match=re.escape("550 5.1.1 mailbox unavailable")):
            s.send(message(1, to="gone@example.ch"))
        with pytest.raises(TemporaryMailError, match="452") as temporary:
            s.send(message(2, to="full@example.ch"))
        assert not isinstance(temporary.value, ServerUnavailable)
        s.send(message(3))
        assert s.connections == 1
    assert [str(m["Message-ID"]) for m in smtp_server.recorder.messages] == [
        "<test-3@shop.example>"
    ]


def test_a_server_that_is_not_there_is_unavailable_not_a_crash() -> None:
    s = SmtpSender("127.0.0.1", free_port(), security="none", timeout=2)
    with pytest.raises(ServerUnavailable, match=re.escape("cannot reach SMTP server 127.0.0.1")):
        s.send(message(1))


def test_a_connection_the_server_dropped_between_emails_is_reopened(
    smtp_server: SmtpServer,
) -> None:
    with sender(smtp_server) as s:
        s.send(message(1))
        smtp_server.stop()
        smtp_server.start()  # the old connection is gone, the server is back
        s.send(message(2))
        assert s.connections == 2
    assert len(smtp_server.recorder.messages) == 2


def test_the_password_never_shows_in_the_sender_or_its_errors() -> None:
    s = SmtpSender(
        "127.0.0.1", free_port(), security="none", username="shop", password="hunter2", timeout=2
    )
    assert "hunter2" not in repr(s)
    with pytest.raises(ServerUnavailable) as err:
        s.send(message(1))
    assert "hunter2" not in str(err.value)


def test_no_password_goes_to_a_remote_server_without_tls() -> None:
    with pytest.raises(ValueError, match="without TLS"):
        SmtpSender("mail.example.com", 25, security="none", username="u", password="p")
