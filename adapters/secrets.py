"""Channel credentials, read at run time from the reference a connection holds.

    env:VARIABLE          the environment variable VARIABLE
    block:secret-name     the Prefect Secret block `secret-name`

Errors name the reference, never the value. The value comes back as a
`SecretStr`, so that printing or logging it shows "**********".
"""

from __future__ import annotations

import os
from typing import cast

import httpx
from pydantic import SecretStr

from adapters.channels.base import PermanentChannelError, RetryableChannelError
from oms.connection import CREDENTIALS_REF, ChannelConnection


class SecretNotFound(PermanentChannelError):
    """The referenced credential is not there (retrying will not conjure it)."""


def resolve_secret(ref: str) -> SecretStr:
    """The credential behind `env:VAR` or `block:name`; SecretNotFound naming the reference."""
    if not CREDENTIALS_REF.fullmatch(ref or ""):
        raise SecretNotFound(
            "a credentials reference must be env:VARIABLE or block:secret-block-name"
        )
    kind, _, name = ref.partition(":")
    if kind == "env":
        value = os.environ.get(name)
        if not value:
            raise SecretNotFound(f"environment variable {name} is not set (credentials {ref})")
        return SecretStr(value)
    from prefect.blocks.system import Secret

    try:
        block = Secret.load(name, _sync=True)  # type: ignore[call-arg]
    except ValueError as exc:
        raise SecretNotFound(
            f"Prefect Secret block {name!r} not found (credentials {ref})"
        ) from exc
    except Exception as exc:  # the Prefect API is down or unreachable: try again later
        raise RetryableChannelError(
            f"could not read Prefect Secret block {name!r}: {type(exc).__name__}"
        ) from exc
    value = cast(Secret[str], block).get()
    if not isinstance(value, str) or not value:
        raise SecretNotFound(f"Prefect Secret block {name!r} holds no text value")
    return SecretStr(value)


def http_client(connection: ChannelConnection) -> httpx.Client:
    """One keep-alive client per connection: real timeouts, a bounded pool, no redirects to follow."""
    concurrency = max(2, min(32, int(connection.options.rate_limit_per_second * 2)))
    return httpx.Client(
        timeout=httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=30.0),
        limits=httpx.Limits(
            max_connections=concurrency,
            max_keepalive_connections=concurrency,
            keepalive_expiry=60.0,
        ),
        headers={"User-Agent": "SalesScaler/1.0 (+order management)"},
        follow_redirects=False,
    )
