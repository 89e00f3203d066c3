"""The Pub/Sub push token check against the local Google's JWKS over HTTP: the key set is
cached for its max-age, an unknown key id refreshes it (at most once a minute), and every claim
is checked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from paypulse_common.errors import ForbiddenError, InvalidTokenError, TokenExpiredError
from paypulse_devkit.google_server import GoogleServer
from paypulse_devkit.pubsub_push import GoogleSigningKeys
from paypulse_gmail import push_token

AUD = "https://api.example.com/v1/gmail/push"
SA = "push@p-123456.iam.gserviceaccount.com"


class CountingGoogle(GoogleServer):
    def __init__(self) -> None:
        super().__init__()
        self.certs_requests = 0

    def handle(self, method: str, path: str, *args: Any) -> Any:
        if path == "/oauth2/v3/certs":
            self.certs_requests += 1
        return super().handle(method, path, *args)


@pytest.fixture
def google() -> Iterator[CountingGoogle]:
    server = CountingGoogle()
    server.start()
    push_token._cache.clear()
    yield server
    server.stop()
    push_token._cache.clear()


def _verify(google: CountingGoogle, token: str) -> dict[str, Any]:
    return asyncio.run(
        push_token.verify_push_token(
            f"Bearer {token}",
            audience=AUD,
            service_account=SA,
            certs_url=f"{google.url}/oauth2/v3/certs",
        )
    )


def _token(keys: GoogleSigningKeys, **override: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": AUD,
        "email": SA,
        "email_verified": True,
        "iat": now,
        "exp": now + 3600,
        **override,
    }
    return keys.sign({k: v for k, v in claims.items() if v is not None})


def test_a_valid_token_passes_and_the_key_set_is_fetched_once(google):
    keys = google.pubsub.keys
    assert _verify(google, _token(keys))["email"] == SA
    assert _verify(google, _token(keys))["aud"] == AUD
    assert google.certs_requests == 1


def test_a_rotated_key_is_fetched_once_and_an_unknown_one_is_refused_without_hammering(google):
    _verify(google, _token(google.pubsub.keys))
    google.pubsub.keys = GoogleSigningKeys()  # Google publishes a new key and signs with it
    push_token._cache[next(iter(push_token._cache))] = (
        time.monotonic() + 3600,
        time.monotonic() - 120,  # fetched two minutes ago
        push_token._cache[next(iter(push_token._cache))][2],
    )
    assert _verify(google, _token(google.pubsub.keys))["email"] == SA
    assert google.certs_requests == 2
    stranger = GoogleSigningKeys()
    for _ in range(3):
        with pytest.raises(InvalidTokenError):
            _verify(google, _token(stranger))
    assert google.certs_requests == 2  # refreshed less than a minute ago: not again


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 4200}, TokenExpiredError),
        ({"aud": "https://other.example.com"}, ForbiddenError),
        ({"iss": "https://login.example.com"}, ForbiddenError),
        ({"email": "someone@else.iam.gserviceaccount.com"}, ForbiddenError),
        ({"email_verified": False}, ForbiddenError),
        ({"exp": None}, InvalidTokenError),
    ],
)
def test_each_claim_is_checked(google, override, error):
    with pytest.raises(error):
        _verify(google, _token(google.pubsub.keys, **override))


def test_hs256_with_the_public_key_as_secret_is_refused(google):
    import jwt

    forged = jwt.encode(
        {"iss": "https://accounts.google.com", "aud": AUD, "email": SA},
        "a-shared-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
        headers={"kid": google.pubsub.keys.kid},
    )
    with pytest.raises(InvalidTokenError):
        _verify(google, forged)
