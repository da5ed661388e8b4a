"""The migrations build exactly the schema the models describe."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import oms.store.tables  # noqa: F401  (every table)
from oms.store.db import make_engine
from oms.store.migrate import alembic_config, upgrade
from oms.store.schema import Base


def test_the_migrated_database_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _line_keys(url: str) -> list[tuple[str, list[str]]]:
    engine = make_engine(url)
    try:
        keys = inspect(engine).get_foreign_keys("order_lines")
        return [(k["referred_table"], k["constrained_columns"]) for k in keys]
    finally:
        engine.dispose()


def test_order_lines_lose_their_foreign_key_and_get_it_back_on_downgrade(fresh_url: str) -> None:
    upgrade(fresh_url, "0004")
    assert _line_keys(fresh_url) == [("orders", ["order_id"])]
    upgrade(fresh_url)
    assert _line_keys(fresh_url) == []
    command.downgrade(alembic_config(fresh_url), "0004")
    assert _line_keys(fresh_url) == [("orders", ["order_id"])]
