"""The rendered PDFs: every required element in the text (pypdf), the QR-bill decoded
from the rendered page (pypdfium2 + zxing-cpp) and checked field by field against the
order without trusting qrbill, hostile text end to end, and PNGs for a person to look at.
Both databases."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import Engine

from documents import api
from oms.model import Tracking
from oms.seller import Branding, Seller
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.vat import vat_breakdown
from tests.documents.conftest import ARTIFACTS, RecordingServer, accepted_orders
from tests.documents.test_fetcher import attachments
from tests.documents.test_references import independent_mod10_ok, independent_mod97_ok
from tests.factories import IBAN, QR_IBAN, SellerSetup, add_demo_seller

INVOICE = {"method": "invoice", "paid": False}
YEAR = datetime.now(UTC).year


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \t]+", " ", text)


def stored(engine: Engine, seller: Seller, order_id: int, kind: str) -> tuple[str, bytes]:
    result = api.stored_pdf(engine, seller, order_id, kind)
    assert result is not None
    return result


def with_branding(engine: Engine, setup: SellerSetup, **values: str) -> Seller:
    with transaction(engine) as session:
        return seller_store.save_settings(session, setup.seller, "branding", Branding(**values))


def test_the_invoice_and_the_delivery_note_show_every_required_element(
    engine: Engine, shop: SellerSetup, docs_dir: Path
) -> None:
    seller = with_branding(
        engine,
        shop,
        thank_you="Merci {buyer_name}, commande {order_number}.",
        after_sales="Hilfe: hilfe@alpen.example",
        disclaimer="Rückgabe innert 14 Tagen.",
    )
    (order_id,) = accepted_orders(engine, shop, range(7, 8), payment=INVOICE)
    from oms import actions

    actions.track(engine, seller, [("1007", Tracking(tracking_id="99.60.123456.78901234"))])
    assert api.render_missing(engine, seller, [order_id]) == []
    number, invoice = stored(engine, seller, order_id, "invoice")
    text = pdf_text(invoice)
    due = "30 Tagen"
    for element in [
        "Alpen Handels AG",
        "Bahnhofstrasse 12",
        "CH-8001 Zürich",
        "CHE-116.281.710 MWST",
        "Buyer 7",
        "Seestrasse 5",
        "CH-8002 Zürich",  # buyer and billing address
        "Rechnung",
        f"R-{YEAR}-00001",
        "Rechnungsdatum",
        "Lieferdatum",
        "Bestellnummer",
        "1007",
        "20.11.2026",  # order number and date as received
        "TEA-1",
        "Alpine tea",
        "MUG-1",
        "Mug",
        "12.50",
        "19.90",
        "2.6 %",
        "8.1 %",
        "25.00",
        "Versand",
        "7.00",
        "Total",
        "CHF 51.90",
        "Fällig am",
        due,
        "OFFEN",
        "Merci Buyer 7, commande 1007.",
        "Hilfe: hilfe@alpen.example",
        "Rückgabe innert 14 Tagen.",
        "Zahlteil",
        "Empfangsschein",
    ]:
        assert element in text, element
    for vat in vat_breakdown(
        [(Decimal("25.00"), Decimal("2.6")), (Decimal("19.90"), Decimal("8.1"))], Decimal("7.00")
    ):
        assert f"davon MWST {vat.rate} % auf CHF {vat.gross:.2f}: CHF {vat.vat:.2f}" in text
    assert number == f"R-{YEAR}-00001"
    _, note = stored(engine, seller, order_id, "delivery_note")
    text = pdf_text(note)
    for element in [
        "Lieferschein",
        f"L-{YEAR}-00001",
        "LIEFERADRESSE",
        "Buyer 7",
        "Seestrasse 5",
        "1007",
        "20.11.2026",
        "CHE-116.281.710 MWST",
        "TEA-1",
        "Alpine tea",
        "MUG-1",
        "99.60.123456.78901234",
        "Merci Buyer 7, commande 1007.",
        "Rückgabe innert 14 Tagen.",
        "Alpen Handels AG",
    ]:
        assert element in text, element
    assert "12.50" not in text and "51.90" not in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, pdf in (("invoice", invoice), ("delivery-note", note)):
        page = pypdfium2.PdfDocument(pdf)[0]
        page.render(scale=150 / 72).to_pil().save(ARTIFACTS / f"{name}-{engine.dialect.name}.png")


def scan_qr(pdf: bytes) -> list[str]:
    """Lines of the QR code on the last page, read from pixels."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[len(document) - 1].render(scale=300 / 72).to_pil()
    codes = [c for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1
    return codes[0].text.replace("\r\n", "\n").split("\n")


@pytest.mark.parametrize(("iban", "ref_type"), [(QR_IBAN, "QRR"), (IBAN, "SCOR")])
def test_the_qr_bill_decodes_to_a_valid_swiss_payments_code_for_the_order(
    engine: Engine, docs_dir: Path, iban: str, ref_type: str
) -> None:
    setup = add_demo_seller(engine, slug="payee", iban=iban)
    language = {"QRR": "fr", "SCOR": "it"}[ref_type]
    (order_id,) = accepted_orders(
        engine,
        setup,
        range(3, 4),
        payment=INVOICE,
        currency="EUR",
        buyer={"name": "Luc Favre", "email": None, "language": language},
        billing_address={
            "name": "Luc Favre",
            "company": None,
            "street": "Rue du Lac 14b",
            "street2": None,
            "postal_code": "1003",
            "city": "Lausanne",
            "country": "CH",
        },
    )
    api.render_missing(engine, setup.seller, [order_id], ["invoice"])
    number, pdf = stored(engine, setup.seller, order_id, "invoice")
    f = scan_qr(pdf)
    assert f[0:3] == ["SPC", "0200", "1"]
    assert f[3] == iban.replace(" ", "")
    assert f[4:11] == ["S", "Alpen Handels AG", "Bahnhofstrasse", "12", "8001", "Zürich", "CH"]
    assert f[11:18] == [""] * 7  # no ultimate creditor
    assert f[18:20] == ["51.90", "EUR"]
    assert f[20:27] == ["S", "Luc Favre", "Rue du Lac", "14b", "1003", "Lausanne", "CH"]
    assert f[27] == ref_type
    reference = f[28]
    if ref_type == "QRR":
        assert len(reference) == 27 and reference.isdigit() and independent_mod10_ok(reference)
        assert reference.lstrip("0")[:-1] == re.sub(r"\D", "", number).lstrip("0")
    else:
        assert reference.startswith("RF") and independent_mod97_ok(reference)
        assert reference[4:] == number.replace("-", "")
    assert f[29] == number and f[30] == "EPD"
    text = pdf_text(pdf)
    assert {"fr": "Section paiement", "it": "Sezione pagamento"}[language] in text


def test_a_prepaid_order_gets_no_qr_bill(engine: Engine, shop: SellerSetup, docs_dir: Path) -> None:
    (order_id,) = accepted_orders(engine, shop, range(4, 5))
    api.render_missing(engine, shop.seller, [order_id], ["invoice"])
    text = pdf_text(stored(engine, shop.seller, order_id, "invoice")[1])
    assert "BEZAHLT" in text and "Zahlteil" not in text


def test_hostile_seller_and_buyer_text_prints_as_literal_text_and_fetches_nothing(
    engine: Engine, shop: SellerSetup, docs_dir: Path, recording_server: RecordingServer
) -> None:
    attacks = {
        "img": '<img src="file:///etc/hostname">',
        "link": '<link rel="attachment" href="file:///etc/hostname">',
        "import": f"<style>@import url({recording_server.url}/x.css);</style>",
        "jinja": "{{ 7*7 }}",
        "loop": "{% for x in range(99) %}LOOP{% endfor %}",
    }
    seller = with_branding(
        engine,
        shop,
        thank_you=attacks["import"],
        after_sales=attacks["jinja"],
        disclaimer=attacks["loop"],
    )
    address = {
        "name": attacks["img"],
        "company": None,
        "street": attacks["link"],
        "street2": None,
        "postal_code": "8002",
        "city": "Zürich",
        "country": "CH",
    }
    (order_id,) = accepted_orders(
        engine,
        shop,
        range(5, 6),
        payment=INVOICE,
        buyer={"name": attacks["img"], "email": None, "language": "de"},
        billing_address=address,
        delivery_address=address,
    )
    assert api.render_missing(engine, seller, [order_id]) == []
    for kind in ("invoice", "delivery_note"):
        pdf = stored(engine, seller, order_id, kind)[1]
        text = pdf_text(pdf).replace("\n", "")
        for attack in attacks.values():
            assert attack.replace(" ", "") in text.replace(" ", ""), (kind, attack)
        # The literal "{{ 7*7 }}" above proves it was not evaluated (a "49" may well appear
        # in a date, a reference or an amount); the loop printed once, as text.
        assert "LOOPLOOP" not in text
        assert attachments(pdf) == {}
    assert recording_server.hits == []


def test_merged_pdfs_keep_the_order_asked_and_name_what_was_skipped(
    engine: Engine, shop: SellerSetup, docs_dir: Path
) -> None:
    ids = accepted_orders(engine, shop, range(1, 3))
    from tests.factories import import_orders, make_order

    import_orders(engine, shop, [make_order(9)])
    from tests.documents.conftest import order_ids

    (open_id,) = order_ids(engine, shop, ["1009"])
    pdf, skipped = api.merge_pdfs(
        engine, shop.seller, [ids[1], open_id, ids[0]], ["invoice", "delivery_note"]
    )
    assert skipped == ["order 1009: is open: documents exist once it is confirmed"]
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 4
    assert "1002" in pages[0] and "Rechnung" in pages[0] and "Lieferschein" in pages[1]
    assert "1001" in pages[2]


def test_the_preview_is_html_with_the_sellers_branding(engine: Engine, shop: SellerSetup) -> None:
    seller = with_branding(engine, shop, primary_colour="#aa0000", thank_you="Grazie!")
    html = api.preview_invoice_html(seller)
    assert "#aa0000" in html and "Grazie!" in html and "Alpen Handels AG" in html
    assert "<style>" in html and "qr-bill" in html
