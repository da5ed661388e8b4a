"""`/v1/.../documents`: one stored PDF, or many documents merged into one PDF."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy import Engine

from api.auth import EngineDep, SellerDep
from api.errors import ERROR_RESPONSES, ApiError, refuse_nul
from api.models import DocumentKind, MergeRequest
from oms.errors import Conflict, ErrorCode, NotFound
from oms.seller import Seller
from oms.store import orders as store
from oms.store.db import transaction

router = APIRouter(
    prefix="/v1", tags=["documents"], responses=ERROR_RESPONSES, dependencies=[Depends(refuse_nul)]
)
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF"}
}


def one_pdf(engine: Engine, seller: Seller, number: str, kind: str) -> tuple[str, bytes]:
    """The stored document of an order (rendered first when it is missing)."""
    from documents import api as documents

    with transaction(engine) as session:
        ids = store.order_ids(session, seller, [number])
    if number not in ids:
        raise NotFound("order", number)
    found = documents.stored_pdf(engine, seller, ids[number], kind)
    if found is None:
        problems = documents.render_missing(engine, seller, [ids[number]], [kind])
        found = documents.stored_pdf(engine, seller, ids[number], kind)
        if found is None:
            raise Conflict("; ".join(problems) or f"order {number}: no {kind} for this order")
    return found


def merged_pdf(
    engine: Engine, seller: Seller, numbers: Sequence[str], kinds: Sequence[str]
) -> tuple[bytes, list[str]]:
    """One PDF of the documents of many orders, and the orders skipped with their reasons."""
    from documents import api as documents

    with transaction(engine) as session:
        ids = store.order_ids(session, seller, numbers)
    skipped = [f"order {n}: not found" for n in dict.fromkeys(numbers) if n not in ids]
    if not ids:
        return b"", skipped
    pdf, more = documents.merge_pdfs(engine, seller, list(ids.values()), list(kinds))
    return (pdf if _pages(pdf) else b""), skipped + more


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages) if pdf else 0


def pdf_response(pdf: bytes, filename: str, skipped: Sequence[str] = ()) -> Response:
    headers = {"Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}"}
    if skipped:
        headers["X-Skipped-Count"] = str(len(skipped))
        headers["X-Skipped"] = json.dumps(list(skipped)[:50], ensure_ascii=True)[:4000]
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get(
    "/orders/{number}/documents/{kind}",
    summary="The delivery note or the invoice of an order, as PDF",
    responses=PDF,
    response_class=Response,
)
def order_document(
    engine: EngineDep,
    seller: SellerDep,
    number: Annotated[str, Path(min_length=1, max_length=64)],
    kind: DocumentKind,
) -> Response:
    doc_number, pdf = one_pdf(engine, seller, number, kind)
    return pdf_response(pdf, f"{doc_number}.pdf")


@router.post(
    "/documents/merge",
    summary="The documents of many orders as one PDF; skipped orders in X-Skipped",
    responses=PDF,
    response_class=Response,
)
def merge_documents(engine: EngineDep, seller: SellerDep, body: MergeRequest) -> Response:
    pdf, skipped = merged_pdf(engine, seller, body.order_numbers, body.kinds)
    if not pdf:
        raise ApiError(409, ErrorCode.CONFLICT, "no document to print", details=skipped)
    return pdf_response(pdf, "documents.pdf", skipped)
