"""Settings read from SALES_SCALER_* variables: the bulk batch size per database."""

import pytest
from pydantic import ValidationError

from oms.settings import Settings


def test_the_bulk_batch_defaults_per_database_and_the_variable_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SALES_SCALER_BULK_BATCH_SIZE", raising=False)
    sqlite = Settings(database_url="sqlite:///var/x.db")
    postgres = Settings(database_url="postgresql+psycopg://u@127.0.0.1/db")
    assert (sqlite.bulk_batch(), postgres.bulk_batch()) == (100_000, 5_000)
    monkeypatch.setenv("SALES_SCALER_BULK_BATCH_SIZE", "250")
    assert Settings(database_url="sqlite:///var/x.db").bulk_batch() == 250


def test_a_bulk_batch_out_of_range_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SALES_SCALER_BULK_BATCH_SIZE", "0")
    with pytest.raises(ValidationError, match="bulk_batch_size"):
        Settings()
