"""Two sellers with keys and orders, and an HTTP client on the real app (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from oms.store import api_keys
from oms.store.db import transaction
from tests.factories import SellerSetup, add_demo_seller, import_orders, make_order


@dataclass
class Tenant:
    setup: SellerSetup
    key: str
    prefix: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def add_key(engine: Engine, setup: SellerSetup, name: str = "test") -> tuple[str, str]:
    with transaction(engine) as session:
        info, key = api_keys.create_key(session, setup.seller, name)
    return key, info.prefix


@pytest.fixture
def documents_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from oms.settings import get_settings

    monkeypatch.setenv("SALES_SCALER_DOCUMENTS_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    return tmp_path / "documents"


@pytest.fixture
def alpen(engine: Engine, documents_dir: Path) -> Tenant:
    """Seller alpen with 5 open webshop orders (1001..1005) and an API key."""
    setup = add_demo_seller(engine, "alpen")
    import_orders(engine, setup, [make_order(i) for i in range(1, 6)])
    return Tenant(setup, *add_key(engine, setup))


@pytest.fixture
def berg(engine: Engine, alpen: Tenant) -> Tenant:
    """Another seller whose order numbers clash with alpen's (1001..1002)."""
    setup = add_demo_seller(engine, "berg")
    import_orders(engine, setup, [make_order(i) for i in range(1, 3)])
    return Tenant(setup, *add_key(engine, setup))


@pytest.fixture
def app_client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient, alpen: Tenant) -> TestClient:
    """A client that sends alpen's key."""
    app_client.headers.update(alpen.headers)
    return app_client
