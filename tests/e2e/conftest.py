"""End-to-end: `paypulse dev` as a subprocess on a free port, driven over real HTTP."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

READY = re.compile(r"ready on (http://[\d.]+:\d+)")


def start_dev(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "paypulse_devkit.cli", "dev", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 90
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = READY.search(line)
        if m:
            # keep reading what the functions log to stdout (as Lambda's runtime does): a full
            # pipe would block every thread that logs, and then the shutdown
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError("paypulse dev did not report ready")


@pytest.fixture(scope="module")
def dev_server() -> Iterator[str]:
    proc, url = start_dev("--port", "0")
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(timeout=20) == 0
    finally:  # never leave a stack running behind the test session
        if proc.poll() is None:
            proc.kill()


class Http:
    def __init__(self, base: str) -> None:
        self.base = base

    def __call__(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: list[tuple[str, str]] | None = None,
        token: str | None = None,
    ) -> tuple[int, Any]:
        from urllib.parse import urlencode

        headers: dict[str, str] = {}
        data = None
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        return status, (json.loads(body) if body else None)


@pytest.fixture(scope="module")
def http(dev_server: str) -> Http:
    return Http(dev_server)
