"""App JWTs: HS256 only, signed with the key in Secrets Manager; claims sub, email, iat,
exp (24 h), iss, aud, jti. ``authenticate`` turns the Authorization header into a Principal."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from paypulse_common.errors import (
    InvalidCredentialsError,
    InvalidTokenError,
    JwtError,
    TokenExpiredError,
)
from paypulse_common.http import Request
from paypulse_common.runtime import settings
from paypulse_common.secrets import secret_value
from paypulse_common.tombstone import ensure_live

ALGORITHM = "HS256"
LIFETIME_SECONDS = 24 * 3600
MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    token_id: str


async def issue_token(user_id: str, email: str, *, now: int | None = None) -> str:
    import jwt

    now = int(time.time()) if now is None else now
    s = settings()
    claims = {
        "sub": user_id,
        "email": email,
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "jti": uuid.uuid4().hex,
    }
    try:
        return jwt.encode(claims, await secret_value("jwt_signing_key"), algorithm=ALGORITHM)
    except jwt.PyJWTError as exc:
        raise JwtError() from exc


async def verify_token(token: str) -> Principal:
    import jwt

    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenError()
    s = settings()
    try:
        claims = jwt.decode(
            token,
            await secret_value("jwt_signing_key"),
            algorithms=[ALGORITHM],
            audience=s.jwt_audience,
            issuer=s.jwt_issuer,
            options={"require": ["sub", "exp", "iat", "iss", "aud", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError() from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError() from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidTokenError()
    return Principal(claims["sub"], str(claims.get("email", "")), str(claims["jti"]))


async def authenticate(request: Request, *, live: bool = True) -> Principal:
    """Missing header → INVALID_CREDENTIALS; not ``Bearer <jwt>`` or bad → INVALID_TOKEN;
    expired → TOKEN_EXPIRED; with ``live``, a user deleted or being deleted (one GetItem on the
    users table, key and tombstone only) → TOKEN_EXPIRED, on which the app logs out."""
    header = request.headers.get("authorization", "").strip()
    if not header:
        raise InvalidCredentialsError()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidTokenError()
    principal = await verify_token(token.strip())
    if live:
        await ensure_live(principal.user_id)
    return principal
