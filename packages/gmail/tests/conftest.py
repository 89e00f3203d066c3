"""Fakes for the Gmail package tests: an in-memory token store and a local HTTP server with an
OAuth token endpoint plus the devkit GmailApi, talked to by the real Google client libraries."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from paypulse_devkit.gmail_api import GmailApi
from paypulse_devkit.loopback import LoopbackServer
from paypulse_devkit.mailbox import Mailbox
from paypulse_gmail.token_store import StoredTokens

OWNER = "tenant@example.com"
SCOPE = "https://www.googleapis.com/auth/gmail.readonly"


class MemoryTokenStore:
    """GmailTokenStore's three methods over a dict (merges like the real one)."""

    def __init__(self) -> None:
        self.items: dict[str, StoredTokens] = {}
        self.saved: list[StoredTokens] = []
        self.deleted: list[str] = []

    async def load(self, user_id: str) -> StoredTokens | None:
        return self.items.get(user_id)

    async def save(self, user_id: str, tokens: StoredTokens) -> None:
        self.saved.append(tokens)  # as passed, before merging
        previous = self.items.get(user_id)
        if previous is not None:
            tokens = replace(
                tokens,
                refresh_token=tokens.refresh_token or previous.refresh_token,
                google_user_id=tokens.google_user_id or previous.google_user_id,
                google_email=tokens.google_email or previous.google_email,
                google_name=tokens.google_name or previous.google_name,
            )
        self.items[user_id] = tokens

    async def delete(self, user_id: str) -> None:
        self.deleted.append(user_id)
        self.items.pop(user_id, None)


class FakeGoogle:
    """Token endpoint (refresh_token grant) + GmailApi, keyed by access token."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.lock = threading.Lock()
        self.access: dict[str, str] = {}
        self.refresh: dict[str, str] = {}
        self.token_calls = 0
        self.rotate_refresh_token = False
        self.api = GmailApi(mailbox, access_token_check=self.owner)

    def owner(self, token: str) -> str | None:
        with self.lock:
            return self.access.get(token)

    def grant(self, email: str) -> tuple[str, str]:
        access, refresh = "ya29." + secrets.token_hex(8), "1//" + secrets.token_hex(8)
        with self.lock:
            self.access[access] = email
            self.refresh[refresh] = email
        return access, refresh

    def revoke(self, refresh: str) -> None:
        with self.lock:
            email = self.refresh.pop(refresh)
            for token in [t for t, e in self.access.items() if e == email]:
                del self.access[token]

    def expire_access(self) -> None:
        with self.lock:
            self.access.clear()

    def handle(
        self, method: str, path: str, query: dict, headers: dict, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/token":
            return self._token(parse_qs(body.decode()))
        return self.api.handle(method, path, query, headers, body)

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.token_calls += 1
            email = self.refresh.get(form.get("refresh_token", [""])[0])
            if form.get("grant_type") != ["refresh_token"] or email is None:
                body: dict[str, Any] = {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
                return 400, {"Content-Type": "application/json"}, json.dumps(body).encode()
            access = "ya29." + secrets.token_hex(8)
            self.access[access] = email
            answer: dict[str, Any] = {
                "access_token": access,
                "expires_in": 3599,
                "scope": SCOPE,
                "token_type": "Bearer",
            }
            if self.rotate_refresh_token:
                new_refresh = "1//" + secrets.token_hex(8)
                self.refresh[new_refresh] = email
                answer["refresh_token"] = new_refresh
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()


def serve(app: Any) -> tuple[LoopbackServer, str]:
    """Run ``app.handle`` on 127.0.0.1:<free port>."""
    server = LoopbackServer(app.handle)
    return server, server.start()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def google(mailbox: Mailbox) -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle(mailbox)
    server, url = serve(fake)
    try:
        yield fake, url
    finally:
        server.stop()


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
def make_tokens() -> Any:
    return stored_tokens


def stored_tokens(access: str, refresh: str | None, *, expires_in: timedelta) -> StoredTokens:
    return StoredTokens(
        access_token=access,
        refresh_token=refresh,
        expires_at=datetime.now(UTC) + expires_in,
        scope=SCOPE,
        google_user_id="1234567890",
        google_email=OWNER,
        google_name="Tenant",
        google_verified_email=True,
    )
