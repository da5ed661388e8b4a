"""The console's pages: sign in, the orders table and its bulk actions, one order, printing."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from api.auth import SESSION_COOKIE, EngineDep, seller_for
from api.console.i18n import LANGUAGES
from api.console.pages import (
    LANG_COOKIE,
    FormExpired,
    Visit,
    check_form,
    redirect,
    render,
    safe_back,
    same_origin,
    visit,
)
from api.routes.documents import merged_pdf, one_pdf, pdf_response
from oms import actions
from oms.actions import BulkResult
from oms.errors import OmsError
from oms.status import OrderStatus
from oms.store import orders as store
from oms.store import sellers as seller_store
from oms.store.db import transaction

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 250
ACTIONS = ("confirm", "ship", "deliver", "cancel")
MAX_FLASH_REFUSALS = 12


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(request, "login.html", None)


@router.post("/login")
async def login(request: Request, engine: EngineDep) -> Response:
    form = await request.form()
    key = text(form.get("api_key"))
    if not same_origin(request) or seller_for(engine, key) is None:
        return render(request, "login.html", None, status=401, failed=True)
    response = RedirectResponse("/console/orders", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        key,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(request: Request, engine: EngineDep) -> Response:
    check_form(request, visit(request, engine), await request.form())
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def set_language(code: str, back: Annotated[str, Query()] = "/console/orders") -> Response:
    response = RedirectResponse(safe_back(back), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, path="/", samesite="strict", max_age=31_536_000)
    return response


@router.get("/orders")
def orders_page(
    request: Request,
    engine: EngineDep,
    status: str = "",
    channel: str = "",
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
) -> Response:
    v = visit(request, engine)
    wanted = OrderStatus(status) if status in OrderStatus._value2member_map_ else None
    with transaction(engine) as session:
        channels = [c.name for c in seller_store.list_connections(session, v.seller)]
        rows = store.list_orders(
            session,
            v.seller,
            status=wanted,
            channel=channel if channel in channels else None,
            after_id=after,
            limit=PAGE,
        )
        counts = store.count_by_status(session, v.seller)
    filters = {"status": wanted.value if wanted else "", "channel": channel}
    next_url = (
        f"/console/orders?{urlencode({**filters, 'after': rows[-1].id})}"
        if len(rows) == PAGE
        else None
    )
    return render(
        request,
        "orders.html",
        v,
        rows=rows,
        channels=channels,
        statuses=[s.value for s in OrderStatus],
        counts=counts,
        filters=filters,
        after=after,
        first_url=f"/console/orders?{urlencode(filters)}",
        next_url=next_url,
    )


def text(value: object) -> str:
    """A form field as text, without NUL characters (which PostgreSQL cannot store)."""
    return str(value or "").replace("\x00", "").strip()


def _numbers(form: FormData) -> list[str]:
    return [n for n in map(text, form.getlist("order")) if n][: actions.BATCH * 2]


def _flash(v: Visit, result: BulkResult) -> dict[str, Any]:
    refused = [str(r) for r in result.refused]
    shown = refused[:MAX_FLASH_REFUSALS]
    if len(refused) > len(shown):
        shown.append(f"… +{len(refused) - len(shown)}")
    return {
        "kind": "error" if refused and not result.applied else "ok",
        "text": f"{result.count} {v.t('orders changed')}"
        + (f", {len(refused)} {v.t('refused')}" if refused else ""),
        "items": shown,
    }


@router.post("/orders/act")
async def act(request: Request, engine: EngineDep) -> Response:
    v = visit(request, engine)
    form = await request.form()
    check_form(request, v, form)
    back = safe_back(form.get("back"))
    numbers = _numbers(form)
    action = form.get("action")
    if not numbers or action not in ACTIONS:
        return redirect(back, {"kind": "error", "text": v.t("Select at least one order.")})
    if action == "cancel":
        reason = text(form.get("reason"))[: actions.MAX_REASON]
        if not reason:
            return redirect(back, {"kind": "error", "text": v.t("A reason is required to cancel.")})
        result = actions.cancel(engine, v.seller, numbers, reason)
    elif action == "confirm":
        result = actions.confirm(engine, v.seller, numbers)
    elif action == "ship":
        result = actions.ship(engine, v.seller, [(n, None) for n in numbers])
    else:
        result = actions.deliver(engine, v.seller, numbers)
    return redirect(back, _flash(v, result))


@router.post("/tracking")
async def tracking_page(request: Request, engine: EngineDep) -> Response:
    v = visit(request, engine)
    form = await request.form()
    check_form(request, v, form)
    numbers = _numbers(form)
    with transaction(engine) as session:
        ids = store.order_ids(session, v.seller, numbers)
        orders = store.load_orders(session, v.seller, list(ids.values()))
    ready = [o for o in orders if o.status is OrderStatus.CONFIRMED]
    left_out = [o for o in orders if o.status is not OrderStatus.CONFIRMED]
    if not ready and not left_out:
        return redirect(
            safe_back(form.get("back")),
            {"kind": "error", "text": v.t("Select at least one order.")},
        )
    return render(request, "tracking.html", v, ready=ready, left_out=left_out)


@router.post("/tracking/save")
async def save_tracking(request: Request, engine: EngineDep) -> Response:
    from pydantic import ValidationError

    from oms.model import Tracking

    v = visit(request, engine)
    form = await request.form()
    check_form(request, v, form)
    items: list[tuple[str, Tracking]] = []
    problems: list[str] = []
    for number in _numbers(form):
        tracking_id = text(form.get(f"tracking_id:{number}"))
        if not tracking_id:
            continue
        try:
            tracking = Tracking(
                tracking_id=tracking_id,
                carrier=text(form.get(f"carrier:{number}")) or None,
                url=text(form.get(f"url:{number}")) or None,
            )
        except ValidationError as exc:
            problems.append(f"order {number}: {exc.errors()[0]['msg']}")
            continue
        items.append((number, tracking))
    result = actions.track(engine, v.seller, items) if items else BulkResult()
    flash = _flash(v, result)
    flash["items"] = problems + flash["items"]
    return redirect("/console/orders?status=confirmed", flash)


@router.post("/print")
async def print_documents(request: Request, engine: EngineDep) -> Response:
    v = visit(request, engine)
    form = await request.form()
    check_form(request, v, form)
    kind = "delivery_note" if form.get("kind") == "delivery_note" else "invoice"
    numbers = _numbers(form)
    pdf, skipped = merged_pdf(engine, v.seller, numbers, [kind]) if numbers else (b"", [])
    if not pdf:
        return render(request, "nothing.html", v, status=409, skipped=skipped)
    return pdf_response(pdf, f"{kind}s.pdf", skipped)


@router.get("/orders/{number}")
def order_page(request: Request, engine: EngineDep, number: str) -> Response:
    v = visit(request, engine)
    number = text(number)
    try:
        with transaction(engine) as session:
            order = store.get_order(session, v.seller, number)
            events = store.timeline(session, v.seller, number)
    except OmsError as exc:
        return render(request, "nothing.html", v, status=404, skipped=[exc.message])
    return render(request, "order.html", v, order=order, events=events)


@router.get("/orders/{number}/documents/{kind}")
def order_document(request: Request, engine: EngineDep, number: str, kind: str) -> Response:
    v = visit(request, engine)
    number = text(number)
    try:
        doc_number, pdf = one_pdf(
            engine, v.seller, number, "delivery_note" if kind == "delivery_note" else "invoice"
        )
    except OmsError as exc:
        return render(request, "nothing.html", v, status=404, skipped=[exc.message])
    return pdf_response(pdf, f"{doc_number}.pdf")


def install(app: Any) -> None:
    """The console's answers to a missing session, an expired form, and our errors."""
    from api.console.branding import router as branding_router
    from api.console.pages import SignInRequired

    app.include_router(router)
    app.include_router(branding_router)

    async def sign_in(request: Request, _: Exception) -> Response:
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def expired(request: Request, _: Exception) -> Response:
        return redirect(
            "/console/orders", {"kind": "error", "text": "The form has expired; please try again."}
        )

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(FormExpired, expired)
