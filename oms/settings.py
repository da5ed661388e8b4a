"""One validated Settings object, read from SALES_SCALER_* variables and `.env`."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR = Path("var")


def default_bulk_batch(dialect: str) -> int:
    """Orders per bulk-action transaction. PostgreSQL: 5,000 (the row locks one transaction
    holds, and what concurrent runs share with SKIP LOCKED). SQLite: 100,000 (it has one
    writer anyway; fewer, larger commits cost less: a bulk confirm of 100,000 orders took
    8 % less time in one transaction than in two; and each batch of an automation is a
    task run of its own). A batch of 100,000 holds SQLite's write lock for about a
    second; other writers wait for it (busy_timeout)."""
    return 100_000 if dialect == "sqlite" else 5_000


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
    outbox_lease_seconds: int = Field(default=300, ge=1)
    bulk_batch_size: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="orders per bulk transaction; default per database (see bulk_batch)",
    )
    # Buyer emails (adapters/mail): "file" writes one .eml per email under mail_dir.
    mail_transport: Literal["smtp", "file"] = "file"
    mail_dir: Path = VAR / "mail"
    mail_from: str = Field(
        default="orders@sales-scaler.example",
        description="envelope sender and From address; the seller's name is the display name",
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password_ref: str | None = Field(
        default=None, description="env:VARIABLE or block:secret-block-name, never the password"
    )
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    mail_batch_size: int = Field(default=100, ge=1, le=5_000)
    # Accounting export (adapters/erp): CSV journals go to accounting_dir; Bexio by API.
    accounting_dir: Path = VAR / "accounting"
    accounting_batch_size: int = Field(default=200, ge=1, le=5_000)
    bexio_base_url: str = "https://api.bexio.com"
    bexio_token_ref: str | None = Field(
        default=None, description="env:VARIABLE or block:secret-block-name, never the token"
    )
    bexio_exchange_rates: dict[str, Decimal] = Field(
        default_factory=dict, description='JSON, e.g. {"EUR": "0.94"}: 1 EUR in the base currency'
    )

    @field_validator("database_url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                "SALES_SCALER_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://"
            )
        return value

    @field_validator("mail_from")
    @classmethod
    def _address(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}", value):
            raise ValueError(f"SALES_SCALER_MAIL_FROM {value!r} is not an email address")
        return value

    @field_validator("smtp_password_ref", "bexio_token_ref")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"env:[A-Z_][A-Z0-9_]{0,127}|block:[a-z0-9][a-z0-9-]{0,62}", value
        ):
            raise ValueError(
                "SALES_SCALER_SMTP_PASSWORD_REF / _BEXIO_TOKEN_REF must be env:VARIABLE or "
                "block:name, never the secret"
            )
        return value

    def bulk_batch(self) -> int:
        """SALES_SCALER_BULK_BATCH_SIZE, else the default for the configured database."""
        return self.bulk_batch_size or default_bulk_batch(self.database_url.split(":")[0])


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
