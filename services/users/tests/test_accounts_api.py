"""The accounts routes through API Gateway-shaped events, decoded with the app's models."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from paypulse_devkit import app_contract as app

SIGNUP = "/v1/auth/signup"
LOGIN = "/v1/auth/login"


def signup(api, email="ann@example.com", password="secret-pass-1", name="Ann"):
    return api("POST", SIGNUP, json_body={"name": name, "email": email, "password": password})


def test_signup_login_profile_decode_as_the_app(api):
    r = signup(api, email="  Ann@Example.com ")
    assert r.status == 201
    session = app.decode_success(app.AuthResponse, r.json)
    assert session["token_type"] == "Bearer" and r.json["code"] == 201

    r = api("POST", LOGIN, json_body={"email": "ann@EXAMPLE.com", "password": "secret-pass-1"})
    assert r.status == 200
    token = app.decode_success(app.AuthResponse, r.json)["access_token"]

    r = api("GET", "/v1/user/me", token=token)
    profile = app.decode_success(app.UserModel, r.json)
    assert profile["email"] == "ann@example.com" and profile["name"] == "Ann"
    assert len(profile["created_on"]) == 10 and profile["gmail_account_connected"] is False


def test_duplicate_signup_is_403_user_already_exists(api):
    assert signup(api).status == 201
    r = signup(api, email="ANN@example.com")
    assert (r.status, r.error_code) == (403, "USER_ALREADY_EXISTS")
    app.decode_error(r.json)


def test_unknown_email_and_wrong_password_are_indistinguishable(api):
    signup(api)
    wrong = api("POST", LOGIN, json_body={"email": "ann@example.com", "password": "nope-nope"})
    unknown = api("POST", LOGIN, json_body={"email": "bob@example.com", "password": "nope-nope"})
    assert wrong.status == unknown.status == 401
    assert wrong.json == unknown.json
    assert wrong.error_code == "INVALID_CREDENTIALS"


def test_login_is_throttled_after_five_failures(api):
    signup(api)
    for _ in range(5):
        r = api("POST", LOGIN, json_body={"email": "ann@example.com", "password": "bad-guess!"})
        assert r.status == 401
    r = api("POST", LOGIN, json_body={"email": "ann@example.com", "password": "secret-pass-1"})
    assert (r.status, r.error_code) == (429, "TOO_MANY_ATTEMPTS")
    other = api("POST", LOGIN, json_body={"email": "bob@example.com", "password": "bad-guess!"})
    assert other.status == 401  # throttling is per e-mail


def test_successful_login_clears_failures(api):
    signup(api)
    for _ in range(4):
        api("POST", LOGIN, json_body={"email": "ann@example.com", "password": "bad-guess!"})
    assert (
        api(
            "POST", LOGIN, json_body={"email": "ann@example.com", "password": "secret-pass-1"}
        ).status
        == 200
    )
    for _ in range(4):
        assert (
            api(
                "POST", LOGIN, json_body={"email": "ann@example.com", "password": "x-bad-guess"}
            ).status
            == 401
        )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "INVALID_JSON"),
        (b"[]", 400, "INVALID_JSON"),
        (
            json.dumps({"email": "a@b.se", "password": "secret-pass"}).encode(),
            400,
            "MISSING_FIELDS",
        ),
        (
            json.dumps({"name": "A", "email": "not-an-email", "password": "secret-pass"}).encode(),
            400,
            "INVALID_REQUEST",
        ),
        (
            json.dumps({"name": "A", "email": "a@b.se", "password": "short"}).encode(),
            400,
            "INVALID_REQUEST",
        ),
        (
            json.dumps({"name": 5, "email": "a@b.se", "password": "secret-pass"}).encode(),
            400,
            "INVALID_REQUEST",
        ),
        (b"x" * (64 * 1024 + 1), 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_bad_signup_input(api, body, status, code):
    r = api("POST", SIGNUP, raw=body, headers={"content-type": "application/json"})
    assert (r.status, r.error_code) == (status, code)
    app.decode_error(r.json)


def test_missing_fields_names_them(api):
    r = api("POST", SIGNUP, json_body={"email": "a@b.se"})
    assert r.error_code == "MISSING_FIELDS"
    assert "'name'" in r.json["error"]["message"] and "'password'" in r.json["error"]["message"]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "INVALID_CREDENTIALS"),
        ("Bearer", "INVALID_TOKEN"),
        ("Token abc.def.ghi", "INVALID_TOKEN"),
        ("Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c2VyXzEifQ.", "INVALID_TOKEN"),
    ],
)
def test_protected_routes_reject_bad_tokens_with_401(api, header, code):
    headers = {"authorization": header} if header else {}
    for method, path in [("GET", "/v1/user/me"), ("DELETE", "/v1/user/me")]:
        r = api(method, path, headers=headers)
        assert (r.status, r.error_code) == (401, code)


def test_twenty_concurrent_signups_one_email_one_201(api):
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: signup(api, name=f"N{i}"), range(20)))
    statuses = sorted(r.status for r in results)
    assert statuses.count(201) == 1
    assert statuses.count(403) == 19


def test_unknown_route_and_wrong_method(api):
    r = api("GET", "/v1/nothing/here")
    assert (r.status, r.error_code) == (404, "NOT_FOUND")
    r = api("PUT", "/v1/user/me")
    assert r.status == 405 and "GET" in r.headers["Allow"] and "DELETE" in r.headers["Allow"]
