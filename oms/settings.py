"""One validated Settings object, read from SALES_SCALER_* variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SALES_SCALER_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = Field(
        default=f"sqlite:///{VAR / 'sales-scaler.db'}",
        description="sqlite:///path or postgresql+psycopg://user@host/db",
    )
    documents_dir: Path = VAR / "documents"
    seller: str | None = Field(default=None, description="default seller slug for the CLI")
    outbox_batch_size: int = Field(default=200, ge=1, le=10_000)
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    outbox_lease_seconds: int = Field(default=300, ge=5)
    bulk_batch_size: int = Field(default=5_000, ge=1, le=100_000)

    @field_validator("database_url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                "SALES_SCALER_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://"
            )
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
