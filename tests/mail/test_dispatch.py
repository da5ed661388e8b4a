"""Email outbox rows written by the real seller actions, sent to a real SMTP server."""

from __future__ import annotations

from sqlalchemy import Engine

from oms import actions
from oms.effects import Topic
from oms.model import Tracking
from oms.store import outbox
from oms.store.db import transaction
from tests.factories import SellerSetup, import_orders, make_order, order_data
from tests.mail.conftest import SmtpServer
from tests.mail.helpers import (
    email_rows,
    handler,
    send_all,
    send_one_batch,
    set_notifications,
)

POST = "https://service.post.ch/ekp-web/ui/entry/search/{}"


def buyer(i: int, language: str | None, email: str | None = None) -> dict[str, object]:
    return {"name": f"Buyer {i}", "email": email or f"buyer{i}@example.ch", "language": language}


def test_each_event_sends_one_email_in_the_buyers_language_with_subject_and_tracking_link(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, delivered=True, attach_invoice_on=None)
    import_orders(
        engine,
        shop,
        [
            make_order(1, buyer=buyer(1, "de")),
            make_order(2, buyer=buyer(2, "fr")),
            make_order(3, buyer=buyer(3, "it")),
        ],
    )
    assert actions.confirm(engine, seller, ["1001", "1002", "1003"]).count == 3
    tracking = Tracking(tracking_id="99.60.1", url=POST.format("99.60.1"), carrier="Swiss Post")
    assert actions.ship(engine, seller, [("1002", tracking)]).count == 1
    assert actions.deliver(engine, seller, ["1002"]).count == 1
    assert actions.cancel(engine, seller, ["1003"], reason="Nicht an Lager").count == 1

    batch = handler(engine, smtp_server)
    report = send_all(engine, batch)
    assert (report.done, report.dead, report.retried) == (6, 0, 0)
    received = smtp_server.recorder.messages
    assert all(n == 1 for n in smtp_server.recorder.by_id().values())
    subjects = sorted(str(m["Subject"]) for m in received)
    assert subjects == sorted(
        [
            "Ihre Bestellung 1001 ist bestätigt",
            "Votre commande 1002 est confirmée",
            "Votre commande 1002 est en route",
            "Votre commande 1002 a été livrée",
            "Il suo ordine 1003 è confermato",
            "Il suo ordine 1003 è stato annullato",
        ]
    )
    shipped = next(m for m in received if m["X-Sales-Scaler-Event"] == "shipped")
    assert shipped["To"] == "Buyer 2 <buyer2@example.ch>"
    assert shipped["From"] == "Alpen Handels AG <orders@sales-scaler.example>"
    assert shipped["Reply-To"] == "Alpen Handels AG <shop@alpen.example>"
    assert shipped["Content-Language"] == "fr"
    assert str(shipped["Message-ID"]).startswith("<shipped.order-")
    html = shipped.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f'href="{POST.format("99.60.1")}"' in html and "99.60.1" in html
    cancelled = next(m for m in received if m["X-Sales-Scaler-Event"] == "cancelled")
    assert "Nicht an Lager" in cancelled.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    assert send_all(engine, batch).claimed == 0  # nothing is sent twice
    assert len(received) == 6
    assert smtp_server.recorder.sessions == 1  # one connection for the batch


def test_marketplace_orders_and_events_switched_off_meanwhile_send_nothing(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, attach_invoice_on=None)
    import_orders(engine, shop, [make_order(1), make_order(2)])
    import_orders(engine, shop, [make_order(3, platform="mirakl")], marketplace=True)
    actions.confirm(engine, seller, ["1001", "1002", "1003"])
    actions.ship(engine, seller, [("1002", None)])
    # Defence in depth: an email row for a marketplace order (the core writes none).
    with transaction(engine) as session:
        from oms.store import orders as order_store

        market_order = order_store.get_order(session, seller, "1003")
        outbox.enqueue(
            session, seller.id, market_order.id, Topic.EMAIL, "confirmed", "test:market:1003"
        )
    set_notifications(engine, seller, shipped=False)  # after the row was written

    batch = handler(engine, smtp_server)
    report = send_all(engine, batch)
    assert report.done == 4 and report.dead == 0  # two sent, two skipped
    assert [str(m["Subject"]) for m in smtp_server.recorder.messages] == [
        "Ihre Bestellung 1001 ist bestätigt",
        "Ihre Bestellung 1002 ist bestätigt",
    ]
    assert batch.log.skipped == 2
    details = " | ".join(r["detail"] for r in batch.log.rows)
    assert "marketplace order" in details and "switched the shipped email off" in details


