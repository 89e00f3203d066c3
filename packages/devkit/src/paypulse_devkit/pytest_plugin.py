"""pytest fixtures for every package's tests (registered through the pytest11 entry point).

- ``local_stack``: one LocalStack (moto server + local Google) per test session, emptied
  before each test that uses it.
- ``run_as``: run a coroutine inside a declared function's execution environment, with
  exactly that function's settings and grants.
- ``invoke``: call a declared function's handler with an event.
- ``api``: call a route the way API Gateway would (payload-2.0 event) and get status + JSON.
- ``gmail_push``: the local Google pushes mail delivered to watched mailboxes (off otherwise).

IAM is enforced in every stack the tests start (``paypulse_devkit.iam_enforcement``); their
usage is recorded under ``.paypulse/iam-usage`` and the terminal summary lists the grants no
test exercised and the calls that were denied (``paypulse iam-report`` prints it again).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from paypulse_devkit import iam_enforcement

    if not iam_enforcement.enabled() or os.environ.get(iam_enforcement.USAGE_DIR):
        return
    from paypulse_devkit.iam_report import new_run_folder

    # One folder per test session (concurrent sessions never mix); e2e subprocesses inherit it.
    os.environ[iam_enforcement.USAGE_DIR] = str(new_run_folder())


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    from pathlib import Path

    from paypulse_devkit import iam_enforcement

    folder = os.environ.get(iam_enforcement.USAGE_DIR)
    if not folder:
        return
    from paypulse_devkit.iam_report import load_usage, render, summarize

    records = load_usage(Path(folder))
    if records:
        terminalreporter.section("IAM (local enforcement)")
        terminalreporter.write_line(render(summarize(records)))


@pytest.fixture(scope="session")
def _session_stack() -> Iterator[Any]:
    from paypulse_devkit.local_stack import LocalStack

    # Declared timeouts are enforced at twice their length: 8 environments share this process
    # and a CPU shared with other work, where AWS gives each invocation its own.
    stack = LocalStack(workers=8, mailbox=None, timeout_scale=2.0)
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture
def local_stack(_session_stack: Any) -> Any:
    _session_stack.reset()
    # Gmail watches are set on connect as in ``paypulse dev``, but mail delivered in a test
    # pushes nothing unless the test asks for it (``gmail_push``): a push starts a sync that
    # would run alongside what the test drives itself.
    _session_stack.google.pubsub.paused = True
    return _session_stack


@pytest.fixture
def gmail_push(local_stack: Any) -> Any:
    """Mail delivered to a watched mailbox is pushed to the stack's push route; returns the
    local Pub/Sub (``drain()`` waits for the pushes)."""
    local_stack.google.pubsub.paused = False
    return local_stack.google.pubsub


@pytest.fixture
def run_as(local_stack: Any) -> Callable[[str, Coroutine[Any, Any, Any]], Any]:
    """``run_as("signup_user", coro)`` runs coro in that function's environment."""

    def run(function: str, coro: Coroutine[Any, Any, Any]) -> Any:
        from paypulse_common.runtime import current

        return local_stack.run_in(function, lambda: current().run(coro))

    return run


@pytest.fixture
def invoke(local_stack: Any) -> Callable[[str, dict[str, Any]], Any]:
    return local_stack.invoke


class ApiResult:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.raw = body
        self.json: Any = json.loads(body) if body else None

    @property
    def error_code(self) -> str | None:
        if isinstance(self.json, dict) and isinstance(self.json.get("error"), dict):
            return self.json["error"].get("code")
        return None

    def __repr__(self) -> str:
        return f"ApiResult({self.status}, {self.raw[:300]!r})"


@pytest.fixture
def api(local_stack: Any) -> Callable[..., ApiResult]:
    """``api("POST", "/v1/auth/login", json={...}, token=..., form=..., headers=...)``."""
    from urllib.parse import urlencode

    def call(
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: list[tuple[str, str]] | None = None,
        raw: bytes | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResult:
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("content-type", "application/json")
        elif form is not None:
            body = urlencode(form).encode()
            hdrs.setdefault("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        elif raw is not None:
            body = raw
        if token:
            hdrs["authorization"] = f"Bearer {token}"
        status, out_headers, payload = local_stack.handle_http(
            method, path, hdrs, body, "127.0.0.1"
        )
        return ApiResult(status, out_headers, payload)

    return call


@pytest.fixture
def signup(api: Callable[..., ApiResult]) -> Callable[[str], tuple[str, str]]:
    """``signup(email)`` signs a user up through the API; returns (access token, user id)."""
    import jwt

    def call(email: str) -> tuple[str, str]:
        r = api(
            "POST",
            "/v1/auth/signup",
            json_body={"name": "T", "email": email, "password": "secret-pass-1"},
        )
        assert r.status == 201, r
        token = r.json["data"]["access_token"]
        return token, jwt.decode(token, options={"verify_signature": False})["sub"]

    return call


@pytest.fixture
def connect_gmail(api: Callable[..., ApiResult], local_stack: Any) -> Callable[[str, str], None]:
    """``connect_gmail(token, gmail_account)``: the local Google grants ``gmail_account`` and
    the app stores the grant (form-encoded, as the iOS app sends it)."""

    def call(token: str, gmail_account: str) -> None:
        grant = local_stack.google.accounts.authorize(gmail_account)
        r = api(
            "POST",
            "/v1/auth/gmail/store-tokens",
            token=token,
            form=[
                ("access_token", grant["access_token"]),
                ("refresh_token", grant["refresh_token"]),
            ],
        )
        assert r.status == 201, r

    return call


@pytest.fixture
def connect(
    signup: Callable[[str], tuple[str, str]], connect_gmail: Callable[[str, str], None]
) -> Callable[[str, str], tuple[str, str]]:
    """``connect(email, gmail_account)`` signs up a user and connects that Gmail account;
    returns (access token, user id)."""

    def call(email: str, gmail_account: str) -> tuple[str, str]:
        token, user_id = signup(email)
        connect_gmail(token, gmail_account)
        return token, user_id

    return call
