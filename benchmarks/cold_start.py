"""Cold start of every handler in a fresh interpreter: import of the handler module, settings
validation and creation of the AWS clients its declaration needs (what the first invocation of
a new execution environment pays before doing work; "median"). Median of N runs with bytecode
compiled (one warm-up run writes the .pyc files), plus the largest imports from
``-X importtime``. "1st use" is the extra import time of the heavy libraries the function loads
lazily on first real use (Google API client, pymupdf); it is not in "median"."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

from infra.workspace import workspace

_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import importlib
mod = importlib.import_module(sys.argv[1])
t1 = time.perf_counter()
from paypulse_common import aws
from paypulse_common.runtime import current
rt = current()
rt.settings
for service in json.loads(sys.argv[2]):
    rt.run(aws.client(service))
t2 = time.perf_counter()
for name in json.loads(sys.argv[3]):
    importlib.import_module(name)
t3 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "clients_ms": (t2 - t1) * 1000,
                  "first_use_ms": (t3 - t2) * 1000}))
rt.close()
"""


def _services(fn: Any) -> list[str]:
    out = []
    if fn.tables:
        out.append("dynamodb")
    if fn.buckets:
        out.append("s3")
    if fn.secrets:
        out.append("secretsmanager")
    if fn.topics:
        out.append("sns")
    return out


def _first_use(fn: Any) -> list[str]:
    """Heavy modules the function imports lazily on first real use, read off its declaration:
    a Gmail API client when it reads the Google client id, pymupdf for PDF work, the retail
    extraction pipeline for HTML (google.genai only with a Gemini key: not counted)."""
    modules = []
    if "google_client_id" in fn.secrets:
        modules += ["googleapiclient.discovery", "google.oauth2.credentials"]
    if "parsers" in fn.layers:
        html = fn.s3 is not None and fn.s3.suffix == ".html"
        modules.append("paypulse_parsers.retail.pipeline" if html else "pymupdf")
    return modules


def _env(fn_name: str, stack: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYPULSE_")}
    env.update(stack.function_env(fn_name))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _top_imports(stderr: str, n: int = 3) -> list[tuple[str, float]]:
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:") :].split("|")]
        try:
            cumulative = int(parts[1])
        except ValueError:
            continue
        name = parts[2]
        if name.startswith(" ") or "." in name.strip():
            continue
        rows.append((name.strip(), cumulative / 1000))
    rows.sort(key=lambda r: -r[1])
    return rows[:n]


def run(runs: int = 10, functions: list[str] | None = None) -> dict[str, Any]:
    from paypulse_devkit.local_stack import LocalStack

    ws = workspace()
    stack = LocalStack(ws)
    stack.start()
    results: dict[str, Any] = {}
    try:
        for fn in ws.functions.values():
            if functions and fn.name not in functions:
                continue
            env = _env(fn.name, stack)
            args = [
                sys.executable,
                "-c",
                _PROBE,
                fn.module,
                json.dumps(_services(fn)),
                json.dumps(_first_use(fn)),
            ]
            subprocess.run(args, env=env, check=True, capture_output=True)  # warm-up: .pyc
            samples = []
            for _ in range(runs):
                out = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
                samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
            traced = subprocess.run(
                [sys.executable, "-X", "importtime", *args[1:]],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            totals = [s["import_ms"] + s["clients_ms"] for s in samples]
            results[fn.name] = {
                "median_ms": round(statistics.median(totals), 1),
                "max_ms": round(max(totals), 1),
                "import_ms": round(statistics.median(s["import_ms"] for s in samples), 1),
                "clients_ms": round(statistics.median(s["clients_ms"] for s in samples), 1),
                "first_use_ms": round(statistics.median(s["first_use_ms"] for s in samples), 1),
                "top_imports": _top_imports(traced.stderr),
            }
    finally:
        stack.stop()
    return {"runs": runs, "python": sys.version.split()[0], "functions": results}


def table(result: dict[str, Any]) -> str:
    lines = [
        f"cold start (median of {result['runs']}, Python {result['python']}, .pyc compiled)",
        f"{'function':28} {'median':>8} {'import':>8} {'clients':>8} {'1st use':>8}  largest imports (ms)",
    ]
    for name, r in result["functions"].items():
        tops = ", ".join(f"{m} {ms:.0f}" for m, ms in r["top_imports"])
        lines.append(
            f"{name:28} {r['median_ms']:>7.0f}ms {r['import_ms']:>7.0f}ms {r['clients_ms']:>7.0f}ms"
            f" {r['first_use_ms']:>7.0f}ms  {tops}"
        )
    return "\n".join(lines)
