"""Concatenating stored PDFs: PDFium (when installed) and the pypdf fallback agree."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from documents.merge import _concatenate_pypdf, concatenate
from documents.render import RenderJob, render_job
from documents.sample import sample_order
from oms.model import PaymentMethod
from tests.documents.test_views import seller


def test_both_ways_of_concatenating_keep_every_page_in_order() -> None:
    s = seller()
    pdfs = [
        render_job(
            RenderJob(
                s,
                sample_order(s, number=n, method=PaymentMethod.PREPAID),
                kind,
                f"X-{n}",
                date(2026, 11, 29),
            )
        ).pdf
        for n, kind in (("1001", "invoice"), ("1002", "delivery_note"), ("1003", "invoice"))
    ]
    texts = []
    for merge in (concatenate, _concatenate_pypdf):
        out = io.BytesIO()
        assert merge(pdfs, out) == 3
        pages = PdfReader(io.BytesIO(out.getvalue())).pages
        texts.append([p.extract_text() for p in pages])
    assert texts[0] == texts[1]
    assert ["X-1001" in texts[0][0], "X-1002" in texts[0][1], "X-1003" in texts[0][2]] == [True] * 3


def test_a_long_invoice_moves_its_qr_bill_to_the_last_page_and_numbers_its_pages() -> None:
    import pypdfium2
    import zxingcpp

    s = seller()
    order = sample_order(s, number="2001", language="de", lines=40)
    pdf = render_job(RenderJob(s, order, "invoice", "R-2026-00042", date(2026, 11, 29))).pdf
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 2
    assert "Seite 1 / 2" in pages[0].extract_text() and "Seite 2 / 2" in pages[1].extract_text()
    assert "Zahlteil" not in pages[0].extract_text() and "Zahlteil" in pages[1].extract_text()
    document = pypdfium2.PdfDocument(pdf)
    found = [
        len(zxingcpp.read_barcodes(document[i].render(scale=200 / 72).to_pil())) for i in (0, 1)
    ]
    assert found == [0, 1]


def test_a_large_batch_renders_in_a_pool_of_processes_in_the_order_given() -> None:
    from documents.service import POOL_FROM, render_jobs

    s = seller()
    jobs = [
        RenderJob(
            s, sample_order(s, number=str(3000 + i)), "delivery_note", f"L-{i}", date(2026, 11, 29)
        )
        for i in range(POOL_FROM)
    ]
    results = list(render_jobs(jobs, workers=2))
    assert [getattr(r, "number", r) for r in results] == [f"L-{i}" for i in range(POOL_FROM)]
    assert all(getattr(r, "pdf", b"")[:5] == b"%PDF-" for r in results)
