"""Gmail push notifications, the mailbox side: ``users.watch`` / ``users.stop``
(https://developers.google.com/workspace/gmail/api/guides/push).

A watch lasts 7 days ("You must re-call watch at least every 7 days"); it is set on Gmail
connect, renewed daily before it expires, and stopped when the account is deleted or another
Google account replaces it. Changes to spam and trash never notify (``labelIds`` SPAM/TRASH,
``labelFilterBehavior`` exclude): nothing there is ever synced.

``held_client`` is a Gmail client over tokens held in memory: a token it refreshes is never
written back, so stopping the watch of a mailbox that is being disconnected (its tokens are about
to be replaced) or of an account being deleted (nothing may be written for it) writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paypulse_gmail.token_store import StoredTokens

EXCLUDED_LABELS = ["SPAM", "TRASH"]
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Watched:
    history_id: int
    expiration_ms: int


class _HeldTokens:
    """A TokenStore over one user's tokens in memory (nothing is read or written elsewhere)."""

    def __init__(self, tokens: StoredTokens) -> None:
        self._tokens = tokens

    async def load(self, user_id: str) -> StoredTokens | None:
        return self._tokens

    async def save(self, user_id: str, tokens: StoredTokens) -> StoredTokens:
        self._tokens = tokens
        return tokens


def held_client(
    user_id: str, tokens: StoredTokens, *, client_id: str = "", time_budget_s: float = 10.0
) -> Any:
    """A GmailClient over ``tokens`` that never writes a refreshed token back."""
    from paypulse_common.runtime import settings
    from paypulse_gmail.client import GmailClient
    from paypulse_gmail.credentials import GmailCredentials

    s = settings()
    credentials = GmailCredentials(
        user_id,
        _HeldTokens(tokens),
        client_id=client_id,
        token_uri=f"{s.google_oauth_base}/token",
    )
    return GmailClient(
        credentials, root_url=s.gmail_api_root, max_retries=1, time_budget_s=time_budget_s
    )


async def watch(gmail: Any, topic: str) -> Watched:
    """``users.watch`` of ``gmail``'s mailbox to ``topic``."""
    answer = await gmail.watch(topic, label_ids=EXCLUDED_LABELS, behavior="exclude")
    return Watched(int(answer["historyId"]), int(answer["expiration"]))


async def stop_quietly(user_id: str, tokens: StoredTokens, *, client_id: str = "") -> bool:
    """``users.stop`` of the mailbox ``tokens`` grant, best effort (never raises, at most
    STOP_TIMEOUT_S): Gmail ends an unrenewed watch after 7 days anyway, and a push for a
    mailbox nobody watches any more is acknowledged without effect."""
    import asyncio
    import logging

    try:
        client = held_client(user_id, tokens, client_id=client_id, time_budget_s=STOP_TIMEOUT_S)
        await asyncio.wait_for(client.stop(), STOP_TIMEOUT_S)
    except Exception as exc:  # best effort by design
        logging.getLogger(__name__).warning(
            "gmail users.stop failed", extra={"error": type(exc).__name__}
        )
        return False
    return True
