"""What every console page shares: the signed-in seller, CSRF, language, flash, rendering."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine

from api.auth import SESSION_COOKIE, csrf_ok, csrf_token, seller_for
from api.console.i18n import LANGUAGE_NAMES, LANGUAGES, pick_language, translator
from oms.seller import Seller

TEMPLATES = Path(__file__).parents[1] / "templates"
LANG_COOKIE = "ss_lang"
FLASH_COOKIE = "ss_flash"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class SignInRequired(Exception):
    """No valid session: the console answers with the sign-in page."""


class FormExpired(Exception):
    """A POST without the right CSRF token or from another origin."""


@dataclass(frozen=True)
class Visit:
    """The signed-in seller of this request, and how to talk to them."""

    seller: Seller
    key: str
    lang: str
    t: Callable[[str], str]

    @property
    def csrf(self) -> str:
        return csrf_token(self.key)

    def local(self, value: Any) -> Any:
        return value.astimezone(ZoneInfo(self.seller.profile.timezone))


def language(request: Request, default: str = "de") -> str:
    return pick_language(
        request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"), default
    )


def visit(request: Request, engine: Engine) -> Visit:
    key = request.cookies.get(SESSION_COOKIE)
    seller = seller_for(engine, key)
    if seller is None or key is None:
        raise SignInRequired
    lang = language(request, seller.profile.default_language)
    return Visit(seller, key, lang, translator(lang))


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # old browsers; the SameSite=Strict cookie and the token still hold
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def check_form(request: Request, v: Visit, form: Mapping[str, Any]) -> None:
    token = form.get("csrf")
    if not same_origin(request) or not isinstance(token, str) or not csrf_ok(v.key, token):
        raise FormExpired


def secure_headers(response: Response, csp: str = CSP) -> Response:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def render(
    request: Request, template: str, v: Visit | None, status: int = 200, **context: Any
) -> HTMLResponse:
    lang = v.lang if v else language(request)
    flash = _read_flash(request)
    html = _env.get_template(f"console/{template}").render(
        t=v.t if v else translator(lang),
        lang=lang,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        v=v,
        flash=flash,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/console")
    return secure_headers(response)  # type: ignore[return-value]


def redirect(url: str, flash: dict[str, Any] | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        text = base64.urlsafe_b64encode(json.dumps(flash).encode()[:2500]).decode()
        response.set_cookie(FLASH_COOKIE, text, path="/console", httponly=True, samesite="strict")
    return response


def _read_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def safe_back(url: object, default: str = "/console/orders") -> str:
    """A return address inside the console only (no open redirect)."""
    if isinstance(url, str) and url.startswith("/console/") and "//" not in url and "\\" not in url:
        return url
    return default
