"""One contract every channel adapter passes against its fake server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial

import httpx
import pytest

from adapters.channels.base import (
    MappingError,
    PermanentChannelError,
    RateLimited,
    RetryableChannelError,
    SalesChannel,
)
from adapters.channels.fakes import FakeChannel, Faults, start_fake
from adapters.channels.registry import channel_for
from oms.status import OrderStatus
from tests.adapters.channels.support import TRACKING, TRACKING_PAYLOAD, connection_to, item, stored

PLATFORMS = ["shopify", "woocommerce", "mirakl"]
# What the order looks like on the channel after confirm, tracking, ship, deliver.
FINAL_STATUS = {
    "shopify": OrderStatus.DELIVERED,  # a fulfillment event "delivered"
    "woocommerce": OrderStatus.SHIPPED,  # "completed"; WooCommerce has no delivered status
    "mirakl": OrderStatus.SHIPPED,  # the buyer confirms receipt on Mirakl
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FakeChannel]]:
    """One running fake per platform for the module; each test gets it reset."""
    started = {p: start_fake(p) for p in PLATFORMS}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture(params=PLATFORMS)
def fake(request: pytest.FixtureRequest, servers: dict[str, FakeChannel]) -> FakeChannel:
    server = servers[request.param]
    server.reset()
    return server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(10.0)) as c:
        yield c


@pytest.fixture
def channel(fake: FakeChannel, client: httpx.Client) -> SalesChannel:
    return channel_for(
        connection_to(fake, default_language="fr", invoice_payment_methods=["invoice"]),
        client,
        fake.secret,
    )


def all_ids(channel: SalesChannel, since: str | None = None) -> list[str]:
    ids = []
    for page in channel.pages(since):
        ids += [channel.map_order(raw).channel_order_id for raw in page.orders]
    return ids


def with_retries(call: Callable[[], object], tries: int = 60) -> object:
    """What the push flow does, in small: retry what is retryable."""
    for _ in range(tries - 1):
        try:
            return call()
        except RetryableChannelError:
            continue
    return call()


def test_paging_returns_each_order_exactly_once_with_a_cursor(
    fake: FakeChannel, channel: SalesChannel
) -> None:
    wanted = fake.add_orders(250)
    pages = list(channel.pages(None))
    ids = [channel.map_order(raw).channel_order_id for page in pages for raw in page.orders]
    assert sorted(ids) == sorted(wanted)
    assert len(pages) == 3  # page size 100
    assert [p.next_page is None for p in pages] == [False, False, True]
    assert all(p.max_updated_at and p.max_updated_at.endswith("+00:00") for p in pages)


def test_every_generated_order_maps_to_the_swiss_values_it_was_made_of(
    fake: FakeChannel, channel: SalesChannel
) -> None:
    fake.add_orders(40)
    orders = [channel.map_order(raw) for page in channel.pages(None) for raw in page.orders]
    assert len(orders) == 40
    for o in orders:
        assert o.currency == "CHF" and o.status is OrderStatus.OPEN
        assert o.delivery_address.country == "CH"
        assert {line.vat_rate for line in o.lines} <= {Decimal("8.1"), Decimal("2.6")}
        assert sum((line.total for line in o.lines), Decimal(0)) + o.shipping == o.total
        assert all(line.unit_price * line.quantity == line.total for line in o.lines)
        assert "&" not in "".join(line.name for line in o.lines).replace(" & ", "")
    languages = Counter(o.buyer.language for o in orders)
    assert set(languages) <= {"de", "fr", "it"} and len(languages) >= 2
    methods = Counter(o.payment.method.value for o in orders)
    if fake.platform == "mirakl":
        assert methods == {"prepaid": 40}  # the marketplace collects the money
    else:
        assert methods["invoice"] > 0 and methods["prepaid"] > 0


def test_each_event_is_applied_once_and_a_repeat_is_acknowledged_without_a_second_change(
    fake: FakeChannel, channel: SalesChannel
) -> None:
    first, second = fake.add_orders(2)
    order = channel.map_order(fake.order(first))
    steps = [
        ("confirmed", {}, OrderStatus.CONFIRMED, None),
        ("tracking", TRACKING_PAYLOAD, OrderStatus.CONFIRMED, TRACKING),
        ("shipped", {}, OrderStatus.SHIPPED, TRACKING),
        ("delivered", {}, OrderStatus.DELIVERED, TRACKING),
    ]
    for event, payload, status, tracking in steps:
        channel.apply(item(event, payload), stored(order, tracking, status=status))
    effects = fake.effects()
    assert [e for _, e in effects] == [
        e for e in ("confirmed", "tracking", "shipped", "delivered") if (first, e) in effects
    ]
    assert (first, "shipped") in effects
    assert channel.map_order(fake.order(first)).status is FINAL_STATUS[fake.platform]
    for event, payload, status, tracking in steps:  # a retry of a done write
        again = channel.apply(
            item(event, payload, attempts=2), stored(order, tracking, status=status)
        )
        assert not again.applied, (event, again)
    assert fake.effects() == effects

    other = channel.map_order(fake.order(second))
    done = channel.apply(
        item("cancelled", {"reason": "out of stock"}), stored(other, status=OrderStatus.CANCELLED)
    )
    assert done.applied and fake.effects()[-1] == (second, "cancelled")
    assert channel.map_order(fake.order(second)).status is OrderStatus.CANCELLED
    assert not channel.apply(
        item("cancelled", {"reason": "x"}), stored(other, status=OrderStatus.CANCELLED)
    ).applied


def test_writes_retried_through_faults_reach_the_channel_exactly_once(
    fake: FakeChannel, channel: SalesChannel
) -> None:
    ids = fake.add_orders(12)
    orders = {oid: channel.map_order(fake.order(oid)) for oid in ids}
    fake.set_faults(
        Faults(error_rate=0.25, drop_rate=0.15, rate_limit_rate=0.1, retry_after=0.0, seed=7)
    )
    for o in orders.values():
        confirmed = stored(o, status=OrderStatus.CONFIRMED)
        shipped = stored(o, TRACKING, status=OrderStatus.SHIPPED)
        with_retries(partial(channel.apply, item("confirmed"), confirmed))
        with_retries(partial(channel.apply, item("shipped", TRACKING_PAYLOAD), shipped))
    effects = fake.effects()
    assert len(effects) == len(set(effects)), "a state change was applied twice"
    assert {oid for oid, e in effects if e == "shipped"} == set(ids)
    assert fake.counters.answered_500 and fake.counters.dropped and fake.counters.answered_429
    # some faults struck after the change was applied: the retry found it done
    assert any(w.status in (0, 500) for w in fake.writes)


@pytest.mark.parametrize(
    ("faults", "error"),
    [
        (Faults(error_rate=1.0), RetryableChannelError),
        (Faults(drop_rate=1.0), RetryableChannelError),
        (Faults(rate_limit_rate=1.0, retry_after=0.25), RateLimited),
    ],
    ids=["500", "dropped", "429"],
)
def test_faults_become_the_right_exceptions(
    fake: FakeChannel, channel: SalesChannel, faults: Faults, error: type[Exception]
) -> None:
    fake.add_orders(3)
    fake.set_faults(faults)
    with pytest.raises(error) as caught:
        list(channel.pages(None))
    if error is RateLimited:
        assert caught.value.retry_after == pytest.approx(0.25)  # type: ignore[attr-defined]


def test_a_slow_answer_past_the_client_timeout_is_retryable(fake: FakeChannel) -> None:
    fake.add_orders(1)
    fake.set_faults(Faults(slow_rate=1.0, slow_seconds=0.5))
    with httpx.Client(timeout=httpx.Timeout(0.1)) as quick:
        channel = channel_for(connection_to(fake), quick, fake.secret)
        with pytest.raises(RetryableChannelError, match="timed out"):
            list(channel.pages(None))


def test_a_wrong_credential_is_permanent_and_is_not_echoed(
    fake: FakeChannel, client: httpx.Client
) -> None:
    fake.add_orders(1)
    wrong = "ck_Zq81:cs_Zq82" if fake.platform == "woocommerce" else "Zq81-not-the-key"
    channel = channel_for(connection_to(fake), client, wrong)
    with pytest.raises(PermanentChannelError, match="401") as caught:
        list(channel.pages(None))
    assert "Zq8" not in str(caught.value)


def test_orders_changing_while_we_page_are_each_still_read(
    fake: FakeChannel, channel: SalesChannel
) -> None:
    wanted = fake.add_orders(250)
    fake.set_faults(Faults(mutate_rate=1.0, seed=3))
    ids = all_ids(channel)
    assert sorted(ids) == sorted(wanted)
    assert fake.counters.mutations >= 2


def test_a_cancellation_on_the_channel_shows_up_in_the_next_poll(
    fake: FakeChannel, channel: SalesChannel
) -> None:
    ids = fake.add_orders(5)
    cursor = [p.max_updated_at for p in channel.pages(None)][-1]
    assert cursor is not None
    fake.touch(
        ids[2],
        cancelled=True,
        address={
            "name": "Eva Muster",
            "street": "Neugasse 1",
            "postal_code": "9000",
            "city": "St. Gallen",
        },
    )
    # the ingest polls from the cursor minus its overlap window; one hour here
    changed = [channel.map_order(raw) for p in channel.pages(_earlier(cursor)) for raw in p.orders]
    mine = next(o for o in changed if o.channel_order_id == ids[2])
    assert mine.status is OrderStatus.CANCELLED
    assert mine.delivery_address.street == "Neugasse 1"


def _earlier(stamp: str) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(stamp) - timedelta(hours=1)).isoformat()


def test_the_fake_token_bucket_answers_429_with_the_exact_wait_and_counts_them(
    fake: FakeChannel, client: httpx.Client
) -> None:
    fake.add_orders(1)
    fake.set_faults(Faults(rate_limit_per_second=2))  # a bucket of 2, refilled 2 per second
    channel = channel_for(connection_to(fake), client, fake.secret)
    statuses: Counter[str] = Counter()
    for _ in range(12):
        try:
            list(channel.pages(None))
            statuses["ok"] += 1
        except RateLimited as exc:
            assert exc.retry_after is not None and 0 < exc.retry_after <= 0.5
            statuses["429"] += 1
    assert statuses["429"] > 0 and fake.counters.bucket_429 == statuses["429"]
    assert fake.most_429_within(60.0) == statuses["429"] >= fake.most_429_within(0.0) >= 1
    assert fake.longest_429_run() >= 1


def test_an_order_broken_on_the_channel_is_refused_with_a_reason_and_the_rest_map(
    fake: FakeChannel, channel: SalesChannel
) -> None:
    ids = fake.add_orders(4)
    fake.touch(ids[1], broken=True)
    mapped, reasons = [], []
    for page in channel.pages(None):
        for raw in page.orders:
            try:
                mapped.append(channel.map_order(raw).channel_order_id)
            except MappingError as exc:
                reasons.append(str(exc))
    assert sorted(mapped) == sorted(ids[:1] + ids[2:])
    (reason,) = reasons
    assert reason.endswith(("no line items", "no order lines"))
