"""Fixtures of the documents tests: a documents folder of their own, accepted orders,
a local HTTP server that records every request (to prove nothing is fetched)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from oms import actions
from oms.store.db import transaction
from oms.store.schema import OrderRow
from tests.factories import SellerSetup, import_orders, make_order

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"


@pytest.fixture
def docs_dir(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SALES_SCALER_DOCUMENTS_DIR for this test (after `engine` set the database URL)."""
    from oms.settings import get_settings

    path = tmp_path / "documents"
    monkeypatch.setenv("SALES_SCALER_DOCUMENTS_DIR", str(path))
    get_settings.cache_clear()
    return path


def accepted_orders(
    engine: Engine, setup: SellerSetup, numbers: range, **overrides: Any
) -> list[int]:
    """Import orders numbered 1000+i and confirm them; their ids in that order."""
    import_orders(engine, setup, [make_order(i, **overrides) for i in numbers])
    wanted = [str(1000 + i) for i in numbers]
    result = actions.confirm(engine, setup.seller, wanted)
    assert not result.refused, result.refused
    return order_ids(engine, setup, wanted)


def order_ids(engine: Engine, setup: SellerSetup, numbers: list[str]) -> list[int]:
    with transaction(engine) as session:
        rows = dict(
            session.execute(
                select(OrderRow.order_number, OrderRow.id).where(
                    OrderRow.seller_id == setup.seller.id, OrderRow.order_number.in_(numbers)
                )
            ).all()
        )
    return [rows[n] for n in numbers]


@dataclass
class RecordingServer:
    port: int
    hits: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def recording_server() -> Iterator[RecordingServer]:
    """A real HTTP server on 127.0.0.1 that answers everything and records each request."""
    record = RecordingServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            record.hits.append(self.path)
            body = b"body { background: red } SECRET-FROM-LOCAL-SERVICE"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
