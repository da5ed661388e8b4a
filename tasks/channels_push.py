"""Pushing one claimed batch of channel outbox rows to the channels.

Items are grouped by connection (one keep-alive client and one pacer each) and
by order: an order's events go out one after the other, oldest first, and a
failed event holds back the later ones of its order. Orders run concurrently up
to the connection's rate limit. 429 / 5xx / timeouts are retried a few times in
the batch with exponential back-off and full jitter (a 429 pauses the whole
connection for its Retry-After); then the row is handed back for a later run,
or parked when the error is permanent. "Already in that state" is success.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine

from adapters.channels.base import (
    PermanentChannelError,
    RateLimited,
    RetryableChannelError,
)
from oms.connection import ChannelConnection
from oms.draining import Outcome
from oms.model import Order
from oms.store import orders as order_store
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.outbox import OutboxItem
from tasks.channels_links import Link, Links


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one event is tried inside a batch before it goes back to the outbox."""

    tries: int = 4
    base: float = 0.1  # seconds
    cap: float = 2.0  # a batch waits for its slowest order: keep the tail short
    longest_wait: float = 30.0  # a longer Retry-After goes back to the outbox instead
    later: float = 2.0  # seconds before a handed-back row is tried again

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential back-off for the `attempt`-th retry (1, 2, ...)."""
        return random.uniform(0, min(self.cap, self.base * 2**attempt))


DEFAULT_POLICY = RetryPolicy()


@dataclass
class PushStats:
    """Per connection: pushed (the channel changed), unchanged (already so / no-op),
    failed (handed back or parked); plus attempts (adapter calls) and 429s received."""

    pushed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    attempts: int = 0
    rate_limited: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str, channel: str, n: int = 1) -> None:
        with self._lock:
            getattr(self, what)[channel] += n

    def tick(self, rate_limited: bool = False) -> None:
        with self._lock:
            self.attempts += 1
            self.rate_limited += int(rate_limited)


def push_one(
    link: Link, item: OutboxItem, order: Order, stats: PushStats, policy: RetryPolicy
) -> Outcome:
    """Apply one event, retrying transient errors a few times; the outcome for the outbox."""
    name = link.conn.name
    last: RetryableChannelError | None = None
    for attempt in range(1, policy.tries + 1):
        try:  # the client's transport paces every request to the connection's rate limit
            result = link.channel.apply(item, order)
        except RateLimited as exc:
            stats.tick(rate_limited=True)
            last = exc
            wait = exc.retry_after if exc.retry_after is not None else policy.backoff(attempt)
            if wait > policy.longest_wait:
                break
            link.pacer.pause(wait)
            continue
        except RetryableChannelError as exc:
            stats.tick()
            last = exc
            wait = exc.retry_after if exc.retry_after is not None else policy.backoff(attempt)
            if wait > policy.longest_wait:
                break
            if attempt < policy.tries:
                time.sleep(wait)
            continue
        except PermanentChannelError as exc:
            stats.tick()
            stats.count("failed", name)
            return Outcome.give_up(f"{name}: {exc}")
        stats.tick()
        stats.count("pushed" if result.applied else "unchanged", name)
        return Outcome.done()
    stats.count("failed", name)
    retry_after = max(policy.later, last.retry_after or 0.0) if last else policy.later
    return Outcome.retry(f"{name}: {last}", retry_after=retry_after)


def push_chain(
    link: Link,
    items: Sequence[OutboxItem],
    order: Order,
    stats: PushStats,
    policy: RetryPolicy,
) -> dict[int, Outcome]:
    """One order's events in order; after a failure the later ones wait for the next run."""
    outcomes: dict[int, Outcome] = {}
    for item in items:
        if outcomes and not all(o.ok for o in outcomes.values()):
            outcomes[item.id] = Outcome.retry("an earlier event of this order is not through yet")
            continue
        outcomes[item.id] = push_one(link, item, order, stats, policy)
    return outcomes


@dataclass
class Batch:
    """The orders and connections a claimed batch refers to (one query per seller)."""

    orders: dict[int, Order]
    connections: dict[int, ChannelConnection]


def load_batch(engine: Engine, items: Sequence[OutboxItem]) -> Batch:
    by_seller: dict[int, list[int]] = defaultdict(list)
    for item in items:
        if item.order_id is not None:
            by_seller[item.seller_id].append(item.order_id)
    batch = Batch({}, {})
    with transaction(engine) as session:
        for seller_id, order_ids in by_seller.items():
            seller = seller_store.get_seller_by_id(session, seller_id)
            batch.orders.update(
                (o.id, o) for o in order_store.load_orders(session, seller, order_ids)
            )
            batch.connections.update(
                (c.id, c) for c in seller_store.list_connections(session, seller)
            )
    return batch


def push_items(
    engine: Engine,
    links: Links,
    items: Sequence[OutboxItem],
    stats: PushStats,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> dict[int, Outcome]:
    """The drain handler: every item's outcome; the work runs on each connection's workers."""
    batch = load_batch(engine, items)
    outcomes: dict[int, Outcome] = {}
    chains: dict[int, list[OutboxItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.id):
        order = batch.orders.get(item.order_id or -1)
        if order is None:
            outcomes[item.id] = Outcome.give_up(f"order #{item.order_id} not found")
            continue
        chains[order.id].append(item)
    futures: list[Future[dict[int, Outcome]]] = []
    for order_id, chain in chains.items():
        order = batch.orders[order_id]
        conn = batch.connections[order.connection_id]
        if conn.platform == "manual":
            # Orders typed in or imported from a file: there is no channel to tell.
            outcomes.update({i.id: Outcome.done() for i in chain})
            continue
        try:
            link = links.get(conn)
        except Exception as exc:  # a missing credential or an unknown platform
            error = f"{conn.name}: cannot open the channel: {type(exc).__name__}: {exc}"
            outcomes.update({i.id: Outcome.retry(error, retry_after=60) for i in chain})
            stats.count("failed", conn.name, len(chain))
            continue
        futures.append(link.workers.submit(push_chain, link, chain, order, stats, policy))
    for future in futures:
        outcomes.update(future.result())
    return outcomes
