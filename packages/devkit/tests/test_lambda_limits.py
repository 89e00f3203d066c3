"""The local stack enforces Lambda's limits: declared timeouts, async retries within the maximum
event age, and S3 keys URL-encoded as S3 sends them. Timeouts are shortened per test
(``local_stack.timeouts``) so nothing waits for real limits."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.events import RetryPolicy
from paypulse_devkit.invocations import FunctionTimeoutError


def test_declared_timeout_cancels_the_invocation_and_reports_sandbox_timedout(
    local_stack, monkeypatch
):
    from paypulse_common.runtime import current

    monkeypatch.setitem(local_stack.timeouts, "get_user_profile", 0.3)
    cancelled, finished = threading.Event(), threading.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(5)
            finished.set()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    started = time.monotonic()
    with pytest.raises(FunctionTimeoutError) as err:
        local_stack.run_in("get_user_profile", lambda: current().run(slow()))
    assert time.monotonic() - started < 2
    assert err.value.error_type == "Sandbox.Timedout"
    assert str(err.value) == "Task timed out after 0.30 seconds"
    assert cancelled.wait(5) and not finished.is_set()


def test_environment_is_restarted_after_a_timeout(local_stack, monkeypatch):
    """Lambda does not reuse a timed-out environment as it was: clients and caches go."""
    from paypulse_common.runtime import current

    async def marker() -> object:
        async def make() -> object:
            return object()

        return await current().resource("test:marker", make)

    async def hang() -> None:
        await asyncio.sleep(5)

    def in_env(coro_fn):
        return local_stack.run_in("get_user_profile", lambda: current().run(coro_fn()))

    monkeypatch.setattr(local_stack, "_pool", local_stack._pool.__class__(max_workers=1))
    first = in_env(marker)
    assert in_env(marker) is first  # warm: the same environment
    monkeypatch.setitem(local_stack.timeouts, "get_user_profile", 0.2)
    with pytest.raises(FunctionTimeoutError):
        in_env(hang)
    assert in_env(marker) is not first
    local_stack._pool.shutdown(wait=True)


def test_function_timeout_on_a_route_is_api_gateway_500(api, local_stack, monkeypatch):
    # bcrypt at cost 12 alone takes ~0.2 s: the login cannot finish in 20 ms.
    monkeypatch.setitem(local_stack.timeouts, "login_user", 0.02)
    r = api("POST", "/v1/auth/login", json_body={"email": "a@example.com", "password": "x" * 9})
    assert r.status == 500
    assert r.json == {"message": "Internal Server Error"}


def test_integration_timeout_is_503_while_the_function_runs_on(api, local_stack, monkeypatch):
    monkeypatch.setattr(local_stack, "integration_timeout", 0.02)
    r = api("POST", "/v1/auth/login", json_body={"email": "a@example.com", "password": "x" * 9})
    assert r.status == 503
    assert r.json == {"message": "Service Unavailable"}
    assert local_stack.wait_idle(30)  # the function finished on its own, after the 503


def test_payload_over_10_mb_is_413_before_the_function_runs(api, local_stack):
    r = api("POST", "/v1/auth/login", raw=b"{" + b" " * (10 * 1024 * 1024) + b"}")
    assert r.status == 413
    assert r.json == {"message": "Request Entity Too Large"}


def test_request_line_and_headers_over_10240_bytes_are_refused(api, local_stack, signup):
    token, _ = signup("limits@example.com")
    assert api("GET", "/v1/user/me", token=token).status == 200
    big = {"x-padding": "p" * 10240}
    r = api("GET", "/v1/user/me", token=token, headers=big)
    assert r.status == 431 and r.json == {"message": "Request Header Fields Too Large"}
    just_under = {"x-padding": "p" * (10240 - 400 - len(token))}
    assert api("GET", "/v1/user/me", token=token, headers=just_under).status == 200


def _put(local_stack, key: str, body: bytes) -> None:
    s3 = boto_client("s3", local_stack.aws_endpoint)
    s3.put_object(Bucket=local_stack.names.buckets["invoices"], Key=key, Body=body)


def test_async_invoke_timing_out_is_tried_three_times_then_dead_lettered(local_stack, monkeypatch):
    monkeypatch.setitem(local_stack.timeouts, "parse_invoice", 0.001)
    _put(local_stack, f"invoices/user_{uuid.uuid4()}/rental/slow.pdf", b"%PDF-1.4 x")
    [delivery] = local_stack.events.drain()
    assert not delivery.ok and delivery.attempts == 3
    assert delivery.error.startswith("Sandbox.Timedout: Task timed out after")
    [dead] = local_stack.events.dead_letters("parse_invoice")
    assert dead["event"]["Records"][0]["s3"]["object"]["key"].endswith("slow.pdf")


def test_maximum_event_age_stops_retries(local_stack, monkeypatch):
    """Lambda waits ~1 min, then ~2 min between attempts: with a 100 s maximum age the third
    attempt (at ~180 s) never happens."""
    monkeypatch.setitem(local_stack.timeouts, "parse_invoice", 0.001)
    monkeypatch.setattr(
        local_stack.events, "async_policy", RetryPolicy(3, max_age_s=100, waits_s=(60, 120))
    )
    _put(local_stack, f"invoices/user_{uuid.uuid4()}/rental/old.pdf", b"%PDF-1.4 x")
    [delivery] = local_stack.events.drain()
    assert not delivery.ok and delivery.attempts == 2
    assert delivery.error.startswith("EventAgeExceeded")
    assert len(local_stack.events.dead_letters("parse_invoice")) == 1


def test_event_older_than_the_maximum_age_is_never_invoked(local_stack, monkeypatch):
    monkeypatch.setattr(local_stack.events, "clock", lambda: time.time() + 7 * 3600)
    _put(local_stack, f"invoices/user_{uuid.uuid4()}/rental/stale.pdf", b"%PDF-1.4 x")
    [delivery] = local_stack.events.drain()
    assert not delivery.ok and delivery.attempts == 0
    assert len(local_stack.events.dead_letters("parse_invoice")) == 1


def test_s3_event_keys_arrive_url_encoded_as_s3_sends_them(local_stack):
    user = f"user_{uuid.uuid4()}"
    _put(local_stack, f"invoices/{user}/rental/Hyra mars ö+1.pdf", b"not a pdf")
    [delivery] = local_stack.events.drain()
    key = delivery.event["Records"][0]["s3"]["object"]["key"]
    assert key == f"invoices/{user}/rental/Hyra+mars+%C3%B6%2B1.pdf"
