"""A seller's API keys: created (shown once), looked up by the key, revoked.

A key reads `ssk_<8 hex>_<43 url-safe chars>`; its first 12 characters (the
prefix) name it in lists and for revocation, and only the SHA-256 of the whole
key is stored. Keys carry 256 bits of randomness, so a fast hash is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.errors import InvalidInput, NotFound
from oms.seller import Seller
from oms.store.api_keys_schema import ApiKeyRow
from oms.store.schema import SellerRow
from oms.store.sellers import _to_seller

KEY_PREFIX = "ssk_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class ApiKeyInfo:
    prefix: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, seller: Seller, name: str = "default") -> tuple[ApiKeyInfo, str]:
    """A new key for `seller`: its description, and the key itself (shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput("api key name: 1 to 64 characters")
    key = f"{KEY_PREFIX}{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
    row = ApiKeyRow(
        seller_id=seller.id,
        prefix=key[:PREFIX_LENGTH],
        key_sha256=_digest(key),
        name=name,
        created_at=datetime.now(UTC),
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return ApiKeyInfo(row.prefix, row.name, row.created_at, None), key


def list_keys(session: Session, seller: Seller) -> list[ApiKeyInfo]:
    rows = session.scalars(
        select(ApiKeyRow).where(ApiKeyRow.seller_id == seller.id).order_by(ApiKeyRow.id)
    )
    return [ApiKeyInfo(r.prefix, r.name, r.created_at, r.revoked_at) for r in rows]


def revoke_key(session: Session, seller: Seller, prefix: str) -> ApiKeyInfo:
    """Revoke the key of `seller` named by its prefix (`ssk_1a2b3c4d` or `1a2b3c4d`)."""
    prefix = prefix.strip()
    if not prefix.startswith(KEY_PREFIX):
        prefix = KEY_PREFIX + prefix
    row = session.scalar(
        select(ApiKeyRow).where(
            ApiKeyRow.seller_id == seller.id, ApiKeyRow.prefix == prefix[:PREFIX_LENGTH]
        )
    )
    if row is None:
        raise NotFound("api key", prefix)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.flush()
    return ApiKeyInfo(row.prefix, row.name, row.created_at, row.revoked_at)


def seller_for_key(session: Session, key: str) -> Seller | None:
    """The seller a valid, unrevoked key belongs to; None for anything else."""
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    found = session.execute(
        select(ApiKeyRow.key_sha256, SellerRow)
        .join(SellerRow, SellerRow.id == ApiKeyRow.seller_id)
        .where(ApiKeyRow.prefix == key[:PREFIX_LENGTH], ApiKeyRow.revoked_at.is_(None))
    ).first()
    if found is None or not hmac.compare_digest(found[0], _digest(key)):
        return None
    return _to_seller(found[1])
