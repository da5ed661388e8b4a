"""View model -> HTML (Jinja2), then HTML -> PDF bytes (WeasyPrint, locked down).

The two steps are separate so that tests can read the HTML without a PDF
engine. One `FontConfiguration` and one parsed stylesheet are kept per process:
the bundled TTF fonts are registered once, not on every render. WeasyPrint's
user-agent stylesheet is used without its rules for list markers, footnotes and
notes (see `document_html_class`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from documents.fetcher import ASSETS, SafeURLFetcher
from documents.view import DocumentView, InvoiceView, delivery_note_view, invoice_view
from oms.model import Order
from oms.seller import FONTS, HEX_COLOUR, Seller

TEMPLATES = {"invoice": "invoice.html.j2", "delivery_note": "delivery_note.html.j2"}


def css_str(value: object) -> Markup:
    """A quoted CSS string with every character but letters, digits and space hex-escaped."""
    escaped = "".join(
        c if (c.isalnum() and c.isascii()) or c == " " else f"\\{ord(c):06x}" for c in str(value)
    )
    return Markup(f'"{escaped}"')


def css_colour(value: object) -> Markup:
    """A colour checked again here: autoescape does not protect CSS."""
    if not isinstance(value, str) or not HEX_COLOUR.fullmatch(value):
        raise ValueError(f"not a colour: {value!r}")
    return Markup(value)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(ASSETS)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_str"] = css_str
    env.filters["css_colour"] = css_colour
    return env


def render_html(view: DocumentView) -> str:
    """The document as HTML; every value in it is escaped data."""
    if view.font not in FONTS:
        raise ValueError(f"not a bundled font: {view.font!r}")
    return environment().get_template(TEMPLATES[view.kind]).render(doc=view)


# WeasyPrint's user-agent stylesheet gives `::marker`, footnote and note pseudo-elements
# to *every* element: 7 computed styles per element instead of 1 (~9 ms of an invoice).
# Our documents have no lists, footnotes or notes, so these six rules do nothing there.
UNUSED_UA_RULES = re.compile(
    r"^::(?:marker|footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}\n]*\}$",
    re.MULTILINE,
)


def document_html_class() -> Any:
    """WeasyPrint's `HTML`, with its user-agent stylesheet less UNUSED_UA_RULES. Should a
    WeasyPrint upgrade move what this relies on, plain `HTML` (same look, slower)."""
    from weasyprint import CSS, HTML
    from weasyprint import html as weasy_html

    ua = getattr(weasy_html, "UA", None)
    counters = getattr(weasy_html, "UA_COUNTER_STYLE", None)
    if not isinstance(ua, str) or counters is None or not hasattr(HTML, "_ua_stylesheets"):
        return HTML
    lean, removed = UNUSED_UA_RULES.subn("", ua)
    if removed != 6:
        return HTML
    sheet = CSS(string=lean, counter_style=counters)

    class DocumentHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [sheet, weasy_html.UA_FORM_STYLESHEET] if forms else [sheet]

    return DocumentHTML


class PdfConverter:
    """HTML -> PDF with the safe fetcher, one font configuration and the parsed stylesheet."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.html_class = document_html_class()
        self.font_config = FontConfiguration()
        self.fetcher = SafeURLFetcher()
        self.stylesheet = CSS(
            filename=str(ASSETS / "documents.css"),
            font_config=self.font_config,
            url_fetcher=self.fetcher,
        )

    def to_pdf(self, html: str) -> bytes:
        # One render at a time per process: WeasyPrint shares Pango/HarfBuzz state and the
        # font configuration, and three threads rendering at once aborted the interpreter
        # (a native crash, in the concurrent-numbering test). Parallel rendering uses
        # processes (documents.service), where this lock is never contended.
        with _RENDER_LOCK:
            document = self.html_class(
                string=html, base_url=str(ASSETS) + "/", url_fetcher=self.fetcher
            )
            pdf: bytes = document.write_pdf(
                stylesheets=[self.stylesheet], font_config=self.font_config
            )
        return pdf


_RENDER_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> PdfConverter:
    return PdfConverter()


def converter() -> PdfConverter:
    """The converter of this process (created once, on first use, then reused)."""
    with _RENDER_LOCK:
        return _converter()


def to_pdf(html: str) -> bytes:
    return converter().to_pdf(html)


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker process needs to render one document (picklable)."""

    seller: Seller
    order: Order
    kind: str
    number: str
    issued: date
    delivered: date | None = None


@dataclass(frozen=True)
class Rendered:
    kind: str
    order_id: int
    number: str
    language: str
    pdf: bytes
    problem: str | None  # e.g. why a pay-by-invoice order got no QR-bill


def build_view(job: RenderJob) -> DocumentView:
    if job.kind == "invoice":
        return invoice_view(job.seller, job.order, job.number, job.issued, job.delivered)
    if job.kind == "delivery_note":
        return delivery_note_view(job.seller, job.order, job.number, job.issued)
    raise ValueError(f"unknown document kind {job.kind!r}")


def render_job(job: RenderJob) -> Rendered:
    """View model -> HTML -> PDF for one document."""
    view = build_view(job)
    problem = view.qr_problem if isinstance(view, InvoiceView) else None
    return Rendered(
        job.kind, job.order.id, job.number, view.language, to_pdf(render_html(view)), problem
    )


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def file_name(number: str) -> str:
    """A document number as a file name (any character a path could trip over becomes _)."""
    return _SAFE_NAME.sub("_", number).lstrip(".") or "document"
