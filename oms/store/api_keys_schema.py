"""The `api_keys` table: a seller's API keys, stored as a hash only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from oms.store.schema import Base, Id


class ApiKeyRow(Base):
    """One API key of a seller. The key itself is shown once and never stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # ssk_ + 8 hex: names the key
    key_sha256: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the whole key
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
