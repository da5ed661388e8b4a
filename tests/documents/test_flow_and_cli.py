"""The render-documents flow over the outbox, and the `docs` CLI. Both databases."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from documents.outbox import DocumentsLog, documents_handler
from oms.draining import drain
from oms.effects import Topic
from oms.store.db import transaction
from oms.store.schema import DocumentRow, OutboxItemRow
from tests.documents.conftest import accepted_orders
from tests.factories import SellerSetup, import_orders, make_order


def outbox_states(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return list(
            session.scalars(
                select(OutboxItemRow.state).where(OutboxItemRow.topic == Topic.DOCUMENTS.value)
            )
        )


def test_draining_the_documents_outbox_renders_accepted_orders_once(
    engine: Engine, shop: SellerSetup, docs_dir: Path
) -> None:
    accepted_orders(engine, shop, range(1, 3))
    import_orders(engine, shop, [make_order(3, status="confirmed")])  # arrives accepted
    log = DocumentsLog()
    report = drain(engine, Topic.DOCUMENTS, documents_handler(engine, log))
    assert report.claimed == 3 and report.done == 3
    assert log.rows["alpen"]["rendered"] == 6
    assert outbox_states(engine) == ["done"] * 3
    again = drain(engine, Topic.DOCUMENTS, documents_handler(engine))
    assert again.claimed == 0
    with transaction(engine) as session:
        assert len(list(session.scalars(select(DocumentRow.id)))) == 6


def test_the_render_documents_flow_drains_the_outbox_and_reports(
    engine: Engine, shop: SellerSetup, docs_dir: Path, prefect_api: None
) -> None:
    from flows.documents import render_documents

    accepted_orders(engine, shop, range(1, 3))
    summary = render_documents("alpen")
    assert summary["rendered"] == 4 and summary["errors"] == 0
    assert outbox_states(engine) == ["done", "done"]
    assert render_documents()["rendered"] == 0  # idempotent


def test_docs_print_merges_and_names_skipped_orders_and_docs_show_writes_one(
    engine: Engine, shop: SellerSetup, docs_dir: Path, tmp_path: Path
) -> None:
    from oms.cli.main import app

    accepted_orders(engine, shop, range(1, 3))
    import_orders(engine, shop, [make_order(3)])
    runner = CliRunner()
    out = tmp_path / "print.pdf"
    result = runner.invoke(
        app,
        [
            "docs",
            "print",
            "--kind",
            "invoice",
            "--orders",
            "1001",
            "1003",
            "1002",
            "9999",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped order 9999: not found" in result.output
    assert "skipped order 1003: is open" in result.output
    assert len(PdfReader(out).pages) == 2
    by_status = tmp_path / "confirmed.pdf"
    result = runner.invoke(
        app,
        [
            "docs",
            "print",
            "--kind",
            "both",
            "--status",
            "confirmed",
            "--since",
            "2026-11-01",
            "-o",
            str(by_status),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(PdfReader(by_status).pages) == 4
    with transaction(engine) as session:
        number = session.scalars(
            select(DocumentRow.number).where(DocumentRow.kind == "invoice")
        ).first()
    assert number is not None
    one = tmp_path / "one.pdf"
    result = runner.invoke(app, ["docs", "show", number, "-o", str(one)])
    assert result.exit_code == 0, result.output
    assert number in PdfReader(one).pages[0].extract_text()
    missing = runner.invoke(app, ["docs", "show", "R-1999-99999"])
    assert missing.exit_code == 2 and "not found" in missing.output
    nothing = runner.invoke(app, ["docs", "print", "1003", "-o", str(tmp_path / "x.pdf")])
    assert nothing.exit_code == 2 and "nothing to print" in nothing.output
