"""Fake channel servers: each speaks its platform's HTTP API on 127.0.0.1, orders in memory.

    with start_fake("shopify", faults=Faults(error_rate=0.2)) as fake:
        ids = fake.add_orders(250)
        ...                      # point a ChannelConnection at fake.base_url, secret fake.secret
        fake.effects()           # [(channel order id, "shipped"), ...] — each applied change once

The tests and `make demo` use them; production talks to the real platforms.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

from adapters.channels.fakes.faults import Counters, Faults, Write
from adapters.channels.fakes.server import FakeServer

FakeChannel = FakeServer


_FAKES = {
    "shopify": ("adapters.channels.fakes.shopify", "FakeShopify"),
    "woocommerce": ("adapters.channels.fakes.woocommerce", "FakeWooCommerce"),
    "mirakl": ("adapters.channels.fakes.mirakl", "FakeMirakl"),
}


def fake_for(platform: str, **kwargs: Any) -> FakeChannel:
    """A fake server for `platform` (not started): shopify, woocommerce or mirakl."""
    if platform not in _FAKES:
        raise ValueError(f"no fake server for platform {platform!r}")
    module, name = _FAKES[platform]
    return cast(FakeChannel, getattr(importlib.import_module(module), name)(**kwargs))


def start_fake(platform: str, **kwargs: Any) -> FakeChannel:
    """A started fake server for `platform`; kwargs: secret=..., faults=Faults(...)."""
    return fake_for(platform, **kwargs).start()


__all__ = ["Counters", "FakeChannel", "Faults", "Write", "fake_for", "start_fake"]
