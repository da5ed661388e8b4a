"""`/v1/settings`: every settings group of the seller, read and replaced one group at a time."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel
from sqlalchemy import Engine

from api.auth import EngineDep, SellerDep
from api.errors import ERROR_RESPONSES, refuse_nul
from oms.errors import InvalidInput
from oms.seller import (
    SETTINGS_GROUPS,
    Automations,
    Branding,
    ChartOfAccounts,
    DocumentSettings,
    Notifications,
    Seller,
    SellerProfile,
)
from oms.store import sellers as store
from oms.store.db import transaction

router = APIRouter(
    prefix="/v1/settings",
    tags=["settings"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(refuse_nul)],
)
Group = Literal["profile", "automations", "notifications", "branding", "documents", "accounts"]
M = TypeVar("M", bound=BaseModel)


class AllSettings(BaseModel):
    profile: SellerProfile
    automations: Automations
    notifications: Notifications
    branding: Branding
    documents: DocumentSettings
    accounts: ChartOfAccounts


def save_group(engine: Engine, seller: Seller, group: str, value: M) -> M:
    """Save one validated group; the slug (the seller's name in URLs and the CLI) stays."""
    if isinstance(value, SellerProfile) and value.slug != seller.slug:
        raise InvalidInput("profile.slug: the slug cannot be changed through the API")
    with transaction(engine) as session:
        saved = store.save_settings(session, seller, group, value)
    result = getattr(saved, group)
    assert isinstance(result, type(value))
    return result


@router.get("", summary="Every settings group")
def get_all(seller: SellerDep) -> AllSettings:
    return AllSettings.model_validate(seller.model_dump(exclude={"id"}))


@router.patch("/{group}", summary="Change some fields of one group (validated as a whole)")
def patch_group(
    engine: EngineDep,
    seller: SellerDep,
    group: Group,
    changes: Annotated[dict[str, Any], Body(examples=[{"auto_confirm": True}])],
) -> dict[str, Any]:
    model = SETTINGS_GROUPS[group]
    current = getattr(seller, group).model_dump(mode="json")
    unknown = sorted(set(changes) - set(model.model_fields))
    if unknown:
        raise InvalidInput(f"{group}.{unknown[0]}: no such field")
    value = model.model_validate({**current, **changes})
    return save_group(engine, seller, group, value).model_dump(mode="json")


@router.get("/profile", summary="Who the seller is: name, address, VAT number, bank account")
def get_profile(seller: SellerDep) -> SellerProfile:
    return seller.profile


@router.put("/profile", summary="Replace the profile (the slug cannot change)")
def put_profile(engine: EngineDep, seller: SellerDep, body: SellerProfile) -> SellerProfile:
    return save_group(engine, seller, "profile", body)


@router.get("/automations", summary="Which automations are on")
def get_automations(seller: SellerDep) -> Automations:
    return seller.automations


@router.put("/automations", summary="Replace the automations")
def put_automations(engine: EngineDep, seller: SellerDep, body: Automations) -> Automations:
    return save_group(engine, seller, "automations", body)


@router.get("/notifications", summary="Which buyer emails are sent")
def get_notifications(seller: SellerDep) -> Notifications:
    return seller.notifications


@router.put("/notifications", summary="Replace the buyer email switches")
def put_notifications(engine: EngineDep, seller: SellerDep, body: Notifications) -> Notifications:
    return save_group(engine, seller, "notifications", body)


@router.get("/branding", summary="How documents and emails look")
def get_branding(seller: SellerDep) -> Branding:
    return seller.branding


@router.put("/branding", summary="Replace the branding")
def put_branding(engine: EngineDep, seller: SellerDep, body: Branding) -> Branding:
    return save_group(engine, seller, "branding", body)


@router.get("/documents", summary="Document numbering and payment terms")
def get_documents(seller: SellerDep) -> DocumentSettings:
    return seller.documents


@router.put("/documents", summary="Replace document numbering and payment terms")
def put_documents(engine: EngineDep, seller: SellerDep, body: DocumentSettings) -> DocumentSettings:
    return save_group(engine, seller, "documents", body)


@router.get("/accounts", summary="The chart of accounts for the accounting export")
def get_accounts(seller: SellerDep) -> ChartOfAccounts:
    return seller.accounts


@router.put("/accounts", summary="Replace the chart of accounts")
def put_accounts(engine: EngineDep, seller: SellerDep, body: ChartOfAccounts) -> ChartOfAccounts:
    return save_group(engine, seller, "accounts", body)
