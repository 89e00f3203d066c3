"""Secret values from Secrets Manager, cached per execution environment (never env vars)."""

from __future__ import annotations

import time

from paypulse_common import aws
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import current

CACHE_SECONDS = 300


async def secret_value(logical: str) -> str:
    """The current value of a declared secret (e.g. ``jwt_signing_key``), cached 5 minutes."""
    value = await optional_secret_value(logical)
    if value is None:
        raise DependencyError("A required secret has no value")
    return value


async def optional_secret_value(logical: str) -> str | None:
    """Like ``secret_value``, but None when the secret has no value (an optional feature such
    as Gemini is not configured); the answer is cached too."""
    rt = current()
    cache: dict[str, tuple[float, str | None]] = await rt.resource("secrets:cache", _new_cache)
    hit = cache.get(logical)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    name = rt.settings.secret(logical)
    sm = await aws.client("secretsmanager")
    try:
        response = await sm.get_secret_value(SecretId=name)
        value: str | None = response["SecretString"].strip() or None
    except Exception as exc:
        if aws.error_code(exc) not in ("ResourceNotFoundException", "InvalidRequestException"):
            raise DependencyError("Could not read a secret") from exc
        value = None
    cache[logical] = (time.monotonic() + CACHE_SECONDS, value)
    return value


async def _new_cache() -> dict[str, tuple[float, str | None]]:
    return {}