def test_bad_addresses_and_refused_recipients_fail_with_the_reason_and_the_batch_goes_on(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, attach_invoice_on=None)
    orders = [
        make_order(1, buyer={"name": "No Mail", "email": None, "language": "de"}),
        make_order(2, buyer=buyer(2, "de", email="not-an-address")),
        make_order(3, buyer=buyer(3, "de", email="gone@example.ch")),
        make_order(4, buyer=buyer(4, "de", email="full@example.ch")),
        make_order(5, buyer=buyer(5, "de")),
    ]
    import_orders(engine, shop, orders)
    smtp_server.recorder.refuse["gone@example.ch"] = "550 5.1.1 <gone@example.ch>: no such user"
    smtp_server.recorder.refuse["full@example.ch"] = "452 4.2.2 mailbox full"
    actions.confirm(engine, seller, [str(1000 + i) for i in range(1, 6)])

    batch = handler(engine, smtp_server)
    report = send_one_batch(engine, batch)
    assert (report.done, report.dead, report.retried) == (1, 3, 1)
    assert [str(m["To"]) for m in smtp_server.recorder.messages] == ["Buyer 5 <buyer5@example.ch>"]
    states = {order_id: (state, error) for order_id, _, state, error in email_rows(engine)}
    errors = [error for state, error in states.values() if state == "dead"]
    assert any("has no email address" in (e or "") for e in errors)
    assert any("'not-an-address' is malformed" in (e or "") for e in errors)
    assert any("550 5.1.1 <gone@example.ch>: no such user" in (e or "") for e in errors)
    assert sum(1 for state, e in states.values() if state == "pending" and "452" in (e or "")) == 1
    failed = [r for r in batch.log.rows if r["result"] == "failed"]
    assert {r["order"] for r in failed} == {"1001", "1002", "1003"}


def test_the_server_stopped_during_a_batch_loses_nothing_and_sends_nothing_twice(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, attach_invoice_on=None)
    import_orders(engine, shop, [make_order(i) for i in range(1, 11)])
    actions.confirm(engine, seller, [str(1000 + i) for i in range(1, 11)])
    smtp_server.recorder.hang_at = 4  # accept four, hang on the fifth, then the server stops
    stopper = smtp_server.stop_when_hanging()

    first = send_one_batch(engine, handler(engine, smtp_server))
    stopper.join(10)
    assert (first.done, first.retried, first.dead) == (4, 6, 0)
    assert len(smtp_server.recorder.messages) == 4

    smtp_server.start()
    second = send_all(engine, handler(engine, smtp_server))
    assert second.done == 6
    assert len(smtp_server.recorder.messages) == 10
    assert set(smtp_server.recorder.by_id().values()) == {1}
    assert {state for _, _, state, _ in email_rows(engine)} == {"done"}


def test_an_order_with_an_unknown_language_gets_the_sellers_default(
    engine: Engine, shop: SellerSetup, smtp_server: SmtpServer
) -> None:
    seller = set_notifications(engine, shop.seller, attach_invoice_on=None)
    data = order_data(1)
    data["buyer"] = {"name": "Buyer 1", "email": "buyer1@example.ch", "language": None}
    import_orders(engine, shop, [make_order(1, buyer=data["buyer"])])
    actions.confirm(engine, seller, ["1001"])
    send_all(engine, handler(engine, smtp_server))
    (msg,) = smtp_server.recorder.messages
    assert (
        msg["Content-Language"] == "de" and msg["Subject"] == "Ihre Bestellung 1001 ist bestätigt"
    )
