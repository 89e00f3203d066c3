"""The mocks reject what AWS would reject: the shipped program passes in update and preview
mode; every deliberately AWS-invalid change of tests/infra/mutations.py is reported with the
rule it breaks."""

from __future__ import annotations

import json
import re

import pytest

from infra.aws_rules import Registered, check_resource, schedule_expression_errors
from infra.mocks import AwsRuleError, run_offline

from .conftest import CONFIG, SECRET_VALUES, STACK
from .mutations import MUTATIONS, batches


def _config(tmp_path_factory, **extra) -> dict[str, str]:
    build = tmp_path_factory.getbasetemp() / "lambda-build"
    return dict(CONFIG, **{"paypulse:buildDir": str(build)}, **extra)


@pytest.mark.parametrize(
    "expression",
    ["cron(30 8 ? * MON-FRI *)", "cron(0 18 ? * SUN *)", "cron(0/15 * * * ? *)",
     "cron(0 10 L * ? 2026-2030)", "rate(1 hour)", "rate(5 minutes)"],
)  # fmt: skip
def test_valid_schedule_expressions(expression):
    assert schedule_expression_errors(expression) == []


@pytest.mark.parametrize(
    "expression",
    ["cron(30 8 * * MON-FRI)", "cron(30 8 * * MON-FRI *)", "cron(30 8 ? * ? *)",
     "cron(61 8 ? * MON *)", "cron(0 24 ? * MON *)", "cron(0 8 ? * FUN *)", "rate(1 hours)",
     "rate(2 hour)", "rate(0 minutes)", "every day"],
)  # fmt: skip
def test_invalid_schedule_expressions(expression):
    assert schedule_expression_errors(expression)


def test_the_program_passes_in_preview_with_unknown_outputs(offline, tmp_path_factory):
    preview = run_offline(_config(tmp_path_factory), stack=STACK,
                          secret_keys=list(SECRET_VALUES), preview=True)  # fmt: skip
    # the same resources are planned, and what AWS computes is unknown (no ARN reached a policy)
    assert sorted((r.typ, r.name) for r in preview.resources) == sorted(
        (r.typ, r.name) for r in offline.resources
    )
    policies = preview.of_type("aws:iam/rolePolicy:RolePolicy")
    assert policies and all("policy" not in p.state for p in policies)
    assert not any(re.search(r"arn:aws:lambda:", str(r.inputs)) for r in preview.resources)


def test_one_broken_rule_fails_a_preview_too(tmp_path_factory):
    """A single invalid input fails the run on its own, already in preview mode."""
    with pytest.MonkeyPatch.context() as mp:
        MUTATIONS[0].patch(mp)
        with pytest.raises(AwsRuleError) as err:
            run_offline(_config(tmp_path_factory), stack=STACK,
                        secret_keys=list(SECRET_VALUES), preview=True)  # fmt: skip
    assert {v.split(":", 1)[0] for v in err.value.violations} == {MUTATIONS[0].rule}


@pytest.fixture(scope="module")
def mutated_runs(tmp_path_factory) -> dict[str, list[str]]:
    """mutation id -> violations reported by the run it was part of."""
    reported: dict[str, list[str]] = {}
    for group in batches(MUTATIONS):
        config: dict[str, str] = {}
        with pytest.MonkeyPatch.context() as mp:
            for m in group:
                m.patch(mp)
                config.update(m.config)
            try:
                run_offline(_config(tmp_path_factory, **config), stack=STACK,
                            secret_keys=list(SECRET_VALUES))  # fmt: skip
                violations: list[str] = []
            except AwsRuleError as err:
                violations = err.violations
        for m in group:
            reported[m.id] = violations
    return reported


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_each_aws_invalid_change_is_rejected(mutation, mutated_runs):
    mine = [
        v for v in mutated_runs[mutation.id]
        if v.startswith(f"{mutation.rule}:") and mutation.resource in v
    ]  # fmt: skip
    assert mine, (mutation.id, mutated_runs[mutation.id])


def test_at_least_90_percent_of_the_mutations_are_caught(mutated_runs):
    caught = [m for m in MUTATIONS if any(v.startswith(f"{m.rule}:") for v in mutated_runs[m.id])]
    assert len(MUTATIONS) >= 30
    assert len(caught) / len(MUTATIONS) >= 0.9


def test_identity_pool_roles_take_only_cognitos_two_keys():
    role = "arn:aws:iam::123456789012:role/guest"
    attachment = "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment"
    good = Registered(attachment, "roles", "urn:x", {"roles": {"unauthenticated": role}})
    bad = Registered(attachment, "roles", "urn:x", {"roles": {"guest": role,
                                                              "authenticated": "role/x"}})  # fmt: skip
    assert check_resource(good) == []
    assert [v.split(":", 1)[0] for v in check_resource(bad)] == ["cognito-identity-roles"] * 2


def test_a_resource_type_without_rules_is_reported():
    (violation,) = check_resource(Registered("aws:ec2/instance:Instance", "vm", "urn:x", {}))
    assert violation.startswith("unchecked-type:")


def test_dashboard_bodies_need_typed_widgets():
    typ = "aws:cloudwatch/dashboard:Dashboard"
    widget = {"type": "metric", "properties": {"metrics": [["AWS/Lambda", "Errors"]]}}
    good = {"dashboardName": "paypulse-dev", "dashboardBody": json.dumps({"widgets": [widget]})}
    assert check_resource(Registered(typ, "d", "urn:x", good)) == []
    for bad in ({"widgets": {"a": 1}}, {"widgets": [{"type": "metric"}]}, {"start": "-PT3H"}):
        inputs = dict(good, dashboardBody=json.dumps(bad))
        (violation,) = check_resource(Registered(typ, "d", "urn:x", inputs))
        assert violation.startswith("cloudwatch-dashboard-body:")
    named = dict(good, dashboardName="paypulse dev")
    assert check_resource(Registered(typ, "d", "urn:x", named))[0].startswith(
        "cloudwatch-dashboard-name:"
    )
