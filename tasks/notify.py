"""Prefect task of the notify flow: one claimed batch of the email outbox, one connection.

The plain logic is `adapters.mail.dispatch.EmailBatch`; this module composes it
with the settings (which sender, which From address) and the documents API
(the invoice to attach).
"""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from adapters.mail.dispatch import EmailBatch, EmailLog, InvoiceSource
from adapters.mail.render import Attachment
from adapters.mail.senders import sender_from_settings
from oms.draining import DrainReport, drain
from oms.effects import Topic
from oms.seller import Seller
from oms.store.db import transaction
from tasks import runtime


def stored_invoices(engine: Engine) -> InvoiceSource:
    """Invoices from the documents store (one query per batch, not one per order); missing
    ones rendered first (one call per batch)."""

    def invoices(
        seller: Seller, order_ids: Sequence[int], render_missing: bool
    ) -> dict[int, Attachment | str]:
        from documents import api, store

        def lookup() -> dict[int, Attachment | str]:
            with transaction(engine) as session:
                docs = store.documents_of(session, seller.id, order_ids, ["invoice"])
            found: dict[int, Attachment | str] = {}
            for oid in order_ids:
                doc = docs.get((oid, "invoice"))
                pdf = store.read_pdf(doc) if doc is not None else None
                found[oid] = (
                    Attachment(doc.number, pdf)
                    if doc is not None and pdf is not None
                    else "no invoice issued yet"
                )
            return found

        found = lookup()
        missing = [oid for oid, v in found.items() if not isinstance(v, Attachment)]
        if not missing or not render_missing:
            return found
        problems = api.render_missing(engine, seller, missing, ["invoice"])
        found = lookup()
        why = "; ".join(problems)[:500] or "not stored after rendering"
        return {
            oid: v if isinstance(v, Attachment) else f"invoice not rendered: {why}"
            for oid, v in found.items()
        }

    return invoices


def email_batch(engine: Engine, log: EmailLog | None = None) -> EmailBatch:
    """The drain handler wired to the configured sender and the documents store."""
    settings = runtime.settings()
    return EmailBatch(
        engine,
        lambda: sender_from_settings(settings),
        stored_invoices(engine),
        mail_from=settings.mail_from,
        log=log,
    )


@task(name="send-email-batch", cache_policy=NO_CACHE)
def send_email_batch(seller_id: int | None, log: EmailLog) -> DrainReport:
    """Claim one batch of buyer emails, send them over one connection, record each outcome.

    No task-level retry: the outbox rows are the retry (with back-off), and the
    Message-ID makes a re-sent email recognisable.
    """
    settings = runtime.settings()
    engine = runtime.engine()
    return drain(
        engine,
        Topic.EMAIL,
        email_batch(engine, log),
        batch_size=settings.mail_batch_size,
        max_attempts=settings.outbox_max_attempts,
        max_batches=1,
        seller_id=seller_id,
    )
