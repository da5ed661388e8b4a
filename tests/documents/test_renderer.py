"""The renderer's speed-ups change nothing a person sees: the lean user-agent
stylesheet is in effect on the installed WeasyPrint, and an invoice and a delivery
note render to the same pixels as with WeasyPrint's full user-agent stylesheet."""

from __future__ import annotations

from datetime import date

import pypdfium2
import pytest
from PIL import ImageChops

from documents.fetcher import ASSETS
from documents.render import converter, render_html
from documents.sample import sample_order
from documents.view import delivery_note_view, invoice_view
from tests.documents.test_views import seller

SELLER = seller()


def pages(pdf: bytes) -> list[object]:
    document = pypdfium2.PdfDocument(pdf)
    return [page.render(scale=150 / 72).to_pil() for page in document]


def test_the_lean_user_agent_stylesheet_is_in_effect() -> None:
    from weasyprint import HTML

    assert converter().html_class is not HTML, (
        "WeasyPrint moved its UA stylesheet: update render.py"
    )


@pytest.mark.parametrize("kind", ["invoice", "delivery_note"])
def test_the_lean_user_agent_stylesheet_renders_the_same_pixels(kind: str) -> None:
    from weasyprint import HTML

    order = sample_order(SELLER, order_id=1, lines=4)
    if kind == "invoice":
        view = invoice_view(SELLER, order, "R-2026-00001", date(2026, 11, 29), None)
    else:
        view = delivery_note_view(SELLER, order, "L-2026-00001", date(2026, 11, 29))
    html = render_html(view)
    ours = converter()
    full = HTML(string=html, base_url=str(ASSETS) + "/", url_fetcher=ours.fetcher).write_pdf(
        stylesheets=[ours.stylesheet], font_config=ours.font_config
    )
    lean, plain = pages(ours.to_pdf(html)), pages(full)
    assert len(lean) == len(plain)
    for a, b in zip(lean, plain, strict=True):
        assert ImageChops.difference(a, b).getbbox() is None  # type: ignore[arg-type]
