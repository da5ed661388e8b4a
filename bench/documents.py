"""Benchmark of the order documents: `python -m bench.documents [invoices] [baseline]`.

1. Invoices with a QR-bill, warm, in one process: ms per document (wall and CPU),
   against a plain WeasyPrint render of the same HTML with default settings
   (default URL fetcher, no shared font configuration, stylesheet inline).
2. Half of them again in a pool of 2 processes, warm (the spawn start-up is reported
   apart): documents per second vs 1 process.
3. Bulk print of 1,000 stored documents into one PDF (the files are the invoices
   of step 1, stored once per order and document row), including the check that
   every one is stored.
Goals: <= 150 ms per invoice per core; bulk print of 1,000 stored documents < 5 s.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from bench.common import Figure, write
from documents.fetcher import ASSETS
from documents.render import RenderJob, build_view, render_html, render_job
from documents.sample import sample_order
from documents.service import POOL_FROM, render_jobs
from oms.seller import Seller, SellerProfile

ISSUED = date(2026, 11, 29)
T = TypeVar("T")
R = TypeVar("R")


def demo_seller(seller_id: int = 1) -> Seller:
    return Seller(
        id=seller_id,
        profile=SellerProfile(
            slug="bench",
            name="Alpen Handels AG",
            street="Bahnhofstrasse",
            house_number="12",
            postal_code="8001",
            city="Zürich",
            vat_number="CHE-116.281.710 MWST",
            iban="CH44 3199 9123 0008 8901 2",
        ),
    )


def jobs(count: int) -> list[RenderJob]:
    seller = demo_seller()
    return [
        RenderJob(
            seller,
            sample_order(seller, order_id=i, number=str(10_000 + i), lines=1 + i % 5),
            "invoice",
            f"R-2026-{i:05}",
            ISSUED,
        )
        for i in range(1, count + 1)
    ]


def timed(func: Callable[[T], R], items: Sequence[T]) -> tuple[float, float, list[R]]:
    """(wall seconds, CPU seconds of this process, results)."""
    wall, cpu = time.perf_counter(), time.process_time()
    results = [func(x) for x in items]
    return time.perf_counter() - wall, time.process_time() - cpu, results


def plain_weasyprint(html: str) -> bytes:
    from weasyprint import HTML

    css = (ASSETS / "documents.css").read_text(encoding="utf-8")
    page = html.replace("</head>", f"<style>{css}</style></head>", 1)
    pdf: bytes = HTML(string=page, base_url=str(ASSETS) + "/").write_pdf()
    return pdf


def bulk_print(pdfs: list[bytes], documents: int) -> tuple[float, int]:
    """Store `documents` invoices (rows + files) in a fresh SQLite database, then time the
    bulk print of all of them into one PDF. Returns (seconds, pages)."""
    from documents import store
    from documents.merge import merge_stored
    from oms.connection import ChannelConnection, ChannelKind
    from oms.status import Actor
    from oms.store import orders as order_store
    from oms.store import sellers as seller_store
    from oms.store.db import make_engine, transaction
    from oms.store.migrate import upgrade
    from tests.factories import make_order

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        with transaction(engine) as session:
            seller = seller_store.add_seller(session, demo_seller().profile)
            conn = seller_store.add_connection(
                session,
                seller,
                ChannelConnection(
                    name="shop",
                    platform="shopify",
                    kind=ChannelKind.WEBSHOP,
                    base_url="http://127.0.0.1:9",
                    credentials_ref="env:BENCH_NONE",
                ),
            )
            orders = [make_order(i, status="confirmed") for i in range(documents)]
            order_store.upsert_orders(session, seller, conn, orders, actor=Actor.SYSTEM)
            ids = store.order_ids_by_status(session, seller.id, "confirmed")
        docs = store.issue(engine, seller, [(i, "invoice", "de") for i in ids], datetime.now(UTC))
        root = Path(tmp) / "documents"
        for n, order_id in enumerate(ids):
            doc = docs[(order_id, "invoice")]
            target = store.document_path(root, seller, "invoice", doc.number)
            store.save_pdf(engine, doc, target, pdfs[n % len(pdfs)])
        start = time.perf_counter()
        out = io.BytesIO()
        merged = merge_stored(engine, seller, ids, ["invoice"], out)
        seconds = time.perf_counter() - start
        engine.dispose()
        assert merged.documents == documents, merged.skipped[:3]
        return seconds, merged.pages


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    baseline_count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    work = jobs(count)
    render_job(work[0])  # warm: fonts registered, templates compiled
    plain_weasyprint(render_html(build_view(work[0])))
    wall, cpu, results = timed(render_job, work)
    ours_ms, ours_cpu_ms = wall / count * 1000, cpu / count * 1000
    htmls = [render_html(build_view(j)) for j in work[:baseline_count]]
    bwall, bcpu, _ = timed(plain_weasyprint, htmls)
    base_ms, base_cpu_ms = bwall / baseline_count * 1000, bcpu / baseline_count * 1000
    html_cpu = time.process_time()
    for job in work[:baseline_count]:
        render_html(build_view(job))
    view_ms = (time.process_time() - html_cpu) / baseline_count * 1000
    start = time.perf_counter()
    warm_up = list(render_jobs(work[:POOL_FROM], workers=2))  # spawns the 2 workers
    pool_start_s = time.perf_counter() - start
    pool_work = work[POOL_FROM : POOL_FROM + max(POOL_FROM, count // 2)]
    pool_begin = time.perf_counter()
    pooled = warm_up + list(render_jobs(pool_work, workers=2))
    pool_wall = time.perf_counter() - pool_begin
    assert all(not isinstance(r, str) for r in pooled), [r for r in pooled if isinstance(r, str)]
    pdfs = [r.pdf for r in results]
    bulk_s, pages = bulk_print(pdfs, 1000)
    load = os.getloadavg()[0]
    figures = [
        Figure(
            "invoice with QR-bill, warm, 1 process (wall)",
            ours_ms,
            "ms/document",
            baseline=base_ms,
            baseline_name="plain WeasyPrint, default settings, same HTML",
            goal="<= 150 ms per invoice per core",
            ratio=ours_ms / base_ms,
            met=ours_ms <= 150,
        ),
        Figure(
            "invoice with QR-bill, warm, 1 process (CPU)",
            ours_cpu_ms,
            "ms/document",
            baseline=base_cpu_ms,
            baseline_name="plain WeasyPrint, default settings (CPU)",
            goal="<= 150 ms per invoice per core",
            ratio=ours_cpu_ms / base_cpu_ms,
            met=ours_cpu_ms <= 150,
        ),
        Figure(
            "of which view model + QR-bill + HTML (CPU)",
            view_ms,
            "ms/document",
        ),
        Figure(
            "invoices in a pool of 2 processes, warm",
            len(pool_work) / pool_wall,
            "documents/s",
            baseline=count / wall,
            baseline_name="1 process, warm",
            ratio=(len(pool_work) / pool_wall) / (count / wall),
        ),
        Figure(
            "bulk print of 1,000 stored documents into one PDF",
            bulk_s,
            "s",
            goal="< 5 s",
            met=bulk_s < 5,
        ),
    ]
    write(
        "documents",
        figures,
        {
            "invoices": count,
            "baseline_invoices": baseline_count,
            "bulk_pages": pages,
            "pool_start_up_s_incl_first_12": round(pool_start_s, 2),
            "load_average_1min": load,
            "cpus": os.cpu_count(),
        },
    )


if __name__ == "__main__":
    main()
