"""signup → login → profile → connect Gmail → delete, over HTTP against `paypulse dev`,
every response decoded with the app's models."""

import socket
import subprocess
import sys

import pytest

from paypulse_devkit import app_contract as app

pytestmark = pytest.mark.e2e


def test_account_lifecycle(http):
    status, body = http(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "Eva", "email": "Eva@Example.se", "password": "hemligt-123"},
    )
    assert status == 201
    app.decode_success(app.AuthResponse, body)

    status, body = http(
        "POST", "/v1/auth/login", json_body={"email": "eva@example.se", "password": "hemligt-123"}
    )
    assert status == 200
    token = app.decode_success(app.AuthResponse, body)["access_token"]

    status, body = http("GET", "/v1/user/me", token=token)
    assert status == 200
    assert app.decode_success(app.UserModel, body)["email"] == "eva@example.se"

    status, grant = http("POST", "/_local/google/authorize", json_body={"email": "eva@gmail.com"})
    assert status == 200 and {"access_token", "refresh_token", "expires_in", "scope"} <= set(grant)
    form = [
        ("access_token", grant["access_token"]),
        ("refresh_token", grant["refresh_token"]),
        ("scope[]", grant["scope"]),
        ("token_type", "Bearer"),
        ("expires_in", "3600"),
        ("client_info[platform]", "iOS"),
    ]
    status, body = http("POST", "/v1/auth/gmail/store-tokens", form=form, token=token)
    assert status == 201
    assert app.decode_success(app.GmailResponseModel, body)["google_email"] == "eva@gmail.com"
    assert http("GET", "/v1/user/me", token=token)[1]["data"]["gmail_account_connected"] is True

    status, body = http("DELETE", "/v1/user/me", token=token)
    assert status == 200
    app.decode_success(None, body)
    status, body = http(
        "POST", "/v1/auth/login", json_body={"email": "eva@example.se", "password": "hemligt-123"}
    )
    assert status == 401 and app.decode_error(body)[0] == "INVALID_CREDENTIALS"


def test_errors_are_envelopes(http):
    status, body = http("GET", "/v1/user/me")
    assert status == 401 and app.decode_error(body)[0] == "INVALID_CREDENTIALS"
    status, body = http("GET", "/v1/nope")
    assert status == 404 and app.decode_error(body)[0] == "NOT_FOUND"
    status, body = http("PATCH", "/v1/auth/login", json_body={})
    assert status == 405 and app.decode_error(body)[0] == "METHOD_NOT_ALLOWED"
    status, doc = http("GET", "/openapi.json")
    assert status == 200 and "/v1/auth/login" in doc["paths"]


def test_port_taken_fails_clearly():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "paypulse_devkit.cli", "dev", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr
