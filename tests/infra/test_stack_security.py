"""Least privilege, no secrets in environments, DLQs, log retention, policy pack and parliament
on the mocked stack."""

from __future__ import annotations

import json
from pathlib import Path

from infra.iam import endpoints_arn
from paypulse_devkit.plan import evaluate

# parliament's IAM definitions list no resource type for SNS platform-endpoint actions, so it
# flags any scoping; SNS authorizes them against the application / endpoint ARN, which is what
# least privilege wants here. These findings are the only ones accepted.
SNS_PLATFORM_ACTIONS = {
    "sns:createplatformendpoint",
    "sns:deleteendpoint",
    "sns:getendpointattributes",
    "sns:setendpointattributes",
}


def _by_function(offline) -> dict[str, dict]:
    """function -> {"env", "policy", "dlq", "log_group"} from the mocked resources."""
    out: dict[str, dict] = {}
    for r in offline.of_type("aws:lambda/function:Function"):
        name = r.inputs["tags"]["paypulse:function"]
        (policy,) = [
            p
            for p in offline.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.name == f"fn-{name}-policy"
        ]
        queues = [q for q in offline.of_type("aws:sqs/queue:Queue") if q.name == f"fn-{name}-dlq"]
        (logs,) = [
            g
            for g in offline.of_type("aws:cloudwatch/logGroup:LogGroup")
            if g.name == f"fn-{name}-logs"
        ]
        out[name] = {
            "env": r.inputs["environment"]["variables"],
            "policy": json.loads(policy.inputs["policy"]),
            "dlq": queues[0].state["arn"] if queues else None,
            "log_group": logs.state["arn"],
            "props": r.inputs,
        }
    return out


def _physical(offline) -> dict[str, dict[str, str]]:
    tables = {
        r.name.removeprefix("data-"): r.state for r in offline.of_type("aws:dynamodb/table:Table")
    }
    buckets = {
        r.name.removeprefix("storage-"): r.state for r in offline.of_type("aws:s3/bucket:Bucket")
    }
    secrets = {
        r.name.removeprefix("secrets-"): r.state
        for r in offline.of_type("aws:secretsmanager/secret:Secret")
    }
    topics = {
        r.name.removeprefix("notifications-"): r.state
        for r in offline.of_type("aws:sns/topic:Topic")
    }
    queues = {
        r.name.removeprefix("queues-"): r.state for r in offline.of_type("aws:sqs/queue:Queue")
    }
    (app,) = offline.of_type("aws:sns/platformApplication:PlatformApplication")
    return {"tables": tables, "buckets": buckets, "secrets": secrets, "topics": topics,
            "queues": queues, "app": app.state["arn"]}  # fmt: skip


def test_each_role_references_only_its_declared_resources(offline, ws):
    phys = _physical(offline)
    for name, f in _by_function(offline).items():
        fn = ws.functions[name]
        allowed = {f"{f['log_group']}:*"}
        if f["dlq"]:
            allowed.add(f["dlq"])
        for t in fn.tables:
            arn = phys["tables"][t]["arn"]
            allowed |= {arn} | ({f"{arn}/index/*"} if ws.resources.tables[t].indexes else set())
        if fn.stream:
            allowed |= {phys["tables"][fn.stream.table]["streamArn"], "*"}
        for b in fn.buckets:
            arn = phys["buckets"][b]["arn"]
            allowed |= {arn, f"{arn}/invoices/*"}
        for s in fn.secrets:
            secret = ws.resources.secrets[s]
            allowed.add(
                f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:paypulse/test/{secret.prefix}*"
                if secret.prefix
                else phys["secrets"][s]["arn"]
            )
        for t in fn.topics:
            allowed |= {phys["topics"][t]["arn"], phys["app"], endpoints_arn(phys["app"])}
        for q in {*fn.queues, *([fn.sqs.queue] if fn.sqs else [])}:
            allowed.add(phys["queues"][q]["arn"])
        used = {r for s in f["policy"]["Statement"] for r in s["Resource"]}
        assert used <= allowed, (name, used - allowed)
        # completeness: every declared table/bucket/secret is granted
        for t in fn.tables:  # the table, or only its indexes ("i" alone)
            arn = phys["tables"][t]["arn"]
            assert arn in used or (fn.tables[t] == "i" and f"{arn}/index/*" in used), (name, t)
        for b in fn.buckets:
            assert f"{phys['buckets'][b]['arn']}/invoices/*" in used, (name, b)
        for s in fn.secrets:
            prefix = ws.resources.secrets[s].prefix
            expected = (
                f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:paypulse/test/{prefix}*"
                if prefix
                else phys["secrets"][s]["arn"]
            )
            assert expected in used, (name, s)


def test_wildcard_resource_only_for_list_streams_and_no_wildcard_actions(offline):
    for name, f in _by_function(offline).items():
        for statement in f["policy"]["Statement"]:
            assert not any("*" in action for action in statement["Action"]), name
            if "*" in statement["Resource"]:
                assert statement["Action"] == ["dynamodb:ListStreams"], name


