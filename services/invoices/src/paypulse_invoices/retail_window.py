"""The date window of a retail fetch: a custom range (both dates, end inclusive), or from the
user's last complete scheduled run (``last_retail_invoice_fetch``) to today, else 30 days."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from paypulse_common.categories import RETAIL_SUB_TYPES, valid_sub_types
from paypulse_common.errors import InvalidRequestError, MissingFieldsError

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
        return {"start": f"{self.start:%Y/%m/%d}", "end": f"{self.end:%Y/%m/%d}"}


def _iso(payload: dict[str, Any], name: str) -> date:
    value = payload.get(name)
    try:
        return (
            date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad(name)
        )
    except ValueError:
        return _bad(name)


def _bad(name: str) -> date:
    raise InvalidRequestError(f"'{name}' must be a date as YYYY-MM-DD")


def requested(payload: dict[str, Any]) -> tuple[Window | None, str | None]:
    """The custom window and vendor category of an API request (None when not given)."""
    category = payload.get("vendor_category")
    if category is not None and category not in RETAIL_SUB_TYPES:
        raise InvalidRequestError(f"Invalid vendor_category. Valid options: {valid_sub_types()}")
    has_start, has_end = payload.get("start_date") is not None, payload.get("end_date") is not None
    if has_start != has_end:
        raise MissingFieldsError(
            "start_date" if not has_start else "end_date",
            message="Both start_date and end_date must be provided for custom date range",
        )
    if not has_start:
        return None, category
    start, end = _iso(payload, "start_date"), _iso(payload, "end_date")
    today = datetime.now(UTC).date()
    if end < start:
        raise InvalidRequestError("end_date must not be before start_date")
    if end > today:
        end = today
    if (end - start).days > MAX_DAYS:
        raise InvalidRequestError(f"The date range may span at most {MAX_DAYS} days")
    return Window(start, end, custom=True), category


def incremental(last_fetch: str | None) -> Window:
    today = datetime.now(UTC).date()
    start = today - timedelta(days=DEFAULT_DAYS)
    if last_fetch:
        with contextlib.suppress(ValueError):
            start = datetime.fromisoformat(last_fetch.replace("Z", "+00:00")).date()
    return Window(min(start, today), today, custom=False)
