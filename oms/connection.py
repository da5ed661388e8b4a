"""A seller's connection to one sales channel. Credentials are held by reference only."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from oms.model import Language


class ChannelKind(StrEnum):
    WEBSHOP = "webshop"  # the seller's own shop: Sales Scaler emails its buyers
    MARKETPLACE = "marketplace"  # the marketplace talks to its buyers itself


PLATFORM_KINDS: dict[str, ChannelKind] = {
    "shopify": ChannelKind.WEBSHOP,
    "woocommerce": ChannelKind.WEBSHOP,
    "mirakl": ChannelKind.MARKETPLACE,
    "manual": ChannelKind.WEBSHOP,
}

# env:VARIABLE_NAME, or block:prefect-secret-block-name
CREDENTIALS_REF = re.compile(r"(env:[A-Z_][A-Z0-9_]{0,127}|block:[a-z0-9][a-z0-9-]{0,62})")


class ConnectionOptions(BaseModel):
    """Per-connection knobs; adapters read what they need."""

    model_config = ConfigDict(extra="allow")
    default_language: Language | None = None
    invoice_payment_methods: list[str] = Field(default_factory=list)  # e.g. WooCommerce "bacs"
    rate_limit_per_second: float = Field(default=2.0, gt=0, le=1000)
    page_size: int = Field(default=100, ge=1, le=250)
    overlap_seconds: int = Field(default=300, ge=0, le=86_400)


class ChannelConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: int = 0
    seller_id: int = 0
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    platform: str
    kind: ChannelKind
    base_url: Annotated[str, Field(max_length=512)]
    credentials_ref: str
    options: ConnectionOptions = Field(default_factory=ConnectionOptions)
    sync_cursor: str | None = None

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if value not in PLATFORM_KINDS:
            raise ValueError(f"unknown platform {value!r} (known: {', '.join(PLATFORM_KINDS)})")
        return value

    @field_validator("credentials_ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        if not CREDENTIALS_REF.fullmatch(value):
            raise ValueError(
                "must be a reference, env:VARIABLE or block:secret-block-name, never the secret"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    def option(self, name: str, default: Any = None) -> Any:
        return getattr(self.options, name, default)
