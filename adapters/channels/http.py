"""The HTTP boundary of every channel adapter: one call, our error tree out.

    httpx.TimeoutException, httpx.TransportError   -> RetryableChannelError
    HTTP 429                                       -> RateLimited(retry_after=seconds)
    HTTP 5xx                                       -> RetryableChannelError
    HTTP 4xx (400, 401, 403, 404, 422, ...)        -> PermanentChannelError
    a 2xx body that is not JSON                    -> RetryableChannelError (a proxy page)

Messages name the method, the path and the status, never a credential: the
query string is left out of every message because some platforms accept keys there.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from adapters.channels.base import PermanentChannelError, RateLimited, RetryableChannelError

_DEFAULT_RETRY_AFTER = 1.0


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number (fractions allowed) or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _where(method: str, url: httpx.URL | str) -> str:
    parsed = httpx.URL(str(url))
    return f"{method} {parsed.path}"


def _reason(response: httpx.Response) -> str:
    """A short reason from an error body (platforms put it in different fields)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or ""
    if isinstance(body, dict):
        for key in ("errors", "error", "message", "code"):
            if body.get(key):
                return str(body[key])[:300]
    return str(body)[:300]


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    accept: Collection[int] = (),
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; a 2xx (or a status in `accept`) comes back, anything else raises."""
    where = _where(method, url)
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise RetryableChannelError(f"{where}: timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise RetryableChannelError(f"{where}: connection failed ({type(exc).__name__})") from exc
    status = response.status_code
    if 200 <= status < 300 or status in accept:
        return response
    try:
        error = httpx.HTTPStatusError(
            f"{where}: {status}", request=response.request, response=response
        )
        raise error
    except httpx.HTTPStatusError as exc:
        reason = _reason(response)
        if status == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            raise RateLimited(
                f"{where}: 429 rate limited",
                retry_after=_DEFAULT_RETRY_AFTER if wait is None else wait,
            ) from exc
        if status >= 500 or status == 408:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            raise RetryableChannelError(f"{where}: {status} {reason}", retry_after=wait) from exc
        raise PermanentChannelError(f"{where}: {status} {reason}") from exc


def json_of(response: httpx.Response) -> Any:
    """The JSON body; a 2xx that is not JSON is a retryable glitch (a proxy's HTML page)."""
    try:
        return response.json()
    except ValueError as exc:
        where = _where(response.request.method, response.request.url)
        raise RetryableChannelError(f"{where}: {response.status_code} body is not JSON") from exc


def json_as(response: httpx.Response, kind: type[dict[str, Any]] | type[list[Any]]) -> Any:
    """The JSON body, which must be an object (dict) or an array (list): else the answer is not
    what the platform documents, and retrying will not change that."""
    body = json_of(response)
    if not isinstance(body, kind):
        where = _where(response.request.method, response.request.url)
        shape = "object" if kind is dict else "array"
        raise PermanentChannelError(f"{where}: expected a JSON {shape}, got {type(body).__name__}")
    return body
