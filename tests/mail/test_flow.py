"""The send-notifications flow end to end: outbox -> .eml files in the mail folder."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.mail.files import FileSender
from oms import actions
from tests.factories import SellerSetup, import_orders, make_order
from tests.mail.helpers import set_notifications
from tests.mail.test_render import a_seller, an_order


@pytest.fixture
def mail_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from oms.settings import get_settings

    monkeypatch.setenv("SALES_SCALER_MAIL_TRANSPORT", "file")
    monkeypatch.setenv("SALES_SCALER_MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("SALES_SCALER_DOCUMENTS_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    return tmp_path / "mail"


def test_the_file_sink_writes_one_eml_per_email_and_a_resend_overwrites_it(tmp_path: Path) -> None:
    from adapters.mail.render import render

    msg = render(an_order(), a_seller(), "shipped")
    with FileSender(tmp_path) as sink:
        sink.send(msg)
        sink.send(msg)
    (path,) = list(tmp_path.glob("*.eml"))
    assert path.name == "shipped.order-7.alpen@sales-scaler.example.eml"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Ihre Bestellung 1001 ist unterwegs"
    assert parsed["Message-ID"] == msg["Message-ID"]


def test_the_flow_sends_each_webshop_email_once_and_reports_the_rest(
    prefect_api: None, engine: Engine, shop: SellerSetup, mail_dir: Path
) -> None:
    from flows.notify import send_notifications

    seller = set_notifications(engine, shop.seller, attach_invoice_on=None)
    import_orders(
        engine,
        shop,
        [
            make_order(1),
            make_order(2, buyer={"name": "B", "email": "broken", "language": "en"}),
        ],
    )
    import_orders(engine, shop, [make_order(3, platform="mirakl")], marketplace=True)
    actions.confirm(engine, seller, ["1001", "1002", "1003"])
    actions.ship(engine, seller, [("1001", None)])

    summary = send_notifications(seller="alpen")
    assert summary["sent"] == 2 and summary["failed"] == 1 and summary["dead"] == 1
    names = sorted(p.name for p in mail_dir.glob("*.eml"))
    assert [n.split(".")[0] for n in names] == ["confirmed", "shipped"]
    again = send_notifications(seller=None)
    assert again["sent"] == 0
    assert len(list(mail_dir.glob("*.eml"))) == 2
