"""`paypulse iam-report`: the policy grants no call exercised, from the usage the local stack
recorded (tests and `paypulse dev` write it when ``PAYPULSE_IAM_USAGE`` names a folder; the
pytest plugin uses ``.paypulse/iam-usage`` under the repository root).

Grants the Lambda service itself exercises with the function's role (logs, dead-letter queue,
stream reads of the event source mapping) are listed apart: no function code calls them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from infra.workspace import ROOT
from paypulse_devkit.iam_enforcement import is_service_grant
from paypulse_devkit.iam_policy import Grant, Policy

DEFAULT_FOLDER = ROOT / ".paypulse" / "iam-usage"
KEEP_RUNS = 5


def new_run_folder(base: Path = DEFAULT_FOLDER) -> Path:
    """A fresh folder for one test session's records; older runs beyond KEEP_RUNS are removed."""
    import os
    import shutil
    import time

    runs = sorted(p for p in base.glob("run-*") if p.is_dir())
    for old in runs[: max(0, len(runs) - KEEP_RUNS + 1)]:
        shutil.rmtree(old, ignore_errors=True)
    folder = base / f"run-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_usage(folder: Path) -> list[dict[str, Any]]:
    """The records of the newest ``run-*`` subfolder of ``folder``, or of ``folder`` itself."""
    runs = sorted(p for p in folder.glob("run-*") if any(p.glob("usage-*.json")))
    if runs:
        folder = runs[-1]
    return [json.loads(p.read_text()) for p in sorted(folder.glob("usage-*.json"))]


def summarize(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Merge the records of several stacks: unused and service grants per function, denials."""
    policies: dict[str, dict] = {}
    exercised: set[tuple] = set()
    denied: set[tuple] = set()
    for record in records:
        policies.update(record["policies"])
        exercised.update(tuple(e) for e in record["exercised"])
        denied.update(tuple(d) for d in record["denied"])
    unused: dict[str, list[Grant]] = {}
    service: dict[str, list[Grant]] = {}
    total = 0
    for fn, doc in sorted(policies.items()):
        for grant in Policy(doc).grants():
            if is_service_grant(grant):
                service.setdefault(fn, []).append(grant)
                continue
            total += 1
            if (fn, *grant.key) not in exercised:
                unused.setdefault(fn, []).append(grant)
    return {
        "functions": len(policies),
        "code_grants": total,
        "unused": unused,
        "service": service,
        "denied": sorted(denied),
    }


def render(summary: dict[str, Any]) -> str:
    unused = summary["unused"]
    count = sum(len(g) for g in unused.values())
    lines = [
        f"IAM: {count} of {summary['code_grants']} code grants of {summary['functions']} "
        "functions never exercised"
    ]
    for fn, grants in unused.items():
        lines.append(f"  {fn}")
        lines += [f"    {g.sid:<28} {g.action:<36} {g.resource}" for g in grants]
    if summary["denied"]:
        lines.append(f"IAM: {len(summary['denied'])} distinct calls denied")
        lines += [
            f"  {fn:<28} {action:<36} {resource}" for fn, action, resource in summary["denied"]
        ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--usage",
        type=Path,
        default=DEFAULT_FOLDER,
        help="folder of recorded usage files (default: the newest test run's)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a grant was never exercised"
    )


def run(args: argparse.Namespace) -> int:
    records = load_usage(args.usage)
    if not records:
        print(
            f"No recorded IAM usage in {args.usage}: run the tests first "
            "(or `paypulse dev` with PAYPULSE_IAM_USAGE set).",
            file=sys.stderr,
        )
        return 2
    summary = summarize(records)
    if args.json:
        print(
            json.dumps(
                {
                    **summary,
                    "unused": {
                        fn: [g.__dict__ for g in gs] for fn, gs in summary["unused"].items()
                    },
                    "service": {
                        fn: [g.__dict__ for g in gs] for fn, gs in summary["service"].items()
                    },
                },
                indent=2,
            )
        )
    else:
        print(render(summary))
    return 1 if args.strict and summary["unused"] else 0
