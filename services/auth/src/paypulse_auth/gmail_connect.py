"""Connecting a user's Gmail: validate the app's Google tokens and store them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paypulse_common import users
from paypulse_common.errors import InvalidRequestError, MissingFieldsError, UserNotFoundError
from paypulse_gmail.token_store import GmailTokenStore, StoredTokens, expiry_in
from paypulse_gmail.userinfo import google_identity

MAX_TOKEN_LENGTH = 4096
DEFAULT_EXPIRES_IN = 3600
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"


@dataclass(frozen=True)
class TokenPayload:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str

    @classmethod
    def parse(cls, payload: dict[str, Any]) -> TokenPayload:
        access = payload.get("access_token")
        if not isinstance(access, str) or not access.strip():
            raise MissingFieldsError("access_token")
        refresh = payload.get("refresh_token")
        if refresh is not None and not isinstance(refresh, str):
            raise InvalidRequestError("refresh_token must be a string")
        for value in (access, refresh or ""):
            if len(value) > MAX_TOKEN_LENGTH:
                raise InvalidRequestError("Token is too long")
        try:
            expires_in = int(payload.get("expires_in") or DEFAULT_EXPIRES_IN)
        except (TypeError, ValueError) as exc:
            raise InvalidRequestError("expires_in must be a number of seconds") from exc
        if not 0 < expires_in <= 86400:
            raise InvalidRequestError("expires_in must be between 1 and 86400 seconds")
        scope = payload.get("scope", "")
        if isinstance(scope, list):
            scope = " ".join(str(s) for s in scope if isinstance(s, str))
        if not isinstance(scope, str) or len(scope) > 2048:
            raise InvalidRequestError("scope must be a string or a list of strings")
        return cls(access.strip(), (refresh or "").strip() or None, expires_in, scope.strip())


async def connect_gmail(user_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    tokens = TokenPayload.parse(payload)
    user = await users.get_user(user_id)
    if user is None:
        raise UserNotFoundError()
    identity = await google_identity(tokens.access_token)
    store = GmailTokenStore()
    previous = await store.load(user_id)
    old_id = previous.google_user_id if previous else ""
    switched = bool(old_id) and old_id != identity.sub
    if previous is None:
        message = "First Gmail connection"
    elif switched:
        message = (
            f"Switching from {previous.google_email or 'previous account'} to {identity.email}"
        )
    else:
        message = "Same Google account or first connection"
    saved = await store.save(
        user_id,
        StoredTokens(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=expiry_in(tokens.expires_in),
            scope=tokens.scope or GMAIL_SCOPE,
            google_user_id=identity.sub,
            google_email=identity.email,
            google_name=identity.name,
            google_verified_email=identity.email_verified,
        ),
        previous=previous,
    )
    if user.gmail_disconnected_at:
        await users.set_user_attribute(user_id, "gmail_disconnected_at", None)
    return {
        "google_email": identity.email,
        "scope": saved.scope,
        "account_switch": switched,
        "message": message,
    }
