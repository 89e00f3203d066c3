"""E-mail delivered → push notification published (SNS), with Gmail push vs the schedule.

With push: the local stack as ``paypulse dev`` runs it (event pump polling every 0.2 s): an
account signs up and connects Gmail (``users.watch``); each run delivers a new rent notice to the
mailbox (the local Google's delivery path), which the local Pub/Sub pushes to
``POST /v1/gmail/push`` (OIDC verified) → sync queue → worker (incremental sync, download,
upload) → S3 → parser → RentalInvoices stream → notifier → SNS. The clock stops when the
notification for that user is published. Goal: < 10 s locally.

Without push the notice waits for the next ``fetch_latest_invoice`` run,
``cron(30 8 ? * MON-FRI *)`` (UTC): the wait is computed from that cron for a delivery at every
minute of a week (mail arrives at any time), before the same processing.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT = "tenant@gmail.com"
RUNS = 5
SCHEDULE = "cron(30 8 ? * MON-FRI *)"
GOAL_S = 10.0


def next_weekday_0830(after: datetime) -> datetime:
    """The next firing of cron(30 8 ? * MON-FRI *) (EventBridge, UTC) strictly after ``after``."""
    candidate = after.replace(hour=8, minute=30, second=0, microsecond=0)
    if candidate <= after:
        candidate += timedelta(days=1)
    while candidate.weekday() >= 5:  # Saturday, Sunday
        candidate += timedelta(days=1)
    return candidate


def schedule_waits(start: datetime | None = None) -> list[float]:
    """Seconds from delivery to the next run, for a delivery at every minute of one week."""
    monday = start or datetime(2026, 11, 23, tzinfo=UTC)
    minutes = [monday + timedelta(minutes=m) for m in range(7 * 24 * 60)]
    return [(next_weekday_0830(t) - t).total_seconds() for t in minutes]


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure_push(runs: int = RUNS) -> list[float]:
    import jwt

    from paypulse_devkit.demo_invoices import demo_hyresavi_series
    from paypulse_devkit.local_stack import LocalStack, published_notifications
    from paypulse_devkit.mailbox import rent_notice

    stack = LocalStack(mailbox=None)
    latencies: list[float] = []
    try:
        stack.start()
        stack.events.start()

        def call(method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
            status, _, answer = stack.handle_http(method, path, headers, body, "127.0.0.1")
            return status, json.loads(answer) if answer else None

        _, signup = call(
            "POST",
            "/v1/auth/signup",
            b'{"name":"P","email":"push@example.com","password":"secret-pass-1"}',
            {"content-type": "application/json"},
        )
        token = signup["data"]["access_token"]
        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        grant = stack.google.accounts.authorize(ACCOUNT)
        status, _ = call(
            "POST",
            "/v1/auth/gmail/store-tokens",
            f"access_token={grant['access_token']}&refresh_token={grant['refresh_token']}".encode(),
            {
                "content-type": "application/x-www-form-urlencoded",
                "authorization": f"Bearer {token}",
            },
        )
        assert status == 201, status
        assert ACCOUNT in stack.gmail_api.watches
        now = datetime.now(UTC).replace(microsecond=0)
        for n, invoice in enumerate(demo_hyresavi_series(runs, seed=3)):
            raw = rent_notice(
                ACCOUNT, sent=now - timedelta(minutes=runs - n), filename=invoice.filename,
                pdf=invoice.pdf,
            )  # fmt: skip
            before = len([x for x in published_notifications() if x["user_id"] == user_id])
            started = time.perf_counter()
            stack.mailbox.deliver(raw)
            while len([x for x in published_notifications() if x["user_id"] == user_id]) <= before:
                if time.perf_counter() - started > 120:
                    raise TimeoutError("no notification within 120 s")
                time.sleep(0.02)
            latencies.append(time.perf_counter() - started)
    finally:
        stack.stop()
    return latencies


def run() -> dict[str, Any]:
    push = measure_push()
    waits = schedule_waits()
    push_mean = statistics.mean(push)
    wait_mean = statistics.mean(waits)
    return {
        "push_s": [round(x, 2) for x in push],
        "push_median_s": round(statistics.median(push), 2),
        "push_max_s": round(max(push), 2),
        "goal_s": GOAL_S,
        "schedule": SCHEDULE,
        "schedule_wait_mean_h": round(wait_mean / 3600, 1),
        "schedule_wait_median_h": round(statistics.median(waits) / 3600, 1),
        "schedule_wait_p95_h": round(_p(waits, 0.95) / 3600, 1),
        "schedule_wait_max_h": round(max(waits) / 3600, 1),
        "speedup_mean": round(wait_mean / push_mean),
    }


def table(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            "push_latency: e-mail delivered -> SNS notification published",
            f"  with Gmail push: median {result['push_median_s']} s, max {result['push_max_s']} s "
            f"over {len(result['push_s'])} deliveries {result['push_s']} (goal < {GOAL_S} s)",
            f"  with the schedule {result['schedule']} (delivery at every minute of a week): "
            f"mean wait {result['schedule_wait_mean_h']} h, median "
            f"{result['schedule_wait_median_h']} h, p95 {result['schedule_wait_p95_h']} h, "
            f"max {result['schedule_wait_max_h']} h (+ the same processing)",
            f"  mean: {result['speedup_mean']}x sooner with push",
        ]
    )
