"""`paypulse plan` end to end in a subprocess: offline, the whole stack, no policy findings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_plan_json_shows_the_whole_stack_offline(ws, tmp_path):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="", AWS_PROFILE="")
    proc = subprocess.run(
        [sys.executable, "-m", "paypulse_devkit.cli", "plan", "--stack", "dev", "--json"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["findings"] == []
    types = [r["type"] for r in doc["resources"]]
    assert types.count("aws:lambda/function:Function") == len(ws.functions)
    assert types.count("aws:dynamodb/table:Table") == len(ws.resources.tables)
    assert {"api_url", "invoices_bucket", "tables", "topic_arn"} <= set(doc["outputs"])
    policies = [r for r in doc["resources"] if r["type"] == "aws:iam/rolePolicy:RolePolicy"]
    assert all(r["props"]["statements"] for r in policies)
    assert "offline-placeholder" not in json.dumps(doc["resources"])  # secrets never printed
    assert doc["placeholders"] == ["paypulse:googleClientId"]
