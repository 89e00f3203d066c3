"""Validate a Google access token by asking Google's userinfo (v3) endpoint who it belongs to.
v3 returns ``sub`` / ``email`` / ``email_verified`` / ``name`` (not ``id``: spec defect 11)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from paypulse_common.errors import DependencyError, OAuthTokenRejectedError
from paypulse_common.runtime import settings

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class GoogleIdentity:
    sub: str
    email: str
    name: str
    email_verified: bool


def _fetch(url: str, access_token: str) -> dict:
    headers = {"Authorization": f"Bearer {access_token}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - https/loopback only
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        if exc.code in (400, 401, 403):
            raise OAuthTokenRejectedError() from exc
        raise DependencyError("Network error communicating with Google") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DependencyError("Network error communicating with Google") from exc
    try:
        return json.loads(body)
    except ValueError as exc:
        raise DependencyError("Unexpected answer from Google") from exc


async def google_identity(access_token: str) -> GoogleIdentity:
    url = f"{settings().google_userinfo_base}/oauth2/v3/userinfo"
    data = await asyncio.to_thread(_fetch, url, access_token)
    if not data.get("sub"):
        raise OAuthTokenRejectedError()
    return GoogleIdentity(
        sub=str(data["sub"]),
        email=str(data.get("email", "")),
        name=str(data.get("name", "")),
        email_verified=bool(data.get("email_verified", False)),
    )
