"""The invoice PDF on the seller's chosen event, from the real documents API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from adapters.mail.dispatch import EmailBatch, no_invoices
from adapters.mail.smtp import SmtpSender
from oms import actions
from oms.model import Tracking
from tasks.notify import stored_invoices
from tests.factories import SellerSetup, import_orders, make_order
from tests.mail.conftest import SmtpServer
from tests.mail.helpers import MAIL_FROM, email_rows, send_all, send_one_batch, set_notifications


@pytest.fixture(autouse=True)
def documents_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from oms.settings import get_settings

    monkeypatch.setenv("SALES_SCALER_DOCUMENTS_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    return tmp_path / "documents"


def with_invoices(engine: Engine, server: SmtpServer) -> EmailBatch:
    return EmailBatch(
        engine,
        lambda: SmtpSender("127.0.0.1", server.port, security="none", timeout=5),
        stored_invoices(engine),
        mail_from=MAIL_FROM,
        retry_after=0,
    )


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_invoice_is_rendered_if_missing_and_attached_on_the_chosen_event_only(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, attach_invoice_on="shipped")
    import_orders(engine, shop, [make_order(1)])
    actions.confirm(engine, seller, ["1001"])
    tracking = Tracking(tracking_id="99.60.7", url="https://post.example/99.60.7")
    actions.ship(engine, seller, [("1001", tracking)])

    report = send_all(engine, with_invoices(engine, smtp_server))
    assert report.done == 2
    by_event = {m["X-Sales-Scaler-Event"]: m for m in smtp_server.recorder.messages}
    assert list(by_event["confirmed"].iter_attachments()) == []
    (attachment,) = list(by_event["shipped"].iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    filename = attachment.get_filename()
    assert filename is not None and filename.startswith("Rechnung-")
    number = filename.removeprefix("Rechnung-").removesuffix(".pdf")
    assert number in pdf_text(pdf)
    assert number in by_event["shipped"].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_without_its_invoice_the_chosen_email_waits_instead_of_going_out_bare(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, attach_invoice_on="confirmed")
    import_orders(engine, shop, [make_order(1)])
    actions.confirm(engine, seller, ["1001"])
    bare = EmailBatch(
        engine,
        lambda: SmtpSender("127.0.0.1", smtp_server.port, security="none", timeout=5),
        no_invoices,
        mail_from=MAIL_FROM,
        retry_after=0,
    )
    report = send_one_batch(engine, bare)
    assert (report.done, report.retried) == (0, 1)
    assert smtp_server.recorder.messages == []
    ((_, _, state, error),) = email_rows(engine)
    assert state == "pending" and error is not None and "invoice not ready" in error

    assert send_all(engine, with_invoices(engine, smtp_server)).done == 1
    (msg,) = smtp_server.recorder.messages
    assert len(list(msg.iter_attachments())) == 1


def test_on_cancelled_only_an_invoice_issued_already_is_attached(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, attach_invoice_on="cancelled")
    import_orders(engine, shop, [make_order(1)])
    actions.cancel(engine, seller, ["1001"], reason="Bestellung doppelt")  # open: no invoice
    assert send_all(engine, with_invoices(engine, smtp_server)).done == 1
    (msg,) = smtp_server.recorder.messages
    assert msg["X-Sales-Scaler-Event"] == "cancelled"
    assert list(msg.iter_attachments()) == []
