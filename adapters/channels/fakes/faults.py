"""What a fake channel does wrong and what it remembers: faults, the token bucket, records."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Faults:
    """What a fake does wrong, and how often (shares of requests, 0..1)."""

    error_rate: float = 0.0  # answered 500 (half before, half after the change is applied)
    rate_limit_rate: float = 0.0  # answered 429 with Retry-After
    retry_after: float = 0.05  # seconds, in Retry-After (fractional)
    slow_rate: float = 0.0  # delayed by slow_seconds
    slow_seconds: float = 0.2
    drop_rate: float = 0.0  # connection closed without an answer (half before, half after)
    mutate_rate: float = 0.0  # list pages after which some orders change (updated_at bumps)
    latency: float = 0.0  # added to every response (seconds)
    rate_limit_per_second: float | None = None  # a real token bucket: 429 when exceeded
    seed: int = 0


@dataclass(frozen=True)
class Write:
    """One write request as the fake received it (faulted or not)."""

    method: str
    path: str
    body: Any
    at: float  # time.time()
    status: int  # what the client got: 0 when the connection was dropped


@dataclass
class Counters:
    requests: int = 0
    answered_429: int = 0  # all 429s (faults + bucket)
    bucket_429: int = 0  # 429s because the client went over rate_limit_per_second
    answered_500: int = 0
    dropped: int = 0
    slowed: int = 0
    mutations: int = 0
    accepted_at: list[float] = field(default_factory=list)  # monotonic times past the bucket
    statuses: list[int] = field(default_factory=list)  # in arrival order, 0 = dropped
    at_429: list[float] = field(default_factory=list)  # monotonic times of the 429s sent


class TokenBucket:
    """`rate` tokens per second, at most `rate` (one second's worth) in the bucket."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0.0 when a token was taken, else the seconds until one is there."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    @property
    def used(self) -> int:
        return int(self.capacity - self.tokens)
