"""What the channel benchmarks share: a PostgreSQL database of their own, a Prefect home,
a seller whose connection points at a fake channel server."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
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
    """A private Prefect home (temporary API server of our own) with the server settings
    `make up` runs ours with (batched task-run recorder, no telemetry)."""
    from deployments.up import SERVER_ENV

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "prefect").mkdir()
        os.environ.setdefault("PREFECT_HOME", str(Path(tmp) / "prefect"))
        for name, value in SERVER_ENV.items():
            os.environ.setdefault(name, value)
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


def _serve_fake(platform: str, orders: int, lines: int, pipe: Connection) -> None:
    from adapters.channels.fakes import start_fake

    with start_fake(platform) as fake:
        fake.add_orders(orders, lines=lines)
        pipe.send((fake.base_url, fake.secret))
        pipe.recv()  # until the bench is done


@contextmanager
def fake_in_child(platform: str, orders: int, lines: int) -> Iterator[tuple[str, str]]:
    """A fake channel server with `orders` orders in a process of its own: (base URL, secret).

    A real channel does not share our interpreter; a fake in a thread of the bench's own
    process competes with the client for the GIL, which slows every fetch that overlaps
    work of ours (and so punishes exactly the overlap the ingest flow is built on).
    """
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    child = spawn.Process(target=_serve_fake, args=(platform, orders, lines, theirs), daemon=True)
    child.start()
    try:
        if not ours.poll(300):
            raise RuntimeError(f"the fake {platform} server did not start within 300 s")
        base_url, secret = ours.recv()
        yield base_url, secret
    finally:
        if child.is_alive():
            ours.send("stop")
        child.join(30)
        if child.is_alive():
            child.kill()
