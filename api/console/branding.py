"""The console's branding page: edit how documents look, with a live invoice preview."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from api.auth import EngineDep
from api.console.pages import check_form, redirect, render, secure_headers, visit
from api.console.routes import text
from api.routes.settings import save_group
from oms.seller import FONTS, Branding, Seller

router = APIRouter(prefix="/console", include_in_schema=False)
PNG = b"\x89PNG\r\n\x1a\n"
MAX_LOGO = 500_000
TEXTS = ("thank_you", "after_sales", "disclaimer")
# The preview is seller data rendered by our templates: no scripts, no network, no forms.
PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"


async def _logo(form: FormData, current: str | None) -> str | None:
    if form.get("remove_logo"):
        return None
    upload = form.get("logo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return current
    data = await upload.read(MAX_LOGO + 1)
    if len(data) > MAX_LOGO or not data.startswith(PNG):
        raise ValueError("logo: a PNG file of at most 500 kB")
    return base64.b64encode(data).decode()


async def _branding(form: FormData, seller: Seller) -> Branding:
    current = seller.branding
    values = {
        "primary_colour": text(form.get("primary_colour")) or current.primary_colour,
        "accent_colour": text(form.get("accent_colour")) or current.accent_colour,
        "font": text(form.get("font")) or current.font,
        **{name: text(form.get(name)) for name in TEXTS},
        "logo_png_base64": await _logo(form, current.logo_png_base64),
    }
    return Branding.model_validate(values)


def _problems(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
    return [str(exc)]


def preview_html(seller: Seller) -> str:
    from documents.api import preview_invoice_html

    return preview_invoice_html(seller)


# On screen, show the A4 sheet with its print margins (the QR-bill reaches into them).
SCREEN_SHEET = (
    "<style>@media screen { html { background: #dde1e6; } "
    "body { box-sizing: content-box; width: 178mm; min-height: 263mm; margin: 6mm auto; "
    "padding: 22mm 16mm 12mm; background: #fff; box-shadow: 0 1px 6px rgba(0,0,0,.25); "
    "position: relative; } }</style>"
)


def _preview(seller: Seller) -> Response:
    response = HTMLResponse(preview_html(seller).replace("</head>", SCREEN_SHEET + "</head>", 1))
    return secure_headers(response, PREVIEW_CSP)


@router.get("/branding")
def branding_page(request: Request, engine: EngineDep) -> Response:
    v = visit(request, engine)
    return render(request, "branding.html", v, b=v.seller.branding, fonts=FONTS, problems=[])


@router.post("/branding")
async def save_branding(request: Request, engine: EngineDep) -> Response:
    v = visit(request, engine)
    form = await request.form()
    check_form(request, v, form)
    try:
        branding = await _branding(form, v.seller)
    except (ValidationError, ValueError, binascii.Error) as exc:
        return render(
            request,
            "branding.html",
            v,
            status=422,
            b=v.seller.branding,
            fonts=FONTS,
            problems=_problems(exc),
        )
    save_group(engine, v.seller, "branding", branding)
    return redirect("/console/branding", {"kind": "ok", "text": v.t("Saved.")})


@router.get("/branding/preview")
def saved_preview(request: Request, engine: EngineDep) -> Response:
    return _preview(visit(request, engine).seller)


@router.post("/branding/preview")
async def unsaved_preview(request: Request, engine: EngineDep) -> Response:
    v = visit(request, engine)
    form = await request.form()
    check_form(request, v, form)
    try:
        branding = await _branding(form, v.seller)
    except (ValidationError, ValueError, binascii.Error) as exc:
        return secure_headers(
            HTMLResponse("<p>" + "<br>".join(_escape(p) for p in _problems(exc)) + "</p>", 422),
            PREVIEW_CSP,
        )
    return _preview(v.seller.model_copy(update={"branding": branding}))


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
