"""What the channel benchmarks share: a PostgreSQL database of their own, a Prefect home,
a seller whose connection points at a fake channel server."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from oms.connection import PLATFORM_KINDS, ChannelConnection
from oms.seller import Seller, SellerProfile
from oms.store import sellers as seller_store
from oms.store.db import dispose_all, engine_for, transaction
from oms.store.migrate import upgrade

PG_ADMIN = os.environ.get(
    "SALES_SCALER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def bench_environment() -> Iterator[None]:
    """A private Prefect home (temporary API server of our own), no telemetry."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "prefect").mkdir()
        os.environ.setdefault("PREFECT_HOME", str(Path(tmp) / "prefect"))
        os.environ.setdefault("DO_NOT_TRACK", "1")
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        yield


@contextmanager
def postgres_database() -> Iterator[Engine]:
    """A migrated PostgreSQL database of our own, dropped at the end; the app points at it."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"ss_bench_channels_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        os.environ["SALES_SCALER_DATABASE_URL"] = url
        from oms.settings import get_settings

        get_settings.cache_clear()
        yield engine_for(url)
    finally:
        dispose_all()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_seller_with_channel(
    engine: Engine, platform: str, base_url: str, secret: str, **options: Any
) -> tuple[Seller, ChannelConnection]:
    var = f"BENCH_{platform.upper()}_KEY"
    os.environ[var] = secret
    with transaction(engine) as session:
        seller = seller_store.add_seller(
            session,
            SellerProfile(
                slug="bench",
                name="Bench AG",
                street="Bahnhofstrasse",
                house_number="1",
                postal_code="8001",
                city="Zürich",
                vat_number="CHE-116.281.710 MWST",
                iban="CH93 0076 2011 6238 5295 7",
                email="bench@example.ch",
            ),
        )
        conn = seller_store.add_connection(
            session,
            seller,
            ChannelConnection(
                name="shop",
                platform=platform,
                kind=PLATFORM_KINDS[platform],
                base_url=base_url,
                credentials_ref=f"env:{var}",
                options=options,
            ),
        )
    return seller, conn
