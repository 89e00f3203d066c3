"""Run benchmark suites, print their tables and write benchmarks/results/latest.json.

Usage: python -m benchmarks [suite ...]   (suites: cold_start, parse_pdf, ingest,
retail_extraction, extraction_speed, artifacts, delete_user, gmail_sync, cost_model, push_latency,
ingest_routes, sweep; default: all that are available). ``SWEEP_USERS=1000`` sizes the sweep
(default 10,000)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

SUITES = [
    "cold_start",
    "parse_pdf",
    "ingest",
    "retail_extraction",
    "extraction_speed",
    "artifacts",
    "delete_user",
    "gmail_sync",
    "cost_model",
    "push_latency",
    "ingest_routes",
    "sweep",
]
RESULTS = Path(__file__).parent / "results"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("suites", nargs="*", help=f"default: {' '.join(SUITES)}")


def run(args: argparse.Namespace) -> int:
    chosen = args.suites or SUITES
    latest = RESULTS / "latest.json"
    # the suites not run now keep their last results (a run of one suite updates its entry)
    report: dict[str, object] = json.loads(latest.read_text()) if latest.is_file() else {}
    report["started"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for name in chosen:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            print(f"[{name}] not available: {exc}", file=sys.stderr)
            continue
        result = module.run()
        report[name] = result
        print(module.table(result) if hasattr(module, "table") else json.dumps(result, indent=2))
        print()
    RESULTS.mkdir(exist_ok=True)
    latest.write_text(json.dumps(report, indent=2, default=str))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
