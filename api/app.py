"""The composition root of the web side: `create_app()` wires the API and the console."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
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
