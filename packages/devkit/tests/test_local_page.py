"""``/_local/`` after a journey, as headless Chromium (Debian's ``chromium``) renders it.

Chromium comes from the project's own files (``make browser``, run by ``make test``). Without it
the test skips on a developer machine and fails in CI (``CI=true``), so it never goes quiet there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from paypulse_devkit.aws_local import boto_client

HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


@pytest.fixture
def chromium() -> str:
    """Debian's chromium (checked before the local stack starts)."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: `make browser` installs it (make test runs it)")
        pytest.skip("chromium is not installed here (`make browser` installs Debian's chromium)")
    return path


class Dom(HTMLParser):
    """Text by element id (tables, paragraphs, pre) and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: dict[str, list[str]] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self.h3: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self._cell: list[str] | None = None
        self._in_h3 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        ident = dict(attrs).get("id")
        self._open.append((tag, ident))
        if ident:
            self.text.setdefault(ident, [])
            self.rows.setdefault(ident, [])
        if tag == "tr":
            for _, i in reversed(self._open):
                if i:
                    self.rows[i].append([])
                    break
        if tag in ("td", "th"):
            self._cell = []
        self._in_h3 = tag == "h3"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            for _, i in reversed(self._open):
                if i and self.rows[i]:
                    self.rows[i][-1].append("".join(self._cell))
                    break
            self._cell = None
        while self._open:
            if self._open.pop()[0] == tag:
                break
        if tag == "h3":
            self._in_h3 = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_h3:
            self.h3.append(data)
        for _, ident in self._open:
            if ident:
                self.text[ident].append(data)

    def table(self, ident: str) -> list[dict[str, str]]:
        header, *rows = self.rows[ident]
        return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def served(local_stack: Any) -> Iterator[str]:
    from paypulse_devkit.local_stack import ApiServer

    server = ApiServer(local_stack, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def journey(api: Any, local_stack: Any) -> tuple[str, str]:
    """Sign up, connect Gmail, ingest two rent notices, then a PDF that cannot be parsed."""
    import jwt

    from paypulse_devkit.mailbox import Mailbox, compose_message

    mailbox = Mailbox.demo("tenant@gmail.com", months=2, retail=False)
    mailbox.add_raw(
        compose_message(
            sender="Shop <news@example.com>",
            to="tenant@gmail.com",
            subject=HOSTILE,
            sent=datetime(2025, 1, 2, tzinfo=UTC),
            text="not an invoice",
        )
    )
    local_stack.mailbox = local_stack.gmail_api.mailbox = mailbox
    r = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "T", "email": "tenant@example.com", "password": "secret-pass-1"},
    )
    token = r.json["data"]["access_token"]
    user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    grant = local_stack.google.accounts.authorize("tenant@gmail.com")
    api(
        "POST",
        "/v1/auth/gmail/store-tokens",
        token=token,
        form=[("access_token", grant["access_token"]), ("refresh_token", grant["refresh_token"])],
    )
    assert api("POST", "/v1/invoices/rental/ingest", token=token).status == 200
    boto_client("s3", local_stack.aws_endpoint).put_object(
        Bucket=local_stack.names.buckets["invoices"],
        Key=f"invoices/{user_id}/rental/broken.pdf",
        Body=b"%PDF-1.7 garbage",
    )
    local_stack.events.drain()
    assert api("GET", "/v1/invoices/rental", token=token).status == 200
    return token, user_id


def test_page_in_headless_chromium_shows_the_journey(chromium, api, local_stack, served, tmp_path):
    browser = chromium
    _, user_id = journey(api, local_stack)
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", f"{served}/_local/"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Dom()
    dom.feed(done.stdout)

    # escaped: the hostile subject is text, not markup
    assert "script" not in dom.tags and "b" not in dom.tags
    assert any(m["subject"] == HOSTILE for m in dom.table("mailbox"))

    ledger = [e for e in dom.table("ledger") if e["user"] == user_id]
    parsed = [e for e in ledger if e["key"].startswith("obj#") and e["status"] == "parsed"]
    failed = [e for e in ledger if e["key"].endswith("broken.pdf")]
    assert len(parsed) == 2 and [e["status"] for e in failed] == ["failed"]

    assert any(h.startswith(f"tenant@example.com ({user_id}): 2 invoices") for h in dom.h3)
    invoices = dom.table(f"invoices-{user_id}")
    assert {i["invoice"] for i in invoices} == {e["invoice"] for e in parsed}

    # a corrupt PDF is a permanent failure: recorded in the ledger (above), never dead-lettered
    assert dom.rows.get("dead-letters", []) == []
    dlq = {q["queue"]: q for q in dom.table("queues")}
    assert dlq["paypulse-local-parse_invoice-dlq"]["waiting"] == "0"

    pushes = [n for n in dom.table("notifications") if n["user"] == user_id]
    # the ingest-all backfill sends one summary, not one push per notice (issue 9 §6)
    assert [p["message"] for p in pushes] == ["2 rent notices imported"]
    metrics = {(m["metric"], m["dimensions"]): m for m in dom.table("metrics")}
    assert metrics[("InvoicesIngested", "")]["sum"] == "2"
    assert metrics[("InvoicesParsed", "")]["sum"] == "2"
    assert metrics[("PushesSent", "")]["sum"] == "1"  # the summary
    assert float(metrics[("InvoicesFailed", "")]["sum"]) >= 1
    assert float(metrics[("GmailQuotaUnits", "")]["sum"]) >= 3 * 5  # list + 2 gets at least
    latency = metrics[("RequestLatency", "Route=POST /v1/invoices/rental/ingest")]
    assert latency["values"] == "1" and float(latency["p95"]) > 0

    events = [row["event"].split()[1:3] for row in dom.table("events")]
    kinds = {what for what, _ in events}
    assert {"ingested", "parsed", "pushed", "failed"} <= kinds
    assert ["failed", "parse_invoice"] in events  # the corrupt PDF, recorded once
