"""A Gmail client for one user: stored tokens, refresh at the configured token URI, and the
user marked disconnected when Google revokes the refresh token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paypulse_common import users
from paypulse_common.runtime import settings
from paypulse_common.secrets import secret_value


async def gmail_for(user_id: str, *, time_budget_s: float | None = None) -> Any:
    """``time_budget_s``: no quota or backoff wait of the client ends later than this after
    now (default: the client's, inside API Gateway's 30 s)."""
    from paypulse_gmail.client import GmailClient
    from paypulse_gmail.credentials import GmailCredentials
    from paypulse_gmail.token_store import token_store

    s = settings()

    async def disconnected(uid: str) -> None:
        await users.set_user_attribute(uid, "gmail_disconnected_at", datetime.now(UTC).isoformat())

    credentials = GmailCredentials(
        user_id,
        token_store(),
        client_id=await secret_value("google_client_id"),
        token_uri=f"{s.google_oauth_base}/token",
        on_disconnect=disconnected,
    )
    if time_budget_s is None:
        return GmailClient(credentials, root_url=s.gmail_api_root)
    return GmailClient(credentials, root_url=s.gmail_api_root, time_budget_s=time_budget_s)