def test_access_levels_follow_the_declaration(offline, ws):
    for name, f in _by_function(offline).items():
        fn = ws.functions[name]
        statements = {s["Sid"]: set(s["Action"]) for s in f["policy"]["Statement"]}
        for t, level in fn.tables.items():
            sid = "Table" + "".join(p.capitalize() for p in t.split("_"))
            actions = statements.get(sid, set()) | statements.get("Indexes" + sid[5:], set())
            assert ("dynamodb:PutItem" in actions) is ("w" in level), (name, t)
            assert ("dynamodb:Scan" in actions) is ("s" in level), (name, t)
        for b, level in fn.buckets.items():
            actions = statements["Objects" + b.capitalize()]
            assert ("s3:PutObject" in actions) is ("w" in level), (name, b)


def test_no_secret_in_any_environment(offline, ws, secret_values):
    everything = json.dumps([r.inputs for r in offline.of_type("aws:lambda/function:Function")])
    for value in secret_values.values():
        assert value not in everything
    known = set()
    for r in offline.resources:
        known |= {
            v for k, v in r.state.items() if k in ("name", "arn", "bucket") and isinstance(v, str)
        }
    for name, f in _by_function(offline).items():
        for key, value in f["env"].items():
            assert key.startswith("PAYPULSE_"), (name, key)
            if key.startswith(("PAYPULSE_TABLE_", "PAYPULSE_BUCKET_", "PAYPULSE_TOPIC_",
                               "PAYPULSE_APNS_")):  # fmt: skip
                assert value in known, (name, key, value)
            elif key.startswith("PAYPULSE_SECRET_"):
                secret = ws.resources.secrets[key.removeprefix("PAYPULSE_SECRET_").lower()]
                assert value == f"paypulse/test/{secret.prefix or secret.name}", (name, key)


def test_apns_and_gemini_settings_reach_the_right_functions(offline, ws):
    phys = _physical(offline)
    for name, f in _by_function(offline).items():
        fn = ws.functions[name]
        has_apns = "PAYPULSE_APNS_PLATFORM_APP_ARN" in f["env"]
        assert has_apns is ("endpoints" in fn.topics.values()), name
        if has_apns:
            assert f["env"]["PAYPULSE_APNS_PLATFORM_APP_ARN"] == phys["app"]
        assert ("PAYPULSE_GEMINI_MODEL" in f["env"]) is ("gemini_api_key" in fn.secrets), name
    assert "PAYPULSE_GEMINI_MODEL" in _by_function(offline)["parse_retail_invoice"]["env"]


def test_every_async_function_has_a_dlq_and_alarms(offline, ws):
    functions = _by_function(offline)
    invoke_configs = {
        r.inputs["functionName"]: r.inputs
        for r in offline.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
    }
    alarms = {r.name for r in offline.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    for name, fn in ws.functions.items():
        f = functions[name]
        assert (f["dlq"] is not None) is fn.is_async_trigger, name
        if fn.s3 or fn.schedules:
            config = invoke_configs[f"paypulse-test-{name}"]
            assert config["destinationConfig"]["onFailure"]["destination"] == f["dlq"]
            assert config["maximumRetryAttempts"] == 2
            assert f["props"]["deadLetterConfig"]["targetArn"] == f["dlq"]
        if f["dlq"]:
            assert f"ops-fn-{name}-dlq-depth" in alarms or f"ops-{name}-dlq-depth" in alarms
        assert {f"ops-{name}-errors", f"ops-{name}-throttles"} <= alarms


def test_log_groups_have_retention(offline):
    groups = offline.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert groups and all(g.inputs["retentionInDays"] == 30 for g in groups)


def test_policy_pack_finds_nothing_on_the_stack(offline):
    root = Path(__file__).resolve().parents[2]
    assert evaluate(offline.resources, root / "policy" / "policies.py") == []


def test_policy_pack_catches_a_planted_violation(offline):
    root = Path(__file__).resolve().parents[2]
    (fn,) = [
        r
        for r in offline.of_type("aws:lambda/function:Function")
        if r.name == "fn-login_user-function"
    ]
    original = fn.inputs
    fn.inputs = dict(original, environment={"variables": {"JWT_SECRET": "Zx9" * 16}})
    try:
        findings = evaluate(offline.resources, root / "policy" / "policies.py")
    finally:
        fn.inputs = original
    assert {f["policy"] for f in findings} == {"no-secrets-in-env"}
    assert len(findings) == 2  # bad name + secret-looking value


def test_parliament_finds_nothing_in_any_policy_document(offline, parliament):
    documents = []
    for typ, key in (
        ("aws:iam/rolePolicy:RolePolicy", "policy"),
        ("aws:iam/role:Role", "assumeRolePolicy"),
        ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
        ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
    ):
        documents += [(r.name, r.inputs[key]) for r in offline.of_type(typ)]
    assert len(documents) > 30
    for name, document in documents:
        if name.endswith("-role"):  # trust policies have no Resource element by design
            continue
        findings = parliament.analyze_policy_string(document).findings
        unexpected = [
            (f.issue, f.detail)
            for f in findings
            if not (
                f.issue == "RESOURCE_MISMATCH"
                and {d["action"].lower() for d in f.detail} <= SNS_PLATFORM_ACTIONS
            )
        ]
        assert unexpected == [], name
