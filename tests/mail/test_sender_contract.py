"""One contract for every MailSender: the .eml sink (the demo's fake) and SMTP behave alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from adapters.mail.base import MailSender, PermanentMailError
from adapters.mail.files import FileSender
from adapters.mail.smtp import SmtpSender
from tests.mail.conftest import SmtpServer
from tests.mail.test_smtp_sender import message

Received = Callable[[], list[EmailMessage]]


@pytest.fixture(params=["file", "smtp"])
def sender_and_inbox(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[MailSender, Received]]:
    if request.param == "file":

        def read_folder() -> list[EmailMessage]:
            return [
                message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
                for p in sorted(tmp_path.glob("*.eml"))
            ]

        yield FileSender(tmp_path), read_folder
        return
    server = SmtpServer()
    server.start()
    try:
        yield (
            SmtpSender("127.0.0.1", server.port, "none", timeout=5),
            lambda: list(server.recorder.messages),
        )
    finally:
        server.stop()


def test_every_sender_delivers_the_message_as_it_was_rendered(
    sender_and_inbox: tuple[MailSender, Received],
) -> None:
    sender, inbox = sender_and_inbox
    with sender:
        sender.send(message(1))
        sender.send(message(2))
    got = sorted(inbox(), key=lambda m: str(m["Message-ID"]))
    assert [str(m["Message-ID"]) for m in got] == ["<test-1@shop.example>", "<test-2@shop.example>"]
    assert got[0]["Subject"] == "Test 1"
    assert got[0].get_content().strip() == "body 1"  # type: ignore[attr-defined]


def test_every_sender_refuses_a_message_without_recipient_for_good(
    sender_and_inbox: tuple[MailSender, Received],
) -> None:
    sender, inbox = sender_and_inbox
    msg = message(1)
    del msg["To"]
    with sender, pytest.raises(PermanentMailError, match="no recipient"):
        sender.send(msg)
    assert inbox() == []


def test_every_sender_runs_before_accept_before_delivering_and_a_raise_stops_the_email(
    sender_and_inbox: tuple[MailSender, Received],
) -> None:
    sender, inbox = sender_and_inbox
    seen: list[int] = []

    class CommitFailed(Exception):
        pass

    def refuse() -> None:
        seen.append(len(inbox()))
        raise CommitFailed("the database is gone")

    with sender:
        sender.send(message(1), before_accept=lambda: seen.append(len(inbox())))
        with pytest.raises(CommitFailed, match="the database is gone"):
            sender.send(message(2), before_accept=refuse)
        sender.send(message(3))  # the sender still works afterwards
    assert seen == [0, 1]  # each time, nothing of that email had arrived yet
    assert sorted(str(m["Message-ID"]) for m in inbox()) == [
        "<test-1@shop.example>",
        "<test-3@shop.example>",
    ]
