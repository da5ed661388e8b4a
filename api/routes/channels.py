"""`/v1/channels`, `/v1/quarantine`, `/v1/me`: connections, unmapped payloads, the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from api.auth import EngineDep, SellerDep
from api.errors import ERROR_RESPONSES, refuse_nul
from api.models import ChannelIn, ChannelOut, Me, QuarantinedOut
from oms.connection import PLATFORM_KINDS, ChannelConnection
from oms.store import quarantine
from oms.store import sellers as store
from oms.store.db import transaction

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, dependencies=[Depends(refuse_nul)])


def _out(conn: ChannelConnection) -> ChannelOut:
    return ChannelOut(
        name=conn.name,
        platform=conn.platform,
        kind=conn.kind,
        base_url=conn.base_url,
        credentials_ref=conn.credentials_ref,
        options=conn.options.model_dump(mode="json"),
        sync_cursor=conn.sync_cursor,
    )


@router.get("/me", tags=["seller"], summary="The seller this API key belongs to")
def me(seller: SellerDep) -> Me:
    return Me(slug=seller.slug, name=seller.profile.name)


@router.get("/channels", tags=["channels"], summary="The seller's channel connections")
def list_channels(engine: EngineDep, seller: SellerDep) -> list[ChannelOut]:
    with transaction(engine) as session:
        return [_out(c) for c in store.list_connections(session, seller)]


@router.get("/channels/{name}", tags=["channels"], summary="One channel connection")
def show_channel(
    engine: EngineDep, seller: SellerDep, name: Annotated[str, Path(max_length=64)]
) -> ChannelOut:
    with transaction(engine) as session:
        return _out(store.get_connection(session, seller, name))


@router.post("/channels", tags=["channels"], status_code=201, summary="Connect a sales channel")
def add_channel(engine: EngineDep, seller: SellerDep, body: ChannelIn) -> ChannelOut:
    conn = ChannelConnection.model_validate(
        {
            **body.model_dump(exclude={"kind", "options"}),
            "kind": body.kind or PLATFORM_KINDS.get(body.platform, "webshop"),
            "options": body.options,
        }
    )
    with transaction(engine) as session:
        return _out(store.add_connection(session, seller, conn))


@router.get("/quarantine", tags=["quarantine"], summary="Channel payloads that could not be mapped")
def list_quarantine(engine: EngineDep, seller: SellerDep) -> list[QuarantinedOut]:
    with transaction(engine) as session:
        items = quarantine.list_open(session, seller.id)
    return [QuarantinedOut.model_validate(q, from_attributes=True) for q in items]


@router.get("/quarantine/{item_id}", tags=["quarantine"], summary="One quarantined payload")
def show_quarantine(
    engine: EngineDep, seller: SellerDep, item_id: Annotated[int, Path(ge=1, le=2**53)]
) -> QuarantinedOut:
    with transaction(engine) as session:
        item = quarantine.get(session, seller.id, item_id)
    return QuarantinedOut.model_validate(item, from_attributes=True)
