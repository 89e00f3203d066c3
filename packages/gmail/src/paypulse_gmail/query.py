"""Gmail search queries (the ``q`` of users.messages.list) built from vendor configurations
(vendor_configs/*.json: rental landlords and retail vendors alike)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

_UNSAFE_SENDER = re.compile(r'[\s"(){}]')


def utc_midnight(value: date) -> str:
    """The start of ``value`` in UTC as epoch seconds, for after:/before:. "All dates used in
    the search query are interpreted as midnight on that date in the PST timezone. To specify
    accurate dates for other timezones pass the value in seconds instead"
    (https://developers.google.com/workspace/gmail/api/guides/filtering)."""
    return str(int(datetime.combine(value, time(), tzinfo=UTC).timestamp()))


def quoted(value: str) -> str:
    """A double-quoted phrase; Gmail has no escape for ``"`` so inner quotes become spaces."""
    phrase = " ".join(value.replace('"', " ").split())
    if not phrase:
        raise ValueError("empty phrase")
    return f'"{phrase}"'


def from_clause(sender: str | Iterable[str]) -> str:
    """``from:a`` for one sender, ``(from:a OR from:b)`` for several (duplicates dropped)."""
    senders = [sender] if isinstance(sender, str) else list(sender)
    cleaned: list[str] = []
    for item in senders:
        value = item.strip().lower()
        if not value or _UNSAFE_SENDER.search(value):
            raise ValueError(f"invalid sender: {item!r}")
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise ValueError("at least one sender is required")
    terms = [f"from:{s}" for s in cleaned]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _subject(item: str | Mapping[str, object]) -> str:
    if isinstance(item, str):
        return f"subject:{quoted(item)}"
    listed: Any = item.get("keywords", [])
    keywords = [k for k in listed if isinstance(k, str)]
    joiner = " " if str(item.get("logic", "OR")).upper() == "AND" else " OR "
    return "(" + joiner.join(f"subject:{quoted(k)}" for k in keywords) + ")"


def vendor_query(vendor: Mapping[str, object], *, after: date, before: date) -> str:
    """The search for one vendor configuration (vendor_configs/*.json), e.g.
    ``(from:a OR from:b) (subject:"A" OR (subject:"B" subject:"C")) after:1704067200
    before:1706745600``. ``subject_keywords`` items are phrases (OR-ed) or
    ``{"keywords": [...], "logic": "AND" | "OR"}``. The window is whole UTC days: ``after``
    midnight UTC (inclusive) to ``before`` midnight UTC (exclusive in Gmail: pass the last
    wanted day + 1)."""
    senders: Any = vendor["sender_patterns"]
    parts = [from_clause(senders)]
    keywords: Any = vendor.get("subject_keywords") or []
    items = [keywords] if isinstance(keywords, Mapping) else list(keywords)
    subjects = [_subject(item) for item in items]
    if len(subjects) == 1:
        parts.append(subjects[0])
    elif subjects:
        parts.append("(" + " OR ".join(subjects) + ")")
    parts += [f"after:{utc_midnight(after)}", f"before:{utc_midnight(before)}"]
    return " ".join(parts)
