"""The documents API the rest of Sales Scaler calls (emails, seller API, accounting, CLI).

kinds are exactly "invoice" and "delivery_note".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from documents import store
from documents.fetcher import ASSETS
from documents.merge import merge_stored
from documents.render import render_html
from documents.sample import sample_order
from documents.service import render_orders
from documents.view import KINDS, invoice_view, local_date
from oms.seller import Seller
from oms.store.db import transaction


def render_missing(
    engine: Engine,
    seller: Seller,
    order_ids: Sequence[int],
    kinds: Sequence[str] = ("delivery_note", "invoice"),
) -> list[str]:
    """Render and store any missing document of these orders (idempotent, gapless numbers);
    returns the problems as "order N: reason" lines (open / cancelled orders included)."""
    return render_orders(engine, seller, order_ids, kinds).lines()


def stored_pdf(
    engine: Engine, seller: Seller, order_id: int, kind: str
) -> tuple[str, bytes] | None:
    """(document number, PDF bytes) of a stored document, or None when there is none."""
    with transaction(engine) as session:
        doc = store.documents_of(session, seller.id, [order_id], [kind]).get((order_id, kind))
    if doc is None:
        return None
    pdf = store.read_pdf(doc)
    return (doc.number, pdf) if pdf is not None else None


def merge_pdfs(
    engine: Engine, seller: Seller, order_ids: Sequence[int], kinds: Sequence[str]
) -> tuple[bytes, list[str]]:
    """One PDF of these orders' documents (rendering missing ones first), in the order given,
    and the orders skipped with the reason."""
    out = io.BytesIO()
    merged = merge_stored(engine, seller, order_ids, kinds, out)
    return out.getvalue(), merged.skipped


def preview_invoice_html(seller: Seller) -> str:
    """An HTML preview of an invoice with sample data and the seller's branding."""
    today = local_date(datetime.now(UTC), seller)
    number = "PREVIEW-00001"
    view = invoice_view(seller, sample_order(seller, language=None), number, today)
    css = (ASSETS / "documents.css").read_text(encoding="utf-8")
    return render_html(view).replace("</head>", f"<style>{css}</style>\n</head>", 1)


__all__ = ["KINDS", "merge_pdfs", "preview_invoice_html", "render_missing", "stored_pdf"]
