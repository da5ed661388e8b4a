"""Shared steps of the email tests: seller switches, the drain with a real SMTP sender."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from adapters.mail.dispatch import EmailBatch, InvoiceSource, no_invoices
from adapters.mail.smtp import SmtpSender
from oms.draining import DrainReport, drain, drain_batch
from oms.effects import Topic
from oms.seller import Notifications, Seller
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OutboxItemRow
from tests.mail.conftest import SmtpServer

MAIL_FROM = "orders@sales-scaler.example"


def set_notifications(engine: Engine, seller: Seller, **values: Any) -> Seller:
    with transaction(engine) as session:
        return seller_store.save_settings(
            session,
            seller,
            "notifications",
            seller.notifications.model_copy(update=values),
        )


def handler(
    engine: Engine, server: SmtpServer, invoices: InvoiceSource = no_invoices
) -> EmailBatch:
    return EmailBatch(
        engine,
        lambda: SmtpSender("127.0.0.1", server.port, security="none", timeout=5),
        invoices,
        mail_from=MAIL_FROM,
        retry_after=0,
    )


def send_all(engine: Engine, batch: EmailBatch, batch_size: int = 50) -> DrainReport:
    """Drain every ready email row (rows retried now come back at once: retry_after=0)."""
    return drain(engine, Topic.EMAIL, batch, batch_size=batch_size, max_batches=5)


def send_one_batch(engine: Engine, batch: EmailBatch, batch_size: int = 50) -> DrainReport:
    return drain_batch(engine, Topic.EMAIL, batch, batch_size, max_attempts=8)


def email_rows(engine: Engine) -> list[tuple[int | None, str, str, str | None]]:
    """(order id, event, state, last error) of every email outbox row."""
    with transaction(engine) as session:
        rows = session.execute(
            select(
                OutboxItemRow.order_id,
                OutboxItemRow.event,
                OutboxItemRow.state,
                OutboxItemRow.last_error,
            )
            .where(OutboxItemRow.topic == Topic.EMAIL.value)
            .order_by(OutboxItemRow.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def notifications(**values: Any) -> Notifications:
    return Notifications(**values)
