"""Document rows and files: gapless numbers, the stored PDF, and the accounting event.

A number is taken in the same transaction that inserts the document row (and,
for an invoice, the `invoice_issued` outbox row): if anything fails, all three
roll back together and no number is lost. The PDF is rendered afterwards and
recorded on the row; a retry finds the row and reuses its number.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from documents.render import file_name
from oms.effects import Event, Topic
from oms.numbering import format_number
from oms.seller import Seller
from oms.store import outbox, sequences
from oms.store.db import transaction
from oms.store.schema import DocumentRow, OrderEventRow, OrderRow, rowcount


@dataclass(frozen=True)
class StoredDocument:
    id: int
    order_id: int
    kind: str
    number: str
    language: str
    path: str | None
    sha256: str | None
    issued_at: datetime

    @property
    def has_file(self) -> bool:
        return self.path is not None and Path(self.path).is_file()


def _stored(row: DocumentRow) -> StoredDocument:
    return StoredDocument(
        row.id,
        row.order_id,
        row.kind,
        row.number,
        row.language,
        row.path,
        row.sha256,
        row.issued_at,
    )


def documents_of(
    session: Session, seller_id: int, order_ids: Sequence[int], kinds: Sequence[str]
) -> dict[tuple[int, str], StoredDocument]:
    """(order id, kind) -> the document row, for the orders that have one."""
    if not order_ids:
        return {}
    rows = session.scalars(
        select(DocumentRow).where(
            DocumentRow.seller_id == seller_id,
            DocumentRow.order_id.in_(list(order_ids)),
            DocumentRow.kind.in_(list(kinds)),
        )
    )
    return {(r.order_id, r.kind): _stored(r) for r in rows}


def document_by_number(session: Session, seller_id: int, number: str) -> StoredDocument | None:
    row = session.scalar(
        select(DocumentRow)
        .where(DocumentRow.seller_id == seller_id, DocumentRow.number == number)
        .order_by(DocumentRow.id)
        .limit(1)
    )
    return _stored(row) if row is not None else None


def _number_format(seller: Seller, kind: str) -> str:
    if kind == "invoice":
        return seller.documents.invoice_number_format
    return seller.documents.delivery_note_number_format


def issue(
    engine: Engine,
    seller: Seller,
    wanted: Sequence[tuple[int, str, str]],
    now: datetime,
) -> dict[tuple[int, str], StoredDocument]:
    """Give each (order id, kind, language) without a row its number and row, in one
    transaction; an order that got its row meanwhile (another worker) keeps that one."""
    year = now.astimezone(ZoneInfo(seller.profile.timezone)).year
    order_ids = [o for o, _, _ in wanted]
    kinds = sorted({k for _, k, _ in wanted})
    with transaction(engine) as session:
        have = documents_of(session, seller.id, order_ids, kinds)
        # One kind after the other: every worker locks the sequence rows in the same order.
        for order_id, kind, language in sorted(wanted, key=lambda w: (w[1], w[0])):
            if (order_id, kind) in have:
                continue
            try:
                with session.begin_nested():  # a clash rolls back this number too
                    seq = sequences.next_value(session, seller.id, kind, period=year)
                    row = DocumentRow(
                        seller_id=seller.id,
                        order_id=order_id,
                        kind=kind,
                        number=format_number(_number_format(seller, kind), year, seq),
                        language=language,
                        path=None,
                        sha256=None,
                        issued_at=now,
                    )
                    session.add(row)
                    session.flush()
                    if kind == "invoice":
                        _invoice_issued(session, seller.id, row)
            except IntegrityError:
                continue  # another worker issued it meanwhile: read below
            have[(order_id, kind)] = _stored(row)
        if any((o, k) not in have for o, k, _ in wanted):
            have = documents_of(session, seller.id, order_ids, kinds)
        return have


def _invoice_issued(session: Session, seller_id: int, row: DocumentRow) -> None:
    outbox.enqueue(
        session,
        seller_id,
        row.order_id,
        Topic.ACCOUNTING,
        Event.INVOICE_ISSUED.value,
        str(row.order_id),  # the item key: accounting:invoice_issued:<order id>
        {
            "invoice_number": row.number,
            "document_id": row.id,
            "issued_at": row.issued_at.isoformat(),
        },
    )


def document_path(root: Path, seller: Seller, kind: str, number: str) -> Path:
    return root / seller.slug / kind / f"{file_name(number)}.pdf"


def save_pdf(engine: Engine, doc: StoredDocument, target: Path, pdf: bytes) -> bool:
    """Write the PDF and record path + sha256 on the row; the first writer wins.

    The file is written to a temporary name and moved into place inside the
    transaction that records it, so the row never names a half-written file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(pdf).hexdigest()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(pdf)
    try:
        with transaction(engine) as session:
            taken = session.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc.id, DocumentRow.sha256.is_(None))
                .values(path=str(target.resolve()), sha256=digest)
            )
            if rowcount(taken) == 0 and not _file_lost(session, doc.id):
                return False
            if rowcount(taken) == 0:  # recorded before, but the file is gone: write it again
                session.execute(
                    update(DocumentRow)
                    .where(DocumentRow.id == doc.id)
                    .values(path=str(target.resolve()), sha256=digest)
                )
            os.replace(tmp, target)
            return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _file_lost(session: Session, doc_id: int) -> bool:
    path = session.scalar(select(DocumentRow.path).where(DocumentRow.id == doc_id))
    return path is None or not Path(path).is_file()


def read_pdf(doc: StoredDocument) -> bytes | None:
    """The stored bytes when the file is there and matches its sha256."""
    if not doc.has_file or doc.path is None:
        return None
    data = Path(doc.path).read_bytes()
    return data if hashlib.sha256(data).hexdigest() == doc.sha256 else None


def shipped_at(session: Session, order_ids: Sequence[int]) -> dict[int, datetime]:
    """When each order was shipped, for the invoice's date of supply."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(OrderEventRow.order_id, OrderEventRow.at).where(
            OrderEventRow.order_id.in_(list(order_ids)), OrderEventRow.kind == "ship"
        )
    ).all()
    return {order_id: at for order_id, at in rows}


def order_ids_by_number(session: Session, seller_id: int, numbers: Sequence[str]) -> dict[str, int]:
    """Order number -> order id, for the numbers this seller has."""
    rows = session.execute(
        select(OrderRow.order_number, OrderRow.id).where(
            OrderRow.seller_id == seller_id, OrderRow.order_number.in_(list(numbers))
        )
    ).all()
    return {number: order_id for number, order_id in rows}


def order_ids_by_status(
    session: Session, seller_id: int, status: str, since: datetime | None = None
) -> list[int]:
    """Ids of the seller's orders in `status` (ordered since `since`), oldest first."""
    query = select(OrderRow.id).where(OrderRow.seller_id == seller_id, OrderRow.status == status)
    if since is not None:
        query = query.where(OrderRow.ordered_at >= since)
    return list(session.scalars(query.order_by(OrderRow.ordered_at, OrderRow.id)))
