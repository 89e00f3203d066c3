"""Pacing within Gmail's per-user quota, and the time budget for waiting.

Google's "Usage limits" page (https://developers.google.com/workspace/gmail/api/reference/quota):
15,000 quota units per user per minute (moving window, short bursts allowed; over it: 429
``userRateLimitExceeded``), 1,200,000 per project per minute (``rateLimitExceeded``); a request
costs its method's units (messages.list 5, messages.get 5, messages.attachments.get 5,
history.list 2, getProfile 1, watch 100, stop 50), and each request inside a batch costs its own.

A token bucket of ``capacity`` units refilled at ``rate`` units/s spends at most
``capacity + 60 * rate`` units in any minute, so sizing it as ``capacity + 60 * rate =
headroom * 15,000`` keeps one process under the per-user limit whatever the window. Other
processes working for the same user (and the project limit) are not visible here: their 429s are
handled by backing off.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from paypulse_common.errors import DependencyError

METHOD_UNITS = {
    "getProfile": 1,
    "history.list": 2,
    "messages.list": 5,
    "messages.get": 5,
    "messages.attachments.get": 5,
    "watch": 100,
    "stop": 50,
}
USER_UNITS_PER_MINUTE = 15_000
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class QuotaWaitTooLongError(DependencyError):
    """Staying within Gmail's quota would mean waiting past the caller's deadline (retryable:
    the work continues in a later invocation)."""


class TokenBucket:
    """Quota units per user, reserved before each request (loop- and thread-agnostic: a
    reservation may drive the balance negative; the caller then sleeps until it is repaid)."""

    def __init__(
        self,
        *,
        units_per_minute: int = USER_UNITS_PER_MINUTE,
        headroom: float = 0.9,
        burst_fraction: float = 1 / 6,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        budget = units_per_minute * headroom
        self.capacity = budget * burst_fraction
        self.rate = (budget - self.capacity) / 60.0  # units per second
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._stamp = clock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self, units: int) -> float:
        """Reserve ``units``; returns the seconds to wait before sending the request."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= units
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def refund(self, units: int) -> None:
        """Give back a reservation that will not be used."""
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + units)

    def is_full(self) -> bool:
        """Nothing reserved recently: the bucket carries no state worth keeping."""
        with self._lock:
            self._refill(self._clock())
            return self._tokens >= self.capacity

    def drain(self) -> None:
        """Gmail said the quota is spent (e.g. by another process): start from empty."""
        with self._lock:
            self._refill(self._clock())
            self._tokens = min(self._tokens, 0.0)


_buckets: dict[str, TokenBucket] = {}
_buckets_lock = threading.Lock()
_KEEP_BUCKETS = 256


def bucket_for(user: str) -> TokenBucket:
    """The process-wide bucket of one user (shared by the clients of warm invocations, so
    back-to-back invocations for one user do not each start with a full burst). Full buckets
    are forgotten once many users were seen (a schedule walks every user)."""
    with _buckets_lock:
        bucket = _buckets.get(user)
        if bucket is None:
            if len(_buckets) >= _KEEP_BUCKETS:
                for key in [k for k, b in _buckets.items() if b.is_full()]:
                    del _buckets[key]
            bucket = _buckets[user] = TokenBucket()
        return bucket


def backoff_delay(attempt: int, *, base: float, cap: float, retry_after: float | None) -> float:
    """Exponential backoff with jitter: a random delay between half and all of
    ``min(cap, base * 2**attempt)``; at least a server's ``Retry-After`` (capped)."""
    ceiling = min(cap, base * 2**attempt)
    if retry_after is not None:
        return min(cap, max(retry_after, ceiling))
    return ceiling * (0.5 + random.random() / 2)
