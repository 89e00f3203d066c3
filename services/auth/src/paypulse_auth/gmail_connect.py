"""Connecting a user's Gmail: validate the app's Google tokens and store them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paypulse_common import gmail_watches, users
from paypulse_common.errors import PayPulseError, UserDeletedError, UserNotFoundError
from paypulse_common.logs import get_logger
from paypulse_common.runtime import settings
from paypulse_common.schema import NOT_BLANK, AnyOf, Arr, Bool, Int, Obj, Str
from paypulse_common.tombstone import is_live
from paypulse_gmail.token_store import StoredTokens, expiry_in, token_store
from paypulse_gmail.userinfo import google_identity
from paypulse_gmail.watch import stop_quietly

log = get_logger("paypulse.gmail_connect")

MAX_TOKEN_LENGTH = 4096
DEFAULT_EXPIRES_IN = 3600
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"


GmailAuthRequest = Obj(
    {
        "access_token": Str(
            min_length=1,
            max_length=MAX_TOKEN_LENGTH,
            pattern=NOT_BLANK,
            format="google-access-token",
            description="From Google Sign-In; checked with Google (rejected: 400 INVALID_CREDENTIALS)",
        ),
        "refresh_token": Str(max_length=MAX_TOKEN_LENGTH, format="google-refresh-token"),
        "expires_in": Int(minimum=1, maximum=86400, description="Seconds; default 3600"),
        "scope": AnyOf(
            (Str(max_length=2048), Arr(Str(max_length=512), max_items=20)),
            description="Granted scopes: one space-separated string, or `scope[]` form fields",
        ),
        "token_type": Str(max_length=32),
        "username": Str(max_length=256),
        "email": Str(max_length=320),
        "client_info": Obj(
            {"platform": Str(max_length=64)}, extra=Str(max_length=256), name="ClientInfo"
        ),
    },
    required=("access_token",),
    name="GmailAuthRequest",
    description="The app's GmailAuthRequest; form-urlencoded as Alamofire sends it, or JSON",
)
GmailConnection = Obj(
    {"google_email": Str(), "scope": Str(), "account_switch": Bool(), "message": Str()},
    required=("google_email", "scope", "account_switch", "message"),
    name="GmailResponseModel",
)


@dataclass(frozen=True)
class TokenPayload:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> TokenPayload:
        """From a body already validated by ``GmailAuthRequest``."""
        scope = data.get("scope") or ""
        if isinstance(scope, list):
            scope = " ".join(scope)
        refresh = (data.get("refresh_token") or "").strip() or None
        expires_in = data.get("expires_in") or DEFAULT_EXPIRES_IN
        return cls(data["access_token"].strip(), refresh, expires_in, scope.strip()[:2048])


async def connect_gmail(user_id: str, tokens: TokenPayload) -> dict[str, Any]:
    user = await users.get_user(user_id)
    if user is None:
        raise UserNotFoundError()
    identity = await google_identity(tokens.access_token)
    store = token_store()
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
    if not await is_live(user_id):  # deleted meanwhile: the purge may have run before the save
        await store.delete(user_id)
        raise UserDeletedError()
    if switched and previous is not None:  # the old mailbox is disconnected: no more pushes
        await stop_quietly(user_id, previous)
    try:
        await start_watch(user_id, identity.email, saved)
    except UserDeletedError:
        await store.delete(user_id)
        raise
    if user.gmail_disconnected_at:
        await users.set_user_attribute(user_id, "gmail_disconnected_at", None)
    return {
        "google_email": identity.email,
        "scope": saved.scope,
        "account_switch": switched,
        "message": message,
    }


async def start_watch(user_id: str, address: str, tokens: StoredTokens) -> None:
    """Gmail push on (a topic configured): ``users.watch`` the mailbox and record the watch,
    so the push route finds the user by the mailbox address. A watch Gmail refuses is recorded
    as expired: the next daily renewal tries again (the connection itself succeeds)."""
    from paypulse_gmail.watch import held_client, watch

    topic = settings().gmail_push_topic
    if not topic:
        return
    try:
        expires_ms = (await watch(held_client(user_id, tokens), topic)).expiration_ms
    except PayPulseError as err:
        log.warning("gmail users.watch failed; the renewal retries", extra={"code": err.code})
        expires_ms = 0
    await gmail_watches.save_watch(user_id, address, expires_ms)
