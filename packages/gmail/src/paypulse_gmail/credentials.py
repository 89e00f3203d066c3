"""google-auth credentials for one user's stored Gmail tokens: proactive refresh (within 5 minutes
of expiry) in a worker thread, write-back that keeps the refresh token and Google identity, and
the mapping of refresh failures to PayPulse errors.

``invalid_grant`` (revoked or expired grant) or a missing refresh token when one is needed calls
``on_disconnect(user_id)`` and raises GmailTokenExpiredError; a network failure or a 5xx from the
token endpoint raises DependencyError; other OAuth errors raise InvalidCredentialsError.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from paypulse_common.errors import (
    DependencyError,
    GmailTokenExpiredError,
    InvalidCredentialsError,
    PayPulseError,
)

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

    from paypulse_gmail.token_store import StoredTokens

log = logging.getLogger(__name__)

DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
REFRESH_MARGIN = timedelta(minutes=5)
DEFAULT_LIFETIME = timedelta(seconds=3600)

OnDisconnect = Callable[[str], Awaitable[None] | None]


class TokenStore(Protocol):
    """What this module needs of ``paypulse_gmail.token_store.GmailTokenStore``."""

    async def load(self, user_id: str) -> StoredTokens | None: ...

    async def save(self, user_id: str, tokens: StoredTokens) -> object: ...


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _aware_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_google_credentials(
    tokens: StoredTokens,
    *,
    client_id: str,
    client_secret: str = "",
    token_uri: str = DEFAULT_TOKEN_URI,
) -> Credentials:
    """google-auth user credentials from stored tokens (public client: empty secret is fine)."""
    from google.oauth2.credentials import Credentials

    return Credentials(
        token=tokens.access_token,
        refresh_token=tokens.refresh_token or None,
        token_uri=token_uri,
        client_id=client_id,
        client_secret=client_secret,
        expiry=_naive_utc(tokens.expires_at) if tokens.expires_at else None,
    )


def needs_refresh(
    expires_at: datetime | None, *, now: datetime | None = None, margin: timedelta = REFRESH_MARGIN
) -> bool:
    """True when the access token expires within ``margin`` (or its expiry is unknown)."""
    if expires_at is None:
        return True
    current = now or datetime.now(UTC)
    return _aware_utc(expires_at) - current <= margin


def _is_invalid_grant(exc: BaseException) -> bool:
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) > 1 and isinstance(args[1], dict) and args[1].get("error") == "invalid_grant":
        return True
    return bool(args) and str(args[0]).startswith("invalid_grant")


def _refresh_blocking(credentials: Credentials, timeout: float) -> None:
    import google.auth.transport.requests as transport

    request = transport.Request()

    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout)
        return request(*args, **kwargs)

    credentials.refresh(call)  # type: ignore[arg-type]


class GmailCredentials:
    """One user's Google credentials, loaded lazily from the token store.

    ``await get()`` returns a valid ``google.oauth2.credentials.Credentials`` (refreshed first
    when it expires within the margin); ``await sync()`` writes back a token the Google client
    refreshed by itself; ``await fail(exc)`` maps a google-auth exception and raises.
    """

    def __init__(
        self,
        user_id: str,
        store: TokenStore,
        *,
        client_id: str,
        client_secret: str = "",
        token_uri: str = DEFAULT_TOKEN_URI,
        on_disconnect: OnDisconnect | None = None,
        margin: timedelta = REFRESH_MARGIN,
        timeout: float = 10.0,
    ) -> None:
        self.user_id = user_id
        self._store = store
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_uri = token_uri
        self._on_disconnect = on_disconnect
        self._margin = margin
        self._timeout = timeout
        self._tokens: StoredTokens | None = None
        self._credentials: Credentials | None = None
        self._saved_token: str | None = None
        self._lock = asyncio.Lock()
        self._disconnected = False

    @property
    def tokens(self) -> StoredTokens | None:
        """The tokens as last loaded or written back."""
        return self._tokens

    async def get(self) -> Credentials:
        """Valid credentials, refreshing proactively within the margin of expiry."""
        async with self._lock:
            if self._disconnected:
                raise GmailTokenExpiredError()
            if self._credentials is None:
                await self._load()
            assert self._credentials is not None and self._tokens is not None
            if needs_refresh(self._expiry(), margin=self._margin):
                await self._refresh_locked()
            return self._credentials

    async def refresh(self) -> Credentials:
        """Refresh now, whatever the expiry."""
        async with self._lock:
            if self._credentials is None:
                await self._load()
            await self._refresh_locked()
            assert self._credentials is not None
            return self._credentials

    async def sync(self) -> None:
        """Write back when the Google client refreshed the token on its own (after a 401)."""
        creds = self._credentials
        if creds is None or creds.token == self._saved_token:
            return
        async with self._lock:
            if creds.token != self._saved_token:
                await self._write_back()

    async def fail(self, exc: BaseException) -> NoReturn:
        """Raise the PayPulse error for a google-auth exception (disconnecting on invalid_grant)."""
        from google.auth import exceptions as gexc

        if isinstance(exc, PayPulseError):
            raise exc
        if isinstance(exc, gexc.RefreshError):
            if _is_invalid_grant(exc):
                log.warning(
                    "gmail refresh token rejected (invalid_grant)", extra={"user": self.user_id}
                )
                await self._disconnect()
                raise GmailTokenExpiredError() from exc
            if getattr(exc, "retryable", False):
                raise DependencyError("Google token endpoint failed") from exc
            raise InvalidCredentialsError("OAuth token error") from exc
        if isinstance(exc, gexc.TransportError | OSError):
            raise DependencyError("Network error communicating with Google") from exc
        raise DependencyError("Google authentication failed") from exc

    # ------------------------------------------------------------------ internals
    def _expiry(self) -> datetime | None:
        creds = self._credentials
        if creds is not None and creds.expiry is not None:
            return _aware_utc(creds.expiry)
        return None

    async def _load(self) -> None:
        tokens = await self._store.load(self.user_id)
        if tokens is None or (not tokens.access_token and not tokens.refresh_token):
            raise GmailTokenExpiredError()
        self._tokens = tokens
        self._credentials = to_google_credentials(
            tokens,
            client_id=self._client_id,
            client_secret=self._client_secret,
            token_uri=self.token_uri,
        )
        self._saved_token = tokens.access_token

    async def _refresh_locked(self) -> None:
        creds = self._credentials
        assert creds is not None
        if not creds.refresh_token:
            log.warning("gmail tokens have no refresh token", extra={"user": self.user_id})
            await self._disconnect()
            raise GmailTokenExpiredError()
        try:
            await asyncio.to_thread(_refresh_blocking, creds, self._timeout)
        except Exception as exc:
            await self.fail(exc)
        await self._write_back()

    async def _write_back(self) -> None:
        creds, tokens = self._credentials, self._tokens
        assert creds is not None and tokens is not None
        expiry = (
            _aware_utc(creds.expiry)
            if creds.expiry is not None
            else datetime.now(UTC) + DEFAULT_LIFETIME
        )
        updated = dataclasses.replace(
            tokens,
            access_token=creds.token,
            refresh_token=creds.refresh_token or tokens.refresh_token,
            expires_at=expiry,
        )
        self._tokens = updated
        self._saved_token = creds.token
        try:
            await self._store.save(self.user_id, updated)
        except PayPulseError:
            # The fresh token is still valid in memory; the next run refreshes again.
            log.warning("could not write back refreshed gmail token", exc_info=True)

    async def _disconnect(self) -> None:
        if self._disconnected:
            return
        self._disconnected = True
        if self._on_disconnect is None:
            return
        result = self._on_disconnect(self.user_id)
        if inspect.isawaitable(result):
            await result
