"""POST /v1/auth/gmail/store-tokens as the iOS app sends it (form-encoded), and JSON."""

import base64
import json

import pytest

from paypulse_devkit import app_contract as app
from paypulse_devkit.aws_local import boto_client

ROUTE = "/v1/auth/gmail/store-tokens"


@pytest.fixture
def user(api):
    r = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "Ann", "email": "ann@example.com", "password": "secret-pass-1"},
    )
    return r.json["data"]["access_token"]


def app_form(grant, *, refresh=True):
    """Alamofire's URLEncoding of GmailAuthRequest."""
    form = [("access_token", grant["access_token"])]
    if refresh:
        form.append(("refresh_token", grant["refresh_token"]))
    form += [
        ("username", "Ann"),
        ("email", "ann.g@gmail.com"),
        ("scope[]", "openid"),
        ("scope[]", "https://www.googleapis.com/auth/gmail.readonly"),
        ("token_type", "Bearer"),
        ("expires_in", "3600"),
        ("client_info[platform]", "iOS"),
        ("client_info[appVersion]", "2.1"),
        ("client_info[timestamp]", "2026-11-24T10:00:00Z"),
    ]
    return form


def stored(local_stack, token):
    import jwt

    uid = jwt.decode(token, options={"verify_signature": False})["sub"]
    sm = boto_client("secretsmanager", local_stack.aws_endpoint)
    return json.loads(
        sm.get_secret_value(SecretId=local_stack.names.secrets["gmail_tokens"] + uid)[
            "SecretString"
        ]
    )


def test_app_form_encoding_stores_tokens(api, local_stack, user):
    grant = local_stack.google.accounts.authorize("ann.g@gmail.com")
    r = api("POST", ROUTE, form=app_form(grant), token=user)
    assert r.status == 201, r
    data = app.decode_success(app.GmailResponseModel, r.json)
    assert data["google_email"] == "ann.g@gmail.com"
    assert data["account_switch"] is False and data["message"] == "First Gmail connection"
    assert data["scope"] == "openid https://www.googleapis.com/auth/gmail.readonly"
    secret = stored(local_stack, user)
    assert secret["refresh_token"] == grant["refresh_token"]
    assert secret["google_user_id"] and secret["google_email"] == "ann.g@gmail.com"
    assert {
        "access_token",
        "expires_at",
        "expires_in",
        "scope",
        "token_type",
        "created_at",
        "google_name",
        "google_verified_email",
    } <= set(secret)
    profile = api("GET", "/v1/user/me", token=user).json["data"]
    assert profile["gmail_account_connected"] is True


def test_json_body_and_refresh_token_never_lost(api, local_stack, user):
    first = local_stack.google.accounts.authorize("ann.g@gmail.com")
    api("POST", ROUTE, form=app_form(first), token=user)
    second = local_stack.google.accounts.authorize("ann.g@gmail.com")
    r = api(
        "POST",
        ROUTE,
        json_body={"access_token": second["access_token"], "scope": ["a", "b"]},
        token=user,
    )
    assert r.status == 201
    data = app.decode_success(app.GmailResponseModel, r.json)
    assert data["message"] == "Same Google account or first connection"
    secret = stored(local_stack, user)
    assert secret["access_token"] == second["access_token"]
    assert secret["refresh_token"] == first["refresh_token"]


def test_account_switch_detected_by_sub_and_old_refresh_token_dropped(api, local_stack, user):
    api(
        "POST",
        ROUTE,
        form=app_form(local_stack.google.accounts.authorize("ann.g@gmail.com")),
        token=user,
    )
    other = local_stack.google.accounts.authorize("ann.work@gmail.com")
    r = api("POST", ROUTE, form=app_form(other, refresh=False), token=user)
    data = app.decode_success(app.GmailResponseModel, r.json)
    assert data["account_switch"] is True and "ann.work@gmail.com" in data["message"]
    secret = stored(local_stack, user)
    assert "refresh_token" not in secret  # the old account's token must not be kept
    assert secret["google_email"] == "ann.work@gmail.com"


def test_rejected_google_token_is_400_invalid_credentials(api, user):
    r = api("POST", ROUTE, form=[("access_token", "ya29.forged")], token=user)
    assert (r.status, r.error_code) == (400, "INVALID_CREDENTIALS")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([("refresh_token", "x")], "MISSING_FIELDS"),
        ([("access_token", "a"), ("expires_in", "soon")], "INVALID_REQUEST"),
        ([("access_token", "a" * 5000)], "INVALID_REQUEST"),
    ],
)
def test_bad_payloads(api, user, body, code):
    r = api("POST", ROUTE, form=body, token=user)
    assert (r.status, r.error_code) == (400, code)


def test_google_unreachable_is_502_dependency_failure(local_stack, user):
    from paypulse_auth.handlers.gmail_store_tokens import handler
    from paypulse_common.runtime import activated

    rt = local_stack.runtime(
        "gmail_store_tokens", {"PAYPULSE_GOOGLE_USERINFO_BASE": "http://127.0.0.1:9"}
    )
    body = base64.b64encode(b"access_token=ya29.x").decode()
    event = {
        "headers": {
            "authorization": f"Bearer {user}",
            "content-type": "application/x-www-form-urlencoded",
        },
        "requestContext": {"http": {"method": "POST", "path": ROUTE}},
        "body": body,
        "isBase64Encoded": True,
    }
    try:
        with activated(rt):
            out = handler(event, None)
    finally:
        rt.close()
    assert out["statusCode"] == 502
    assert json.loads(out["body"])["error"]["code"] == "DEPENDENCY_FAILURE"


def test_requires_app_token(api):
    r = api("POST", ROUTE, form=[("access_token", "x")])
    assert (r.status, r.error_code) == (401, "INVALID_CREDENTIALS")
