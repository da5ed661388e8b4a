"""Picks the sender the settings ask for and resolves the SMTP password by reference."""

from __future__ import annotations

import os

from adapters.mail.base import MailSender, ServerUnavailable
from adapters.mail.files import FileSender
from adapters.mail.smtp import SmtpSender
from oms.settings import Settings


def resolve_secret(reference: str) -> str:
    """The secret behind `env:VARIABLE` or `block:prefect-secret-name`; never logged."""
    kind, _, name = reference.partition(":")
    if kind == "env":
        value = os.environ.get(name)
        if value is None:
            raise ServerUnavailable(f"the SMTP password variable {name} is not set")
        return value
    if kind == "block":
        from prefect.blocks.system import Secret

        try:
            return str(Secret.load(name).get())  # type: ignore[union-attr]
        except Exception as exc:
            raise ServerUnavailable(f"cannot load the Prefect secret block {name!r}") from exc
    raise ServerUnavailable(f"unknown secret reference kind {kind!r}")


def sender_from_settings(settings: Settings) -> MailSender:
    """The file sink (`mail_transport=file`) or an SMTP sender with its resolved password."""
    if settings.mail_transport == "file":
        return FileSender(settings.mail_dir)
    password = resolve_secret(settings.smtp_password_ref) if settings.smtp_password_ref else None
    return SmtpSender(
        settings.smtp_host,
        settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=password,
        timeout=settings.smtp_timeout_seconds,
        envelope_from=settings.mail_from,
    )
