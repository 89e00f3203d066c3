"""Verifying the OIDC token of a Pub/Sub push request
(https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions).

The request carries ``Authorization: Bearer <JWT>``: signed RS256 by one of Google's keys (the
``kid`` of the header names it in Google's JWKS, https://www.googleapis.com/oauth2/v3/certs),
with ``iss`` ``https://accounts.google.com`` (or ``accounts.google.com``), ``aud`` the audience
set on the push subscription, ``email`` the subscription's service account with
``email_verified`` true, and ``iat`` / ``exp`` (one hour). Everything is checked; a token that
is missing, malformed, not signed by a current Google key or expired is 401, a genuine Google
token for someone else (issuer, audience, service account, unverified e-mail) is 403.

The key set is fetched from the configured certs URL and cached for its ``Cache-Control``
max-age (at most a day); a ``kid`` not in the cached set refreshes it, at most once a minute
(Google rotates its keys every few days and publishes new ones before using them).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from paypulse_common.errors import (
    DependencyError,
    ForbiddenError,
    InvalidTokenError,
    TokenExpiredError,
)

ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
MAX_TOKEN_CHARS = 4096
MAX_JWKS_BYTES = 64 * 1024
DEFAULT_MAX_AGE_S = 3600
MAX_AGE_S = 86400
REFRESH_AT_MOST_EVERY_S = 60
LEEWAY_S = 30  # clock skew between Google and Lambda

_lock = threading.Lock()
_cache: dict[str, tuple[float, float, dict[str, Any]]] = {}  # url -> (expires, fetched, kid->key)


def _fetch(url: str) -> tuple[dict[str, Any], float]:
    """The key set at ``url`` (kid -> public key) and how long it may be cached."""
    import jwt

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - https/loopback
            body = response.read(MAX_JWKS_BYTES + 1)
            cache_control = response.headers.get("Cache-Control", "")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DependencyError("Could not fetch Google's signing keys") from exc
    if len(body) > MAX_JWKS_BYTES:
        raise DependencyError("Google's key set is too large")
    try:
        keys = {
            str(k["kid"]): jwt.PyJWK(k, algorithm="RS256").key
            for k in json.loads(body)["keys"]
            if k.get("kty") == "RSA" and k.get("kid")
        }
    except (ValueError, KeyError, TypeError, jwt.PyJWTError) as exc:
        raise DependencyError("Google's key set is not a JWKS") from exc
    match = re.search(r"max-age=(\d+)", cache_control)
    max_age = min(int(match.group(1)), MAX_AGE_S) if match else DEFAULT_MAX_AGE_S
    return keys, max_age


async def _key(url: str, kid: str) -> Any:
    now = time.monotonic()
    with _lock:
        cached = _cache.get(url)
    if cached is not None and cached[0] > now and kid in cached[2]:
        return cached[2][kid]
    if cached is not None and cached[0] > now and now - cached[1] < REFRESH_AT_MOST_EVERY_S:
        return None  # an unknown kid, and the set was fetched just now
    keys, max_age = await asyncio.to_thread(_fetch, url)
    with _lock:
        _cache[url] = (now + max_age, now, keys)
    return keys.get(kid)


async def verify_push_token(
    authorization: str, *, audience: str, service_account: str, certs_url: str
) -> dict[str, Any]:
    """The claims of a valid push token (raises InvalidTokenError / TokenExpiredError (401),
    ForbiddenError (403) or DependencyError when the key set cannot be fetched)."""
    import jwt

    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidTokenError("A Google-signed bearer token is required")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidTokenError() from exc
    kid = header.get("kid")
    if header.get("alg") != "RS256" or not isinstance(kid, str):
        raise InvalidTokenError()
    key = await _key(certs_url, kid)
    if key is None:
        raise InvalidTokenError("Not signed by a current Google key")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "aud"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError() from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError() from exc
    if claims.get("iss") not in ISSUERS:
        raise ForbiddenError("Not issued by Google")
    if claims.get("aud") != audience:
        raise ForbiddenError("Token audience is not this endpoint")
    email = claims.get("email")
    if not isinstance(email, str) or email.lower() != service_account.lower():
        raise ForbiddenError("Not the push subscription's service account")
    if claims.get("email_verified") is not True:
        raise ForbiddenError("Service account e-mail not verified")
    return claims
