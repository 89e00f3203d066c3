"""A local stand-in for Google's OAuth and userinfo endpoints (and, through
``paypulse_devkit.gmail_api``, the Gmail API) that the real google-auth and
google-api-python-client libraries talk to.

- ``POST /token``: OAuth 2.0 token endpoint, ``grant_type=refresh_token`` only; a revoked or
  unknown refresh token gets ``400 {"error": "invalid_grant"}`` like Google's.
- ``POST /revoke?token=...``: revokes a refresh or access token.
- ``GET /oauth2/v3/userinfo``: identity of a bearer access token (``sub``, ``email``...).
- ``/gmail/v1/...`` and ``/batch/gmail/v1``: delegated to a ``GmailApi`` when one is attached.
- ``GET /_local/google/usage?email=...``: the Gmail quota units that account spent, per method
  and in total (``GmailApi.usage``).
- ``GET /oauth2/v3/certs``: the JWKS of the keys that sign the OIDC tokens of Pub/Sub push
  requests (``paypulse_devkit.pubsub_push``), as Google serves it at
  https://www.googleapis.com/oauth2/v3/certs (``Cache-Control: public, max-age=...``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from paypulse_devkit.loopback import LoopbackServer

GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
TOKEN_LIFETIME = 3600
JWKS_MAX_AGE_S = 21600  # what Google's certs endpoint sends (keys rotate every few days)


@dataclass
class _Grant:
    email: str
    expires: float


class GoogleAccounts:
    """The accounts, access tokens and refresh tokens the local Google knows (thread-safe).
    ``on_authorize(email)`` runs after each consent (the local Gmail opens the account's
    mailbox)."""

    def __init__(self, *, on_authorize: Callable[[str], object] | None = None) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, str] = {}
        self._on_authorize = on_authorize

    def clear(self) -> None:
        """Forget every grant (between tests)."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()

    @staticmethod
    def sub_for(email: str) -> str:
        return str(int(hashlib.sha256(email.lower().encode()).hexdigest()[:15], 16))

    def authorize(self, email: str, *, lifetime: int = TOKEN_LIFETIME) -> dict[str, Any]:
        """What Google Sign-In hands to the app after consent."""
        with self._lock:
            access = "ya29.local-" + secrets.token_urlsafe(24)
            refresh = "1//local-" + secrets.token_urlsafe(24)
            self._access[access] = _Grant(email.lower(), time.time() + lifetime)
            self._refresh[refresh] = email.lower()
        if self._on_authorize is not None:
            self._on_authorize(email.lower())
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": lifetime,
            "scope": GMAIL_SCOPE,
            "token_type": "Bearer",
        }

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        with self._lock:
            email = self._refresh.get(refresh_token)
            if email is None:
                return None
            access = "ya29.local-" + secrets.token_urlsafe(24)
            self._access[access] = _Grant(email, time.time() + TOKEN_LIFETIME)
        return {
            "access_token": access,
            "expires_in": TOKEN_LIFETIME,
            "scope": GMAIL_SCOPE,
            "token_type": "Bearer",
        }

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and its access tokens) or a single access token."""
        with self._lock:
            email = self._refresh.pop(token, None)
            if email is not None:
                for key in [k for k, g in self._access.items() if g.email == email]:
                    del self._access[key]
                return True
            return self._access.pop(token, None) is not None

    def revoke_all(self, email: str) -> int:
        with self._lock:
            gone = [t for t, e in self._refresh.items() if e == email.lower()]
            for t in gone:
                del self._refresh[t]
            for key in [k for k, g in self._access.items() if g.email == email.lower()]:
                del self._access[key]
        return len(gone)

    def owner(self, access_token: str) -> str | None:
        with self._lock:
            grant = self._access.get(access_token)
        if grant is None or grant.expires < time.time():
            return None
        return grant.email


class GoogleServer:
    """Serves GoogleAccounts (and an optional GmailApi) on 127.0.0.1:<port>."""

    def __init__(self, *, port: int = 0, gmail_api: Any = None) -> None:
        from paypulse_devkit.pubsub_push import PubSub

        self.accounts = GoogleAccounts(on_authorize=self._account_opened)
        self.gmail_api = gmail_api
        self.pubsub = PubSub()
        self._server = LoopbackServer(self.handle, port=port)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> str:
        return self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def _account_opened(self, email: str) -> None:
        if self.gmail_api is not None:
            self.gmail_api.mailbox.open_account(email)

    # ---------------------------------------------------------------- request handling
    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        if path.startswith("/gmail/v1/") or path in ("/batch/gmail/v1", "/batch"):
            if self.gmail_api is None:
                return _json(404, {"error": {"code": 404, "message": "Gmail API not attached"}})
            return self.gmail_api.handle(method, path, query, headers, body)
        if method == "GET" and path == "/_local/google/usage":
            email = (query.get("email") or [""])[0].strip()
            if self.gmail_api is None or "@" not in email:
                return _json(400, {"error": {"code": 400, "message": "email=... is required"}})
            return _json(200, self.gmail_api.usage(email))
        if method == "POST" and path == "/token":
            return self._token(parse_qs(body.decode("utf-8", "replace")))
        if method == "POST" and path == "/revoke":
            form = parse_qs(body.decode("utf-8", "replace"))
            token = (query.get("token") or form.get("token") or [""])[0]
            ok = self.accounts.revoke(token)
            return _json(200 if ok else 400, {} if ok else {"error": "invalid_token"})
        if method == "GET" and path == "/oauth2/v3/userinfo":
            return self._userinfo(headers)
        if method == "GET" and path == "/oauth2/v3/certs":
            status, head, payload = _json(200, self.pubsub.keys.jwks())
            head["Cache-Control"] = (
                f"public, max-age={JWKS_MAX_AGE_S}, must-revalidate, no-transform"
            )
            return status, head, payload
        return _json(404, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}})

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        if form.get("grant_type", [""])[0] != "refresh_token":
            return _json(400, {"error": "unsupported_grant_type"})
        answer = self.accounts.refresh(form.get("refresh_token", [""])[0])
        if answer is None:
            return _json(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
            )
        return _json(200, answer)

    def _userinfo(self, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        email = self.accounts.owner(token.strip()) if scheme.lower() == "bearer" else None
        if email is None:
            return _json(
                401,
                {"error": "invalid_request", "error_description": "Invalid Credentials"},
            )
        return _json(
            200,
            {
                "sub": GoogleAccounts.sub_for(email),
                "email": email,
                "email_verified": True,
                "name": email.split("@")[0].replace(".", " ").title(),
            },
        )


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(body).encode()
