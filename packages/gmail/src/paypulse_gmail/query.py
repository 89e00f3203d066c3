"""Gmail search queries (the ``q`` of users.messages.list) built from vendor settings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

_UNSAFE_SENDER = re.compile(r'[\s"(){}]')


def gmail_date(value: date) -> str:
    """``YYYY/MM/DD`` as Gmail's after:/before: operators expect."""
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


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


def rental_query(
    sender: str | list[str],
    subject: str,
    *,
    after: date | None = None,
    before: date | None = None,
) -> str:
    """The rent-notice search: sender(s), quoted subject, optional date window
    (``after`` inclusive, ``before`` exclusive, as Gmail treats them)."""
    clauses = [from_clause(sender), f"subject:{quoted(subject)}"]
    if after is not None:
        clauses.append(f"after:{gmail_date(after)}")
    if before is not None:
        clauses.append(f"before:{gmail_date(before)}")
    return " ".join(clauses)
