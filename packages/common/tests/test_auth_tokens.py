"""JWT issue/verify against the real signing key in (moto) Secrets Manager."""

import base64
import json
import time

import jwt
import pytest

from paypulse_common.auth import authenticate, issue_token, verify_token
from paypulse_common.errors import InvalidCredentialsError, InvalidTokenError, TokenExpiredError
from paypulse_common.http import Request
from paypulse_common.secrets import secret_value


def request(authorization=None):
    headers = {"authorization": authorization} if authorization is not None else {}
    return Request.from_event({"headers": headers, "requestContext": {"http": {}}})


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_claims(run_as):
    async def go():
        token = await issue_token("user_1", "a@b.se", now=1_700_000_000)
        claims = jwt.decode(token, options={"verify_signature": False})
        return jwt.get_unverified_header(token), claims

    header, claims = run_as("signup_user", go())
    assert header["alg"] == "HS256"
    assert claims["exp"] - claims["iat"] == 24 * 3600
    assert {"sub", "email", "iat", "exp", "iss", "aud", "jti"} <= set(claims)
    assert claims["sub"] == "user_1"


def _user_row(local_stack, user_id, **attrs):
    from paypulse_devkit.aws_local import boto_client

    item = {"UserID": {"S": user_id}, **{k: {"S": v} for k, v in attrs.items()}}
    boto_client("dynamodb", local_stack.aws_endpoint).put_item(
        TableName=local_stack.names.tables["users"], Item=item
    )


def test_valid_token_authenticates(run_as, local_stack):
    _user_row(local_stack, "user_1")

    async def go():
        token = await issue_token("user_1", "a@b.se")
        return await authenticate(request(f"Bearer {token}"))

    assert run_as("get_user_profile", go()).user_id == "user_1"


@pytest.mark.parametrize("row", ["tombstoned", "gone"])
def test_token_of_a_deleted_user_is_refused_with_the_logout_code(run_as, local_stack, row):
    """A valid signature is not enough: a user being deleted (tombstone) or deleted (no row)
    gets 401 TOKEN_EXPIRED, the code on which the app logs out (INVALID_TOKEN would not)."""
    user_id = f"user_{row}"
    if row == "tombstoned":
        _user_row(local_stack, user_id, deleted_at="2026-01-01T00:00:00+00:00")

    async def go():
        token = await issue_token(user_id, "a@b.se")
        return await authenticate(request(f"Bearer {token}"))

    with pytest.raises(TokenExpiredError) as err:
        run_as("get_user_profile", go())
    assert (err.value.http_status, err.value.code) == (401, "TOKEN_EXPIRED")


def attack_tokens(key: str) -> dict:
    now = int(time.time())
    claims = {
        "sub": "user_1",
        "email": "a@b.se",
        "iat": now,
        "exp": now + 60,
        "iss": "paypulse",
        "aud": "paypulse-ios",
        "jti": "x",
    }
    return {
        "alg_none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.",
        "wrong_key": jwt.encode(claims, "not-the-key-" * 4, algorithm="HS256"),
        "hs512": jwt.encode(claims, key, algorithm="HS512"),
        "wrong_audience": jwt.encode({**claims, "aud": "other"}, key, algorithm="HS256"),
        "no_sub": jwt.encode(
            {k: v for k, v in claims.items() if k != "sub"}, key, algorithm="HS256"
        ),
        "garbage": "abc.def.ghi",
    }


@pytest.mark.parametrize(
    "case", ["alg_none", "wrong_key", "hs512", "wrong_audience", "no_sub", "garbage"]
)
def test_forged_tokens_are_invalid(run_as, case):
    async def go():
        token = attack_tokens(await secret_value("jwt_signing_key"))[case]
        with pytest.raises(InvalidTokenError):
            await verify_token(token)
        return True

    assert run_as("get_user_profile", go())


def test_expired(run_as):
    async def go():
        token = await issue_token("user_1", "a@b.se", now=int(time.time()) - 2 * 24 * 3600)
        with pytest.raises(TokenExpiredError):
            await verify_token(token)
        return True

    assert run_as("get_user_profile", go())


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (None, InvalidCredentialsError),
        ("", InvalidCredentialsError),
        ("Token abc", InvalidTokenError),
        ("Bearer", InvalidTokenError),
        ("bearer ", InvalidTokenError),
        ("Basic dXNlcjpwdw==", InvalidTokenError),
    ],
)
def test_header_shapes(run_as, header, error):
    async def go():
        with pytest.raises(error):
            await authenticate(request(header))
        return True

    assert run_as("get_user_profile", go())
