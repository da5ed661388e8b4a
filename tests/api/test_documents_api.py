"""Documents through the API: one order's PDF, and many merged into one PDF."""

from __future__ import annotations

import io
import json

from fastapi.testclient import TestClient
from pypdf import PdfReader


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_an_orders_invoice_and_delivery_note_come_as_pdf(client: TestClient) -> None:
    client.post("/v1/orders/1001/confirm")
    invoice = client.get("/v1/orders/1001/documents/invoice")
    assert invoice.status_code == 200
    assert invoice.headers["content-type"] == "application/pdf"
    assert "1001" in _text(invoice.content)
    again = client.get("/v1/orders/1001/documents/invoice")
    assert again.headers["content-disposition"] == invoice.headers["content-disposition"]
    note = client.get("/v1/orders/1001/documents/delivery_note")
    assert note.status_code == 200 and note.content.startswith(b"%PDF")
    open_order = client.get("/v1/orders/1002/documents/invoice")
    assert open_order.status_code == 409
    assert open_order.json()["error"]["message"].startswith("order 1002")
    assert client.get("/v1/orders/9999/documents/invoice").status_code == 404
    assert client.get("/v1/orders/1001/documents/receipt").status_code == 422


def test_many_invoices_merge_into_one_pdf_and_skipped_orders_say_why(client: TestClient) -> None:
    client.post("/v1/orders/confirm", json={"order_numbers": ["1001", "1002"]})
    merged = client.post(
        "/v1/documents/merge",
        json={"order_numbers": ["1002", "1001", "1003", "9999"], "kinds": ["invoice"]},
    )
    assert merged.status_code == 200
    text = _text(merged.content)
    assert "1001" in text and "1002" in text and "1003" not in text
    skipped = json.loads(merged.headers["x-skipped"])
    assert merged.headers["x-skipped-count"] == "2"
    assert any(s.startswith("order 1003") for s in skipped)
    assert "order 9999: not found" in skipped
    nothing = client.post("/v1/documents/merge", json={"order_numbers": ["1004"]})
    assert nothing.status_code == 409
    assert nothing.json()["error"]["details"][0].startswith("order 1004")
