"""Password hashing: bcrypt (cost 12) over an HMAC-SHA256 pre-hash, so passwords longer than
bcrypt's 72-byte limit are neither truncated nor rejected, and NUL bytes are harmless.
Hashing runs in a worker thread: it takes ~0.25 s of CPU and must not block the loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac

from paypulse_common.errors import InvalidRequestError

COST = 12
MIN_LENGTH = 8
MAX_LENGTH = 1024
SCHEME = "bcrypt-sha256$"
_PEPPER = b"paypulse-password-v1"
# A real cost-12 hash of a random password: verified when the e-mail is unknown so that both
# outcomes of a login do the same work (no user enumeration by timing).
_DUMMY_HASH = SCHEME + "$2b$12$VuCRWhdok36B.aGMaxh8m.z3p1nFYby2KV.cZiLn4VS/m1DJ0.v0u"


def validate_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidRequestError(f"Password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise InvalidRequestError(f"Password must be at most {MAX_LENGTH} characters long")


def _prehash(password: str) -> bytes:
    digest = hmac.new(_PEPPER, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)  # 44 bytes, no NUL: within bcrypt's 72


def _hash_sync(password: str, cost: int) -> str:
    import bcrypt

    return SCHEME + bcrypt.hashpw(_prehash(password), bcrypt.gensalt(cost)).decode("ascii")


def _check_sync(password: str, stored: str) -> bool:
    import bcrypt

    if not stored.startswith(SCHEME):
        return False
    try:
        return bcrypt.checkpw(_prehash(password), stored[len(SCHEME) :].encode("ascii"))
    except ValueError:
        return False


async def hash_password(password: str, *, cost: int = COST) -> str:
    validate_password(password)
    return await asyncio.to_thread(_hash_sync, password, cost)


async def check_password(password: str, stored: str | None) -> bool:
    """Constant-work check: with no stored hash, a dummy hash is checked and False returned."""
    ok = await asyncio.to_thread(_check_sync, password[:MAX_LENGTH], stored or _DUMMY_HASH)
    return ok and stored is not None
