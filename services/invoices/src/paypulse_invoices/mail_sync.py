"""Incremental Gmail sync, as Gmail's sync guide describes it
(https://developers.google.com/workspace/gmail/api/guides/sync): after a complete sync the
mailbox's ``historyId`` is stored per user and kind of mail (ledger ``sync#<kind>``); the next
sync lists only the messages added since (``users.history.list``, 2 quota units a page) and runs
the usual vendor searches only when something was added, keeping the search results that are
among the additions: the same criteria as a full sync, decided by Gmail's own search. A start id
Gmail no longer answers for (404: "your application should perform a full sync") falls back to
the full search. Messages taken before are recognised by their Gmail id (ledger
``mail#<kind>#<id>``) before anything is fetched or downloaded.

The history id of a full sync is read (``users.getProfile``) before its search starts, so mail
arriving during the search is in the next sync's history; it is stored only once the sync
completed, never moves backwards (conditional write), and is bound to the mailbox's address:
after the user connects another Google account the next sync is a full one (history ids of two
mailboxes are unrelated numbers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from paypulse_common import ledger
from paypulse_common.logs import get_logger

log = get_logger("paypulse.mail_sync")

# Gmail's search leaves these out (messages.list ``includeSpamTrash`` defaults to false), so an
# addition carrying one of them can never match a vendor search.
_NEVER_SEARCHED = frozenset({"SPAM", "TRASH"})


@dataclass(frozen=True)
class SyncScope:
    """What one sync looks at: ``added`` message ids (incremental), or every search result
    (``added`` None: full sync); ``next_history_id`` (of ``account``'s mailbox) is stored once
    the sync completed."""

    kind: str
    account: str
    next_history_id: int
    added: frozenset[str] | None

    @property
    def nothing_new(self) -> bool:
        """Incremental and no message that a search could find was added: no search needed."""
        return self.added is not None and not self.added

    def narrow(self, ids: list[str]) -> list[str]:
        """The search results this sync looks at (search order kept)."""
        return ids if self.added is None else [i for i in ids if i in self.added]


async def scope(gmail: Any, user_id: str, kind: str, *, full: bool = False) -> SyncScope:
    """Incremental from the stored history id when it is this mailbox's and Gmail still
    answers for it, else (or with ``full``) full."""
    from paypulse_gmail.client import HistoryExpiredError

    stored = None if full else await ledger.synced_history(user_id, kind)
    account = await gmail.account_email() if stored is not None else None
    if stored is not None and account is None:  # tokens stored before addresses were kept
        account = str((await gmail.get_profile())["emailAddress"]).lower()
    if stored is not None and stored[1] == account:
        try:
            changes = await gmail.list_history(stored[0])
        except HistoryExpiredError:
            log.info("gmail history expired; full sync", extra={"user_id": user_id, "kind": kind})
        else:
            added = frozenset(
                str(m["id"])
                for m in changes.added
                if not _NEVER_SEARCHED & set(m.get("labelIds") or [])
            )
            return SyncScope(kind, stored[1], changes.history_id, added)
    profile = await gmail.get_profile()
    return SyncScope(kind, str(profile["emailAddress"]).lower(), int(profile["historyId"]), None)


async def added_senders(gmail: Any, sync: SyncScope, searches: int) -> list[str] | None:
    """The ``From`` headers (lower-cased) of the messages an incremental sync looks at, read
    with ``format=metadata`` when that costs fewer units than ``searches`` searches (5 units
    a message vs 5 a search); None when it would not (or the sync is full)."""
    if sync.added is None or not sync.added or len(sync.added) >= searches:
        return None
    found = await gmail.get_messages(
        sorted(sync.added), format="metadata", metadata_headers=["From"]
    )
    return [
        " ".join(
            str(h.get("value", ""))
            for h in (m.get("payload") or {}).get("headers") or []
            if str(h.get("name", "")).lower() == "from"
        ).lower()
        for m in found
    ]


def may_match_sender(senders: list[str] | None, patterns: str | Iterable[str]) -> bool:
    """Whether a vendor search (``from:`` its patterns) could find one of the added messages:
    every word of a pattern occurs in a sender (substrings: looser than Gmail's whole-word
    ``from:``, so a search that could find something is never skipped). True when the senders
    are unknown."""
    import re

    if senders is None:
        return True
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        pieces = re.findall(r"[^\W_]+", str(pattern).lower())
        if pieces and any(all(p in sender for p in pieces) for sender in senders):
            return True
    return False


async def unseen(user_id: str, kind: str, ids: Iterable[str]) -> list[str]:
    """``ids`` without the messages taken by an earlier run (order kept)."""
    wanted = list(dict.fromkeys(ids))
    seen = await ledger.seen_messages(user_id, kind, wanted)
    return [i for i in wanted if i not in seen]


async def complete(user_id: str, sync: SyncScope) -> None:
    """The sync finished: the next one starts from its history id."""
    await ledger.advance_history(user_id, sync.kind, sync.next_history_id, sync.account)
