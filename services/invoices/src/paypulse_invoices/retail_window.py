"""The date window of a retail fetch: a custom range (both dates, end inclusive), or from the
user's last complete scheduled run (``last_retail_invoice_fetch``) to today, else 30 days."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Window:
    start: date  # inclusive
    end: date  # inclusive
    custom: bool

    @property
    def before(self) -> date:
        """Gmail's ``before:`` is exclusive."""
        return self.end + timedelta(days=1)

    def to_json(self) -> dict[str, str]:
        """ISO dates (YYYY-MM-DD), the format the request's start_date/end_date use."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def requested(payload: dict[str, Any]) -> tuple[Window | None, str | None]:
    """The custom window and vendor category of a request already validated by the route's
    model (dates are YYYY-MM-DD). One date alone: the other is today (only a start) or 30 days
    before the end (only an end). The end is at most today; a window longer than ``MAX_DAYS``
    keeps its last ``MAX_DAYS``; an end before the start is an empty window (finds nothing)."""
    category = payload.get("vendor_category")
    start_text, end_text = payload.get("start_date"), payload.get("end_date")
    if start_text is None and end_text is None:
        return None, category
    today = datetime.now(UTC).date()
    end = min(date.fromisoformat(end_text), today) if end_text else today
    start = date.fromisoformat(start_text) if start_text else end - timedelta(days=DEFAULT_DAYS)
    start = max(start, end - timedelta(days=MAX_DAYS))
    return Window(start, end, custom=True), category


def incremental(last_fetch: str | None) -> Window:
    today = datetime.now(UTC).date()
    start = today - timedelta(days=DEFAULT_DAYS)
    if last_fetch:
        with contextlib.suppress(ValueError):
            start = datetime.fromisoformat(last_fetch.replace("Z", "+00:00")).date()
    return Window(min(start, today), today, custom=False)
