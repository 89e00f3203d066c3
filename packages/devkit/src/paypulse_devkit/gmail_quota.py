"""Gmail API usage limits as Google's "Usage limits" page states them
(https://developers.google.com/workspace/gmail/api/reference/quota):

- per user: 15,000 quota units per user per minute → ``userRateLimitExceeded``;
- per project: 1,200,000 quota units per minute → ``rateLimitExceeded``;
- units per method: messages.list 5, messages.get 5, messages.attachments.get 5,
  history.list 2, getProfile 1, watch 100, stop 50; every request inside a batch counts on its own.

Both limits apply at once, over a moving one-minute window (a burst may spend a whole minute's
units at once; after that requests are refused until units age out of the window). A refused
request spends nothing. The clock is injectable so tests move time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from paypulse_gmail.pacing import METHOD_UNITS
from paypulse_gmail.pacing import USER_UNITS_PER_MINUTE as PER_USER_PER_MINUTE

PER_PROJECT_PER_MINUTE = 1_200_000
USER_LIMIT_REASON = "userRateLimitExceeded"
PROJECT_LIMIT_REASON = "rateLimitExceeded"


@dataclass(frozen=True)
class QuotaLimits:
    """The limits to enforce (the documented ones by default)."""

    per_user_per_minute: int = PER_USER_PER_MINUTE
    per_project_per_minute: int = PER_PROJECT_PER_MINUTE
    window_s: float = 60.0


class _Window:
    """Units spent in the last ``window_s`` seconds."""

    def __init__(self) -> None:
        self.spent: deque[tuple[float, int]] = deque()
        self.total = 0

    def used(self, now: float, window_s: float) -> int:
        while self.spent and self.spent[0][0] <= now - window_s:
            self.total -= self.spent.popleft()[1]
        return self.total

    def add(self, now: float, units: int) -> None:
        self.spent.append((now, units))
        self.total += units


class QuotaMeter:
    """Charges each Gmail request to its user and the project; thread-safe."""

    def __init__(
        self,
        limits: QuotaLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or QuotaLimits()
        self.clock = clock
        self._lock = threading.Lock()
        self._project = _Window()
        self._users: dict[str, _Window] = {}
        self._units: dict[str, Counter[str]] = {}
        self._refused: dict[str, Counter[str]] = {}

    def charge(self, user: str, method: str) -> str | None:
        """Spend ``method``'s units for ``user``: None when allowed, else the reason Gmail
        gives for refusing it."""
        units = METHOD_UNITS[method]
        key = user.lower()
        with self._lock:
            now = self.clock()
            window = self._users.setdefault(key, _Window())
            reason = None
            if window.used(now, self.limits.window_s) + units > self.limits.per_user_per_minute:
                reason = USER_LIMIT_REASON
            elif (
                self._project.used(now, self.limits.window_s) + units
                > self.limits.per_project_per_minute
            ):
                reason = PROJECT_LIMIT_REASON
            if reason is not None:
                self._refused.setdefault(key, Counter())[reason] += 1
                return reason
            window.add(now, units)
            self._project.add(now, units)
            self._units.setdefault(key, Counter())[method] += units
            return None

    def usage(self, user: str) -> dict[str, object]:
        """Units ``user`` spent per method since the start (or ``reset``), their total, the
        units in the current window and the requests refused per reason."""
        key = user.lower()
        with self._lock:
            units = dict(self._units.get(key, Counter()))
            window = self._users.get(key)
            in_window = window.used(self.clock(), self.limits.window_s) if window else 0
            refused = dict(self._refused.get(key, Counter()))
        return {
            "email": key,
            "units": units,
            "total": sum(units.values()),
            "window_units": in_window,
            "limit_per_minute": self.limits.per_user_per_minute,
            "refused": refused,
        }

    def reset(self) -> None:
        with self._lock:
            self._project = _Window()
            self._users.clear()
            self._units.clear()
            self._refused.clear()
