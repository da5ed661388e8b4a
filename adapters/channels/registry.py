"""Which adapter serves which platform, and how raw files split into orders.

channel_for(connection, client, secret) -> SalesChannel
mapper_for(platform) -> (raw order dict -> NormalizedOrder), default options
split_payload(platform, data) -> list of raw order dicts
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

import httpx

from adapters.channels.base import MappingError, SalesChannel
from oms.connection import ChannelConnection
from oms.model import NormalizedOrder

PLATFORMS = ("shopify", "woocommerce", "mirakl")


# platform -> (module, adapter class); the module also has `map_order(raw, ...)`.
_ADAPTERS = {
    "shopify": ("adapters.channels.shopify", "ShopifyChannel"),
    "woocommerce": ("adapters.channels.woocommerce", "WooCommerceChannel"),
    "mirakl": ("adapters.channels.mirakl", "MiraklChannel"),
}


def _module(platform: str) -> Any:
    if platform not in _ADAPTERS:
        raise ValueError(
            f"no channel adapter for platform {platform!r} (known: {', '.join(PLATFORMS)})"
        )
    return importlib.import_module(_ADAPTERS[platform][0])


def channel_for(connection: ChannelConnection, client: httpx.Client, secret: str) -> SalesChannel:
    """The adapter for `connection.platform`, talking through `client` with `secret`."""
    adapter = getattr(_module(connection.platform), _ADAPTERS[connection.platform][1])
    return cast(SalesChannel, adapter(connection, client, secret))


def mapper_for(platform: str) -> Callable[[dict[str, Any]], NormalizedOrder]:
    """Map raw orders of `platform` without a connection (default options: no default
    language, no pay-by-invoice methods beyond the platform's own)."""
    return cast(Callable[[dict[str, Any]], NormalizedOrder], _module(platform).map_order)


# The wrapper keys each platform's API puts around one order or a list of them.
_WRAPPERS = {
    "shopify": ("order", "orders"),
    "woocommerce": ("order", "orders"),
    "mirakl": ("order", "orders"),
}


def split_payload(platform: str, data: Any) -> list[dict[str, Any]]:
    """The raw orders in a payload: one order object, {"order": ...}, {"orders": [...]}, or a list."""
    if platform not in _WRAPPERS:
        raise ValueError(f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    one, many = _WRAPPERS[platform]
    if isinstance(data, dict) and isinstance(data.get(many), list):
        data = data[many]
    elif isinstance(data, dict) and isinstance(data.get(one), dict):
        data = [data[one]]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise MappingError("the payload is neither an order object nor a list of orders")
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise MappingError(f"item {i} of the payload is not a JSON object")
    return list(data)
