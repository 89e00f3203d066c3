"""Answer time of the ingest routes for a mailbox with 120 and 1,000 matching messages (goal:
< 5 s locally, far under API Gateway's 30 s): ``POST /v1/invoices/rental/ingest`` (rent
notices with a PDF) and ``POST /v1/invoices/retail/ingest`` (order e-mails of one vendor in
the requested window), each on a new user's first ingest (a full search), through the local
stack with a fixed latency per Gmail request (default 20 ms), with warm execution environments
(each route's first answer, which starts its environment, is reported apart). The routes only find and queue
the new message ids; the sync worker's downloads are not part of the answer and are not run
here (benchmarks/ingest.py measures them).

Usage: python -m benchmarks ingest_routes
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

SIZES = (120, 1000)
GOAL_S = 5.0


def _rental_mail(to: str, n: int) -> list[bytes]:
    """``n`` rent notices (a handful of PDFs reused), sent over the last ``n`` half-days."""
    from paypulse_devkit.demo_invoices import demo_hyresavi_series
    from paypulse_devkit.mailbox import rent_notice

    pdfs = demo_hyresavi_series(6, seed=3)
    now = datetime.now(UTC).replace(microsecond=0)
    return [
        rent_notice(
            to,
            sent=now - timedelta(hours=12 * (i + 1)),
            filename=f"Hyresavi_{i:05d}.pdf",
            pdf=pdfs[i % len(pdfs)].pdf,
        )
        for i in range(n)
    ]


def _retail_mail(to: str, n: int, days: int) -> list[bytes]:
    """``n`` order confirmations of the first demo vendor, spread over the last ``days``."""
    from paypulse_devkit.demo_retail import demo_orders
    from paypulse_devkit.mailbox import compose_message

    order = demo_orders()[0]
    now = datetime.now(UTC).replace(microsecond=0)
    step = timedelta(days=days) / (n + 1)
    return [
        compose_message(
            sender=order.sender,
            to=to,
            subject=f"{order.subject} #{i}",
            sent=now - step * (i + 1),
            html=order.html,
        )
        for i in range(n)
    ]


def _connect(stack: Any, name: str, gmail: str) -> str:
    status, _, body = stack.handle_http(
        "POST",
        "/v1/auth/signup",
        {"content-type": "application/json"},
        json.dumps(
            {"name": "B", "email": f"{name}@example.com", "password": "secret-pass-1"}
        ).encode(),
        "127.0.0.1",
    )
    assert status == 201, body
    token = str(json.loads(body)["data"]["access_token"])
    grant = stack.google.accounts.authorize(gmail)
    status, _, body = stack.handle_http(
        "POST",
        "/v1/auth/gmail/store-tokens",
        {"content-type": "application/x-www-form-urlencoded", "authorization": f"Bearer {token}"},
        f"access_token={grant['access_token']}&refresh_token={grant['refresh_token']}".encode(),
        "127.0.0.1",
    )
    assert status == 201, body
    return token


def _answer(stack: Any, path: str, token: str, body: dict[str, Any] | None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    t0 = time.perf_counter()
    status, _, payload = stack.handle_http(
        "POST", path, headers, json.dumps(body).encode() if body else b"", "127.0.0.1"
    )
    elapsed = time.perf_counter() - t0
    data = json.loads(payload).get("data") or {}
    found = (
        data["invoiceCount"] if "invoiceCount" in data else sum(data.get("byVendor", {}).values())
    )
    return {"status": status, "answer_s": round(elapsed, 3), "queued": found}


def run(sizes: tuple[int, ...] = SIZES, latency: float = 0.02) -> dict[str, Any]:
    from paypulse_devkit.local_stack import LocalStack

    stack = LocalStack(mailbox=None, gmail_latency=latency, separate_aws=True)
    out: dict[str, Any] = {"latency_ms": latency * 1000, "goal_s": GOAL_S}
    try:
        stack.start()
        stack.events.on_line = lambda line: None
        today = datetime.now(UTC).date()
        window = {"start_date": f"{today - timedelta(days=30)}", "end_date": f"{today}"}
        # the first request of each route starts its execution environment (imports, clients):
        # measured apart, on a user with an empty mailbox
        for kind, path, body in (
            ("rental", "/v1/invoices/rental/ingest", None),
            ("retail", "/v1/invoices/retail/ingest", window),
        ):
            token = _connect(stack, f"{kind}-cold", f"{kind}-cold@gmail.com")
            out[f"{kind}_cold_start_empty"] = _answer(stack, path, token, body)
        for n in sizes:
            gmail = f"rental{n}@gmail.com"
            for raw in _rental_mail(gmail, n):
                stack.mailbox.add_raw(raw, owner=gmail)
            token = _connect(stack, f"rental{n}", gmail)
            out[f"rental_{n}"] = _answer(stack, "/v1/invoices/rental/ingest", token, None)
            gmail = f"retail{n}@gmail.com"
            for raw in _retail_mail(gmail, n, days=28):
                stack.mailbox.add_raw(raw, owner=gmail)
            token = _connect(stack, f"retail{n}", gmail)
            out[f"retail_{n}"] = _answer(stack, "/v1/invoices/retail/ingest", token, window)
    finally:
        stack.stop()
    return out


def table(r: dict[str, Any]) -> str:
    lines = [
        f"ingest route answer time ({r['latency_ms']:.0f} ms per Gmail request, goal < {r['goal_s']:.0f} s)"
    ]
    for key, row in r.items():
        if isinstance(row, dict):
            lines.append(
                f"  {key:12} {row['answer_s']:7.3f} s   HTTP {row['status']}   "
                f"{row['queued']} new messages queued"
            )
    return "\n".join(lines)
