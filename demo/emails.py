"""Demo step of the buyer emails: the demo's webshop emails as .eml files under var/demo/mail/."""

from __future__ import annotations

from email import message_from_bytes, policy

from rich.table import Table

from adapters.mail.dispatch import EmailBatch, EmailLog
from adapters.mail.files import FileSender
from demo.context import DemoContext
from oms.draining import drain
from oms.effects import Topic
from oms.settings import get_settings
from oms.store import sellers as seller_store
from oms.store.db import transaction
from tasks.notify import stored_invoices


def send_emails(ctx: DemoContext) -> None:
    """Drain the email outbox into the file sink: one .eml per email, invoice attached on
    the seller's chosen event (confirmed by default)."""
    ctx.step("buyer emails (file sink)")
    seller = ctx.sellers["alpen-tee"]
    if not seller.branding.thank_you:
        branding = seller.branding.model_copy(
            update={
                "thank_you": "Danke, {buyer_name}! Wir haben Ihre Bestellung {order_number} "
                "mit Sorgfalt gepackt.",
                "after_sales": "Rücksendungen innert 30 Tagen: antworten Sie auf diese E-Mail.",
            }
        )
        with transaction(ctx.engine) as session:
            ctx.sellers["alpen-tee"] = seller_store.save_settings(
                session, seller, "branding", branding
            )
    folder = ctx.out / "mail"
    sink = FileSender(folder)
    log = EmailLog()
    handler = EmailBatch(
        ctx.engine, lambda: sink, stored_invoices(ctx.engine), get_settings().mail_from, log=log
    )
    report = drain(ctx.engine, Topic.EMAIL, handler, max_batches=10)
    table = Table("event", "to", "subject", "attachment")
    for path in sorted(sink.sent):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        names = [p.get_filename() or "" for p in msg.iter_attachments()]  # type: ignore[attr-defined]
        table.add_row(
            str(msg["X-Sales-Scaler-Event"]), str(msg["To"]), str(msg["Subject"]), ", ".join(names)
        )
    ctx.console.print(table)
    for row in log.rows:
        ctx.console.print(f"{row['result']}: order {row['order']} {row['event']}: {row['detail']}")
    ctx.console.print(
        f"{log.sent} emails in {folder}/ ({log.skipped} skipped, {log.failed} failed, "
        f"{report.retried} to retry)"
    )
    ctx.summary["emails"] = len(list(folder.glob("*.eml")))
