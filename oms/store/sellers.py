"""Sellers and channel connections in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oms.connection import ChannelConnection, ChannelKind, ConnectionOptions
from oms.errors import Conflict, NotFound
from oms.seller import (
    Automations,
    Branding,
    ChartOfAccounts,
    DocumentSettings,
    Notifications,
    Seller,
    SellerProfile,
)
from oms.store.schema import ChannelRow, SellerRow


def _now() -> datetime:
    return datetime.now(UTC)


def _to_seller(row: SellerRow) -> Seller:
    return Seller(
        id=row.id,
        profile=SellerProfile.model_validate(row.profile),
        automations=Automations.model_validate(row.automations),
        notifications=Notifications.model_validate(row.notifications),
        branding=Branding.model_validate(row.branding),
        documents=DocumentSettings.model_validate(row.documents),
        accounts=ChartOfAccounts.model_validate(row.accounts),
    )


def add_seller(session: Session, profile: SellerProfile) -> Seller:
    if session.scalar(select(SellerRow.id).where(SellerRow.slug == profile.slug)) is not None:
        raise Conflict(f"seller {profile.slug} exists already")
    now = _now()
    row = SellerRow(
        slug=profile.slug,
        profile=profile.model_dump(mode="json"),
        automations=Automations().model_dump(mode="json"),
        notifications=Notifications().model_dump(mode="json"),
        branding=Branding().model_dump(mode="json"),
        documents=DocumentSettings().model_dump(mode="json"),
        accounts=ChartOfAccounts().model_dump(mode="json"),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return _to_seller(row)


def get_seller(session: Session, slug: str) -> Seller:
    row = session.scalar(select(SellerRow).where(SellerRow.slug == slug))
    if row is None:
        raise NotFound("seller", slug)
    return _to_seller(row)


def get_seller_by_id(session: Session, seller_id: int) -> Seller:
    row = session.get(SellerRow, seller_id)
    if row is None:
        raise NotFound("seller", f"#{seller_id}")
    return _to_seller(row)


def list_sellers(session: Session) -> list[Seller]:
    return [_to_seller(r) for r in session.scalars(select(SellerRow).order_by(SellerRow.slug))]


def save_settings(session: Session, seller: Seller, group: str, value: BaseModel) -> Seller:
    """Replace one settings group (already validated) of `seller`."""
    row = session.get(SellerRow, seller.id, with_for_update=True)
    if row is None:
        raise NotFound("seller", seller.slug)
    setattr(row, group, value.model_dump(mode="json"))
    if isinstance(value, SellerProfile):
        row.slug = value.slug
    row.updated_at = _now()
    session.flush()
    return _to_seller(row)


def _to_connection(row: ChannelRow) -> ChannelConnection:
    return ChannelConnection(
        id=row.id,
        seller_id=row.seller_id,
        name=row.name,
        platform=row.platform,
        kind=ChannelKind(row.kind),
        base_url=row.base_url,
        credentials_ref=row.credentials_ref,
        options=ConnectionOptions.model_validate(row.options),
        sync_cursor=row.sync_cursor,
    )


def add_connection(session: Session, seller: Seller, conn: ChannelConnection) -> ChannelConnection:
    row = ChannelRow(
        seller_id=seller.id,
        name=conn.name,
        platform=conn.platform,
        kind=conn.kind.value,
        base_url=conn.base_url,
        credentials_ref=conn.credentials_ref,
        options=conn.options.model_dump(mode="json"),
        sync_cursor=None,
        created_at=_now(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"channel {conn.name} exists already for seller {seller.slug}") from exc
    return _to_connection(row)


def list_connections(session: Session, seller: Seller | None = None) -> list[ChannelConnection]:
    query = select(ChannelRow).order_by(ChannelRow.seller_id, ChannelRow.name)
    if seller is not None:
        query = query.where(ChannelRow.seller_id == seller.id)
    return [_to_connection(r) for r in session.scalars(query)]


def get_connection(session: Session, seller: Seller, name: str) -> ChannelConnection:
    row = session.scalar(
        select(ChannelRow).where(ChannelRow.seller_id == seller.id, ChannelRow.name == name)
    )
    if row is None:
        raise NotFound("channel", name)
    return _to_connection(row)


def get_connection_by_id(session: Session, connection_id: int) -> ChannelConnection:
    row = session.get(ChannelRow, connection_id)
    if row is None:
        raise NotFound("channel", f"#{connection_id}")
    return _to_connection(row)


def update_connection(session: Session, connection_id: int, **values: Any) -> None:
    """Set columns of a connection (sync_cursor, last_synced_at, options as a dict)."""
    row = session.get(ChannelRow, connection_id)
    if row is None:
        raise NotFound("channel", f"#{connection_id}")
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
