"""Shared fixtures: a real database on SQLite and on PostgreSQL, and a seller to work with.

Tests that take `engine` run twice, once per backend. PostgreSQL comes from
SALES_SCALER_TEST_POSTGRES_URL (an admin URL; each test process creates and
drops its own database). Without it, or when it is down, PostgreSQL tests are
skipped with that reason — unless SALES_SCALER_REQUIRE_POSTGRES=1 (CI), where
they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

import oms.store.tables  # noqa: F401  (every table, for wipe())
from oms.store.db import make_engine
from oms.store.migrate import upgrade
from oms.store.schema import Base
from tests.factories import SellerSetup, add_demo_seller

PG_ADMIN_URL = os.environ.get(
    "SALES_SCALER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = (
    os.environ.get("SALES_SCALER_REQUIRE_POSTGRES") == "1" or os.environ.get("CI") == "true"
)


def _pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL at {make_url(PG_ADMIN_URL).host} unreachable: {exc}"
        if REQUIRE_PG:
            pytest.fail(message)
        pytest.skip(message)
    name = f"ss_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database for this test session, one per backend."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "sales-scaler.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    gen = _pg_database(request)
    url = next(gen)
    upgrade(url)
    yield url
    from oms.store.db import dispose_all

    dispose_all()
    next(gen, None)


def wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty database (both backends); the app's settings point at it."""
    from oms.settings import get_settings
    from oms.store.db import engine_for

    eng = engine_for(db_url)
    wipe(eng)
    monkeypatch.setenv("SALES_SCALER_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield eng
    get_settings.cache_clear()


@pytest.fixture
def shop(engine: Engine) -> SellerSetup:
    """A seller with a webshop (Shopify) and a marketplace (Mirakl) connection."""
    return add_demo_seller(engine)


@pytest.fixture(scope="session")
def shared_samples() -> Path:
    """../shared/channel-samples when it exists (CI has it); skips otherwise."""
    here = Path(__file__).resolve().parents[1]
    for candidate in (
        here.parent / "shared" / "channel-samples",
        here / "../shared/channel-samples",
    ):
        if candidate.is_dir():
            return candidate.resolve()
    pytest.skip("../shared/channel-samples is not here (only CI and the team's machines have it)")


def unique_engine(url: str) -> Engine:
    """A private engine (for tests that need several connections of their own)."""
    return make_engine(url)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One local Prefect API for the whole test session (flows need one), heartbeat off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=120),
    ):
        yield
