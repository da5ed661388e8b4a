"""Issuing documents: gapless numbers in the seller's format, one per order and kind,
the accounting event in the same transaction, and retries that never take a second number.
Both databases."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from documents import api
from documents.service import render_orders
from oms import actions
from oms.seller import DocumentSettings
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import DocumentRow, OutboxItemRow
from oms.store.sequences import current_value
from tests.conftest import unique_engine
from tests.documents.conftest import accepted_orders, order_ids
from tests.factories import SellerSetup, import_orders, make_order

YEAR = datetime.now(UTC).year  # the issue year (Europe/Zurich; tests do not run at midnight)


def rows(engine: Engine) -> list[DocumentRow]:
    with transaction(engine) as session:
        return list(session.scalars(select(DocumentRow).order_by(DocumentRow.id)))


def test_each_accepted_order_gets_numbered_documents_and_its_invoice_is_booked(
    engine: Engine, shop: SellerSetup, docs_dir: Path
) -> None:
    with transaction(engine) as session:
        seller = seller_store.save_settings(
            session,
            shop.seller,
            "documents",
            DocumentSettings(invoice_number_format="INV{year}/{seq:04}"),
        )
    ids = accepted_orders(engine, shop, range(1, 4))
    assert api.render_missing(engine, seller, ids) == []
    docs = rows(engine)
    invoices = sorted(r.number for r in docs if r.kind == "invoice")
    notes = sorted(r.number for r in docs if r.kind == "delivery_note")
    assert invoices == [f"INV{YEAR}/{n:04}" for n in (1, 2, 3)]
    assert notes == [f"L-{YEAR}-{n:05}" for n in (1, 2, 3)]
    for row in docs:
        assert row.path and Path(row.path).is_file() and row.sha256 and row.language == "de"
        assert Path(row.path).parent == docs_dir / "alpen" / row.kind
    with transaction(engine) as session:
        booked = list(
            session.scalars(select(OutboxItemRow).where(OutboxItemRow.event == "invoice_issued"))
        )
    assert len(booked) == 3
    by_order = {r.order_id: r for r in docs if r.kind == "invoice"}
    for outbox_row in booked:
        payload = json.loads(outbox_row.payload)
        doc = by_order[outbox_row.order_id]
        assert outbox_row.topic == "accounting"
        assert outbox_row.idempotency_key == f"accounting:invoice_issued:{doc.order_id}"
        assert payload["invoice_number"] == doc.number and payload["document_id"] == doc.id
        assert datetime.fromisoformat(payload["issued_at"]).tzinfo is not None


def test_rendering_again_changes_nothing(engine: Engine, shop: SellerSetup, docs_dir: Path) -> None:
    ids = accepted_orders(engine, shop, range(1, 3), status="open")
    api.render_missing(engine, shop.seller, ids)
    before = [(r.id, r.number, r.sha256) for r in rows(engine)]
    report = render_orders(engine, shop.seller, ids)
    assert report.rendered == [] and report.present == 4
    assert [(r.id, r.number, r.sha256) for r in rows(engine)] == before


def test_open_and_cancelled_orders_get_no_documents_and_are_named(
    engine: Engine, shop: SellerSetup, docs_dir: Path
) -> None:
    import_orders(engine, shop, [make_order(1), make_order(2)])
    actions.cancel(engine, shop.seller, ["1002"], reason="out of stock")
    ids = order_ids(engine, shop, ["1001", "1002"])
    problems = api.render_missing(engine, shop.seller, [*ids, 999_999])
    assert sorted(problems) == [
        "order #999999: not found",
        "order 1001: is open: documents exist once it is confirmed",
        "order 1002: is cancelled: it has no documents to print",
    ]
    assert rows(engine) == []


def test_a_failed_render_keeps_its_number_and_the_retry_reuses_it(
    engine: Engine, shop: SellerSetup, tmp_path: Path
) -> None:
    ids = accepted_orders(engine, shop, range(1, 3))
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the documents folder should be")
    report = render_orders(engine, shop.seller, ids, ["invoice"], root=blocked)
    assert set(report.errors) == set(ids)
    numbers = {r.order_id: r.number for r in rows(engine)}
    assert sorted(numbers.values()) == [f"R-{YEAR}-00001", f"R-{YEAR}-00002"]
    assert all(r.path is None for r in rows(engine))
    retry = render_orders(engine, shop.seller, ids, ["invoice"], root=tmp_path / "docs")
    assert not retry.errors and len(retry.rendered) == 2
    assert {r.order_id: r.number for r in rows(engine)} == numbers
    with transaction(engine) as session:
        assert current_value(session, shop.seller.id, "invoice", YEAR) == 2


def test_a_lost_file_is_rendered_again_under_the_same_number(
    engine: Engine, shop: SellerSetup, docs_dir: Path
) -> None:
    (order_id,) = accepted_orders(engine, shop, range(1, 2))
    api.render_missing(engine, shop.seller, [order_id], ["invoice"])
    (row,) = rows(engine)
    assert row.path is not None
    Path(row.path).unlink()
    assert api.stored_pdf(engine, shop.seller, order_id, "invoice") is None
    api.render_missing(engine, shop.seller, [order_id], ["invoice"])
    stored = api.stored_pdf(engine, shop.seller, order_id, "invoice")
    assert stored is not None and stored[0] == row.number and stored[1][:5] == b"%PDF-"
    assert [r.number for r in rows(engine)] == [row.number]


def test_concurrent_workers_never_duplicate_or_skip_a_number(
    engine: Engine, shop: SellerSetup, docs_dir: Path, db_url: str
) -> None:
    ids = accepted_orders(engine, shop, range(1, 5))
    errors: list[BaseException] = []

    def worker(order: list[int]) -> None:
        private = unique_engine(db_url)
        try:
            render_orders(private, shop.seller, order, ["delivery_note"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            private.dispose()

    threads = [
        threading.Thread(target=worker, args=(ids,)),
        threading.Thread(target=worker, args=(list(reversed(ids)),)),
        threading.Thread(target=worker, args=(ids[1:3],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    docs = rows(engine)
    assert sorted(r.order_id for r in docs) == sorted(ids)
    assert sorted(r.number for r in docs) == [f"L-{YEAR}-{n:05}" for n in range(1, 5)]
    assert all(r.sha256 and r.path and Path(r.path).is_file() for r in docs)
    with transaction(engine) as session:
        assert current_value(session, shop.seller.id, "delivery_note", YEAR) == 4
