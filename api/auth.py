"""Who is calling: the seller whose API key came as `Authorization: Bearer <key>`.

The console keeps the same key in an HttpOnly, SameSite=Strict cookie, and
checks a CSRF token derived from it on every form it receives.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api.errors import ApiError
from oms.errors import ErrorCode
from oms.seller import Seller
from oms.store import api_keys
from oms.store.db import transaction

SESSION_COOKIE = "ss_session"
bearer = HTTPBearer(
    auto_error=False, description="A seller API key: `sales-scaler sellers api-key create`"
)


def engine_of(request: Request) -> Engine:
    engine = request.app.state.engine
    assert isinstance(engine, Engine)
    return engine


EngineDep = Annotated[Engine, Depends(engine_of)]


def seller_for(engine: Engine, key: str | None) -> Seller | None:
    if not key:
        return None
    with transaction(engine) as session:
        return api_keys.seller_for_key(session, key)


def current_seller(
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Seller:
    """The caller's seller, or 401 for a missing, wrong or revoked key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(
            401, ErrorCode.UNAUTHORIZED, "an API key is required: Authorization: Bearer <key>"
        )
    seller = seller_for(engine, credentials.credentials)
    if seller is None:
        raise ApiError(401, ErrorCode.UNAUTHORIZED, "the API key is wrong or revoked")
    return seller


SellerDep = Annotated[Seller, Depends(current_seller)]


def csrf_token(key: str) -> str:
    """A per-session token for the console's forms, derived from the (secret) key."""
    return hmac.new(key.encode(), b"sales-scaler console csrf", hashlib.sha256).hexdigest()[:32]


def csrf_ok(key: str, token: str) -> bool:
    return hmac.compare_digest(csrf_token(key), token)
