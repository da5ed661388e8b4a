"""Demo step of the order documents: every confirmed demo order gets its delivery note and
invoice under var/demo/documents/, and the invoices are bulk-printed into one PDF."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from rich.table import Table
from sqlalchemy import select

from demo.context import DemoContext
from documents.fetcher import ASSETS
from documents.logo import logo_setting
from documents.merge import merge_stored
from documents.outbox import DocumentsLog, documents_handler
from oms import actions
from oms.connection import ChannelConnection, ChannelKind
from oms.draining import drain
from oms.effects import Topic
from oms.model import NormalizedOrder
from oms.seller import Seller
from oms.status import Actor
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import DocumentRow, OrderRow

BULK = "bulk-invoices.pdf"


def _lac_leman_orders() -> list[NormalizedOrder]:
    """Three marketplace orders of the seller with a normal IBAN (creditor reference)."""

    def order(i: int, currency: str, method: str, lang: str) -> NormalizedOrder:
        address = {
            "name": ["Camille Rochat", "Marco Bernasconi", "Emma Keller"][i - 1],
            "street": f"Avenue de la Gare {i * 7}",
            "postal_code": "1003",
            "city": "Lausanne",
            "country": "CH",
        }
        price = Decimal("89.00") * i
        return NormalizedOrder.model_validate(
            {
                "platform": "mirakl",
                "channel_order_id": f"LL-{i}",
                "order_number": f"LL-{2000 + i}",
                "ordered_at": f"2026-11-2{i}T14:0{i}:00+01:00",
                "status": "open",
                "currency": currency,
                "buyer": {"name": address["name"], "email": None, "language": lang},
                "billing_address": address,
                "delivery_address": address,
                "lines": [
                    {
                        "sku": f"VASE-{i}",
                        "name": "Vase en verre soufflé",
                        "quantity": i,
                        "unit_price": "89.00",
                        "vat_rate": "8.1",
                        "total": str(price),
                    }
                ],
                "shipping": "9.00",
                "total": str(price + Decimal("9.00")),
                "payment": {"method": method, "paid": method == "prepaid"},
            }
        )

    return [
        order(1, "CHF", "invoice", "fr"),
        order(2, "EUR", "invoice", "it"),
        order(3, "CHF", "prepaid", "en"),
    ]


def _brand(ctx: DemoContext) -> None:
    """The bundled sample logo for both sellers; lac-leman gets its own colours and font."""
    _, logo = logo_setting(f"@{ASSETS / 'sample-logo.png'}")
    styles = {
        "alpen-tee": {},
        "lac-leman": {
            "primary_colour": "#5b2a86",
            "accent_colour": "#c2185b",
            "font": "DejaVu Serif",
            "thank_you": "Merci {buyer_name} pour votre commande {order_number} !",
            "disclaimer": "Retours sous 14 jours dans l'emballage d'origine.",
        },
    }
    with transaction(ctx.engine) as session:
        for slug, extra in styles.items():
            seller = seller_store.get_seller(session, slug)
            branding = seller.branding.model_copy(update={"logo_png_base64": logo, **extra})
            ctx.sellers[slug] = seller_store.save_settings(session, seller, "branding", branding)


def _confirm_lac_leman(ctx: DemoContext) -> Seller:
    seller = ctx.sellers["lac-leman"]
    with transaction(ctx.engine) as session:
        conn = seller_store.add_connection(
            session,
            seller,
            ChannelConnection(
                name="marketplace",
                platform="mirakl",
                kind=ChannelKind.MARKETPLACE,
                base_url="http://127.0.0.1",
                credentials_ref="env:SALES_SCALER_DEMO_NONE",
            ),
        )
        order_store.upsert_orders(session, seller, conn, _lac_leman_orders(), actor=Actor.SYSTEM)
    actions.confirm(ctx.engine, seller, ["LL-2001", "LL-2002", "LL-2003"])
    return seller


def render_documents(ctx: DemoContext) -> None:
    """Render the documents of every confirmed order (as the render-documents flow does),
    then bulk-print all invoices into var/demo/bulk-invoices.pdf."""
    ctx.step("documents: delivery notes, invoices, QR-bills")
    _brand(ctx)
    _confirm_lac_leman(ctx)
    log = DocumentsLog()
    report = drain(ctx.engine, Topic.DOCUMENTS, documents_handler(ctx.engine, log))
    for line in log.problems:
        ctx.console.print(f"note: {line}")
    with transaction(ctx.engine) as session:
        rows = session.execute(
            select(
                DocumentRow,
                OrderRow.order_number,
                (OrderRow.payment_method == "invoice") & ~OrderRow.paid,
                OrderRow.currency,
            )
            .join(OrderRow, OrderRow.id == DocumentRow.order_id)
            .order_by(DocumentRow.seller_id, DocumentRow.kind, DocumentRow.number)
        ).all()
    slugs = {s.id: s.slug for s in ctx.sellers.values()}
    table = Table("seller", "order", "document", "number", "lang", "QR-bill", "file")
    # Every QR-bill, then other documents up to 20 lines: the files are all on disk.
    shown = sorted(rows, key=lambda r: (not (r[0].kind == "invoice" and r[2]), r[0].id))[:20]
    for doc, number, payable, currency in shown:
        qr = ""
        if doc.kind == "invoice" and payable:
            iban = ctx.sellers[slugs[doc.seller_id]].profile
            qr = f"{'QRR' if iban.has_qr_iban else 'SCOR'} {currency}"
        path = Path(doc.path or "-")
        table.add_row(
            slugs[doc.seller_id], number, doc.kind, doc.number, doc.language, qr, path.name
        )
    ctx.console.print(table)
    if len(rows) > len(shown):
        ctx.console.print(f"… and {len(rows) - len(shown)} more documents")
    pages = _bulk_invoices(ctx)
    invoices = sum(1 for d, *_ in rows if d.kind == "invoice")
    ctx.console.print(
        f"{len(rows)} documents in {ctx.out / 'documents'}/ ({report.batches} batch(es)); "
        f"{invoices} invoices bulk-printed into {ctx.out / BULK} ({pages} pages)"
    )
    ctx.summary["documents"] = {
        "delivery_notes": sum(1 for d, *_ in rows if d.kind == "delivery_note"),
        "invoices": invoices,
        "qr_bills": sum(1 for d, _, payable, _c in rows if d.kind == "invoice" and payable),
        "bulk_invoice_pages": pages,
        "problems": len(log.problems),
    }


def _bulk_invoices(ctx: DemoContext) -> int:
    """All sellers' invoices, oldest order first, in one PDF."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for seller in ctx.sellers.values():
        with transaction(ctx.engine) as session:
            ids = list(
                session.scalars(
                    select(DocumentRow.order_id)
                    .where(DocumentRow.seller_id == seller.id, DocumentRow.kind == "invoice")
                    .order_by(DocumentRow.order_id)
                )
            )
        buffer = io.BytesIO()
        merge_stored(ctx.engine, seller, ids, ["invoice"], buffer)
        if ids:
            writer.append(PdfReader(io.BytesIO(buffer.getvalue())))
    with (ctx.out / BULK).open("wb") as out:
        writer.write(out)
    return len(writer.pages)
