"""`paypulse plan` end to end in a subprocess: offline, the whole stack, no policy findings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_preview_reads_the_manifest_and_runs_no_build(tmp_path, monkeypatch):
    """`pulumi preview` with artifacts=built: no manifest is a clear error; with one, the program
    runs without starting any process (no uv); a source-only manifest is refused for `up`."""
    from infra import build
    from infra.mocks import run_offline
    from infra.workspace import workspace

    from .conftest import CONFIG, SECRET_VALUES

    config = dict(CONFIG, **{"paypulse:artifacts": "built", "paypulse:buildDir": str(tmp_path)})
    with pytest.raises(build.ArtifactsNotBuiltError, match="paypulse build"):
        run_offline(config, stack="test", secret_keys=list(SECRET_VALUES), preview=True)
    options = build.BuildOptions(mode="sources", architecture="arm64", build_dir=tmp_path)
    build.write_manifest(build.build_all(workspace(), options), options)

    def no_process(*args, **kwargs):
        raise AssertionError(f"the program started a process: {args[0] if args else kwargs}")

    monkeypatch.setattr(subprocess, "run", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    preview = run_offline(config, stack="test", secret_keys=list(SECRET_VALUES), preview=True)
    keys = {r.inputs["key"] for r in preview.of_type("aws:s3/bucketObject:BucketObject")}
    manifest = json.loads(build.manifest_path(options).read_text())
    assert keys == {
        f"{'layers' if kind == 'layer' else 'code'}/{name}/{meta['sha256']}.zip"
        for entry, meta in manifest["artifacts"].items()
        for kind, name in [entry.split("/")]
    }
    with pytest.raises(build.BuildError, match="source-only"):
        run_offline(config, stack="test", secret_keys=list(SECRET_VALUES), preview=False)
