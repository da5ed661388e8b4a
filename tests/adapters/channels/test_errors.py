"""HTTP failures become our error tree at the adapter boundary (httpx.MockTransport, no network)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapters.channels import mirakl
from adapters.channels.base import PermanentChannelError, RateLimited, RetryableChannelError
from adapters.channels.http import parse_retry_after, request
from adapters.channels.registry import channel_for
from adapters.channels.shopify import ShopifyChannel
from oms.connection import PLATFORM_KINDS, ChannelConnection
from tests.adapters.channels.support import item, mirakl_order, stored

Handler = Callable[[httpx.Request], httpx.Response]
SECRETS = {"shopify": "shpat_k", "woocommerce": "ck_k:cs_k", "mirakl": "mkey"}


def first_page(platform: str, handler: Handler) -> None:
    conn = ChannelConnection(
        name="c",
        platform=platform,
        kind=PLATFORM_KINDS[platform],
        base_url="https://shop.example",
        credentials_ref="env:K",
    )
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        next(iter(channel_for(conn, client, SECRETS[platform]).pages(None)))


def answer(status: int, headers: dict[str, str] | None = None, body: object = None) -> Handler:
    return lambda request: httpx.Response(
        status, headers=headers, json=body if body is not None else {"errors": "x"}
    )


def fail(exc: type[Exception]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)  # type: ignore[call-arg]

    return handler


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "mirakl"])
@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (answer(429, {"Retry-After": "2.0"}), RateLimited),
        (answer(500), RetryableChannelError),
        (answer(502), RetryableChannelError),
        (answer(503, {"Retry-After": "7"}), RetryableChannelError),
        (answer(400), PermanentChannelError),
        (answer(401), PermanentChannelError),
        (answer(403), PermanentChannelError),
        (answer(404), PermanentChannelError),
        (answer(422), PermanentChannelError),
        (fail(httpx.ConnectTimeout), RetryableChannelError),
        (fail(httpx.ReadTimeout), RetryableChannelError),
        (fail(httpx.ConnectError), RetryableChannelError),
        (fail(httpx.RemoteProtocolError), RetryableChannelError),
        (lambda r: httpx.Response(200, text="<html>maintenance</html>"), RetryableChannelError),
    ],
    ids=[
        "429", "500", "502", "503", "400", "401", "403", "404", "422",
        "connect-timeout", "read-timeout", "refused", "dropped", "html-200",
    ],
)  # fmt: skip
def test_each_failure_becomes_the_right_error(
    platform: str, handler: Handler, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        first_page(platform, handler)
    if error is PermanentChannelError:
        assert not isinstance(caught.value, RetryableChannelError)


def test_rate_limited_carries_the_wait_the_channel_asked_for() -> None:
    with pytest.raises(RateLimited) as caught:
        first_page("shopify", answer(429, {"Retry-After": "2.0"}))
    assert caught.value.retry_after == 2.0
    with pytest.raises(RetryableChannelError) as unavailable:
        first_page("mirakl", answer(503, {"Retry-After": "7"}))
    assert unavailable.value.retry_after == 7.0


def test_a_429_without_retry_after_still_says_to_wait_a_little() -> None:
    with pytest.raises(RateLimited) as caught:
        first_page("woocommerce", answer(429))
    assert caught.value.retry_after == 1.0


def test_retry_after_reads_seconds_fractions_and_http_dates() -> None:
    assert parse_retry_after("0.05") == 0.05
    assert parse_retry_after("3") == 3.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= (parse_retry_after(later) or 0) <= 30
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_error_messages_leave_out_the_query_string() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "bad key"})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(PermanentChannelError) as caught,
    ):
        request(
            client, "GET", "https://shop.example/wp-json/wc/v3/orders?consumer_secret=cs_hidden"
        )
    assert "cs_hidden" not in str(caught.value)
    assert str(caught.value) == "GET /wp-json/wc/v3/orders: 401 bad key"


def test_an_answer_of_the_wrong_shape_is_permanent_not_a_crash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=["not", "an", "order"])

    conn = ChannelConnection(
        name="c",
        platform="shopify",
        kind=PLATFORM_KINDS["shopify"],
        base_url="https://s.example",
        credentials_ref="env:K",
    )
    order = stored(mirakl.map_order(mirakl_order()))
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(PermanentChannelError, match="expected a JSON object, got list"):
            ShopifyChannel(conn, client, "k").apply(item("cancelled"), order)
        with pytest.raises(PermanentChannelError, match="no orders list"):
            next(iter(ShopifyChannel(conn, client, "k").pages(None)))
