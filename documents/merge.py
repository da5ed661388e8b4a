"""Bulk printing: many stored PDFs merged into one, in the order asked, without re-rendering.

The merge uses PDFium (pypdfium2) when it is installed — about ten times less CPU
than pypdf for 1,000 invoices — and pypdf, a declared dependency, otherwise.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import Engine

from documents import store
from documents.service import render_orders
from oms.seller import Seller
from oms.store.db import transaction


@dataclass
class Merged:
    pages: int = 0
    documents: int = 0
    orders: list[int] = field(default_factory=list)  # the orders printed
    skipped: list[str] = field(default_factory=list)  # "order N: reason"


def merge_stored(
    engine: Engine,
    seller: Seller,
    order_ids: Sequence[int],
    kinds: Sequence[str],
    out: BinaryIO,
    render: bool = True,
) -> Merged:
    """Write one PDF of these orders' documents to `out` (rendering missing ones first)."""
    report = render_orders(engine, seller, order_ids, kinds) if render else None
    result = Merged()
    bad = {**report.skipped, **report.errors} if report else {}
    result.skipped = [
        f"order {report.numbers.get(i, f'#{i}') if report else i}: {why}" for i, why in bad.items()
    ]
    with transaction(engine) as session:
        docs = store.documents_of(session, seller.id, list(order_ids), kinds)
    pdfs: list[bytes] = []
    for order_id in dict.fromkeys(order_ids):
        if order_id in bad:
            continue
        found = []
        for kind in kinds:
            doc = docs.get((order_id, kind))
            pdf = store.read_pdf(doc) if doc else None
            if pdf is None:
                name = report.numbers.get(order_id, f"#{order_id}") if report else order_id
                result.skipped.append(f"order {name}: {kind.replace('_', ' ')} is not stored")
                continue
            found.append(pdf)
        pdfs += found
        if found:
            result.orders.append(order_id)
    result.documents = len(pdfs)
    result.pages = concatenate(pdfs, out)
    return result


def concatenate(pdfs: Sequence[bytes], out: BinaryIO) -> int:
    """Write the pages of `pdfs`, in order, as one PDF to `out`; returns the page count."""
    try:
        import pypdfium2
    except ImportError:
        return _concatenate_pypdf(pdfs, out)
    merged = pypdfium2.PdfDocument.new()
    try:
        for pdf in pdfs:
            source = pypdfium2.PdfDocument(pdf)
            try:
                merged.import_pages(source)
            finally:
                source.close()
        merged.save(out)
        return len(merged)
    finally:
        merged.close()


def _concatenate_pypdf(pdfs: Sequence[bytes], out: BinaryIO) -> int:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    writer.write(out)
    return len(writer.pages)
