"""The composition root of the web side: `create_app()` wires the API and the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from api import errors
from api.console import routes as console
from api.routes import channels, documents, orders, settings

STATIC = Path(__file__).parent / "static"
DESCRIPTION = """\
The seller's side of Sales Scaler, for a CMS or a script.

Authenticate with a seller API key (`sales-scaler sellers api-key create`) as
`Authorization: Bearer <key>`. A key sees its own seller's data only: another
seller's order is 404. Every error is `{"error": {"code", "message", "details"}}`.
Lists are paged with a cursor: pass `next_cursor` as `after` until it is null.
"""


def _without_time_format(node: Any) -> None:
    # pydantic writes `datetime.time` as "17:00:00" yet calls it JSON Schema "format: time",
    # which (RFC 3339) demands a UTC offset; describe it by a pattern instead.
    if isinstance(node, dict):
        if node.get("format") == "time":
            del node["format"]
            node["pattern"] = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
        for value in node.values():
            _without_time_format(value)
    elif isinstance(node, list):
        for value in node:
            _without_time_format(value)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _without_time_format(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(engine: Engine | None = None) -> FastAPI:
    """The FastAPI app on `engine` (default: the configured database)."""
    if engine is None:
        from oms.settings import get_settings
        from oms.store.db import engine_for

        engine = engine_for(get_settings().database_url)
    app = FastAPI(
        title="Sales Scaler seller API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.engine = engine
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    errors.install(app)
    for module in (orders, documents, settings, channels):
        app.include_router(module.router)
    console.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/orders", status_code=303)

    return app
