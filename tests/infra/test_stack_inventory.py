"""The mocked stack matches the declarations: functions, routes, schedules, triggers, tables,
buckets, vendor items and outputs."""

from __future__ import annotations

import json

from infra.components.vendor_items import vendor_files
from infra.workspace import LAYER_PACKAGES

FUNCTION = "aws:lambda/function:Function"
STACK = "test"


def _functions(offline) -> dict[str, dict]:
    return {r.inputs["tags"]["paypulse:function"]: r.inputs for r in offline.of_type(FUNCTION)}


def test_every_declared_function_exists_with_its_settings(offline, ws):
    functions = _functions(offline)
    assert set(functions) == set(ws.functions)
    for name, fn in ws.functions.items():
        props = functions[name]
        assert props["name"] == f"paypulse-test-{name}"
        assert props["handler"] == fn.handler
        assert props["runtime"] == "python3.12"
        assert props["architectures"] == ["arm64"]
        assert props["memorySize"] == fn.memory
        assert props["timeout"] == fn.timeout
        assert [arn.split(":")[6] for arn in props["layers"]] == [
            f"paypulse-test-{layer}" for layer in fn.layers
        ]
        assert props["loggingConfig"]["logGroup"] == f"/aws/lambda/paypulse-test-{name}"


def test_layers_are_published_for_each_declared_layer(offline, ws):
    layers = {
        r.inputs["layerName"]: r.inputs
        for r in offline.of_type("aws:lambda/layerVersion:LayerVersion")
    }
    used = {layer for fn in ws.functions.values() for layer in fn.layers}
    assert set(layers) == {f"paypulse-test-{layer}" for layer in used}
    assert used <= set(LAYER_PACKAGES)
    for props in layers.values():
        assert props["compatibleRuntimes"] == ["python3.12"]
        assert props["compatibleArchitectures"] == ["arm64"]


def test_routes_integrations_and_scoped_invoke_permissions(offline, ws):
    declared = {str(route): fn.name for route, fn in ws.routes()}
    routes = {r.inputs["routeKey"] for r in offline.of_type("aws:apigatewayv2/route:Route")}
    assert routes == set(declared)
    for integration in offline.of_type("aws:apigatewayv2/integration:Integration"):
        assert integration.inputs["payloadFormatVersion"] == "2.0"
        assert integration.inputs["integrationType"] == "AWS_PROXY"
    api_permissions = [
        r.inputs
        for r in offline.of_type("aws:lambda/permission:Permission")
        if r.inputs["principal"] == "apigateway.amazonaws.com"
    ]
    assert len(api_permissions) == len(declared)
    for route_key, fn_name in declared.items():
        method, path = route_key.split(" ", 1)
        matching = [p for p in api_permissions if p["sourceArn"].endswith(f"/*/{method}{path}")]
        assert [p["function"] for p in matching] == [f"paypulse-test-{fn_name}"]


def test_stage_is_auto_deployed_throttled_and_logs_json(offline):
    (stage,) = offline.of_type("aws:apigatewayv2/stage:Stage")
    props = stage.inputs
    assert props["name"] == "$default"
    assert props["autoDeploy"] is True
    assert props["defaultRouteSettings"]["throttlingBurstLimit"] == 5000
    assert props["defaultRouteSettings"]["throttlingRateLimit"] == 1000
    fmt = json.loads(props["accessLogSettings"]["format"])
    assert {"requestId", "status", "routeKey", "integrationErrorMessage"} <= set(fmt)


def test_schedules_target_their_functions_with_retries_and_dlq(offline, ws):
    declared = {
        (s.cron, f"paypulse-test-{fn.name}") for fn in ws.functions.values() for s in fn.schedules
    }
    rules = {
        r.state["name"]: r.inputs for r in offline.of_type("aws:cloudwatch/eventRule:EventRule")
    }
    targets = offline.of_type("aws:cloudwatch/eventTarget:EventTarget")
    got = {(rules[t.inputs["rule"]]["scheduleExpression"], t.inputs["arn"].split(":")[-1])
           for t in targets}  # fmt: skip
    assert got == declared
    assert {"cron(30 8 ? * MON-FRI *)", "cron(0 18 ? * SUN *)"} <= {c for c, _ in got}
    for t in targets:
        assert t.inputs["retryPolicy"]["maximumRetryAttempts"] == 2
        assert t.inputs["deadLetterConfig"]["arn"].startswith("arn:aws:sqs:")


def test_s3_notifications_match_declared_triggers(offline, ws):
    (notification,) = offline.of_type("aws:s3/bucketNotification:BucketNotification")
    got = {
        (c["lambdaFunctionArn"].split(":")[-1], c["filterPrefix"], c["filterSuffix"])
        for c in notification.inputs["lambdaFunctions"]
    }
    declared = {
        (f"paypulse-test-{fn.name}", fn.s3.prefix, fn.s3.suffix)
        for fn in ws.functions.values()
        if fn.s3
    }
    assert got == declared
    assert ("paypulse-test-parse_invoice", "invoices/", ".pdf") in got
    assert ("paypulse-test-parse_retail_invoice", "invoices/", ".html") in got


def test_stream_mapping_bisects_retries_and_filters_inserts(offline, ws):
    mappings = [
        m
        for m in offline.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
        if ":dynamodb:" in m.inputs["eventSourceArn"]
    ]
    streamed = [fn for fn in ws.functions.values() if fn.stream]
    assert len(mappings) == len(streamed) >= 1
    for fn in streamed:
        (props,) = [
            m.inputs
            for m in mappings
            if m.inputs["functionName"].endswith(f":paypulse-test-{fn.name}")
        ]
        assert props["batchSize"] == fn.stream.batch_size
        assert props["bisectBatchOnFunctionError"] is True
        assert 0 < props["maximumRetryAttempts"] <= 5
        assert props["destinationConfig"]["onFailure"]["destinationArn"].startswith("arn:aws:sqs:")
        pattern = json.loads(props["filterCriteria"]["filters"][0]["pattern"])
        assert pattern == {"eventName": list(fn.stream.events)}
        assert "/stream/" in props["eventSourceArn"]


def test_tables_have_exact_keys_indexes_streams_and_settings(offline, ws):
    tables = {
        r.name.removeprefix("data-"): r.inputs for r in offline.of_type("aws:dynamodb/table:Table")
    }
    assert set(tables) == set(ws.resources.tables)
    for name, table in ws.resources.tables.items():
        props = tables[name]
        assert props["hashKey"] == table.hash_key
        assert props.get("rangeKey") == table.range_key
        assert {a["name"]: a["type"] for a in props["attributes"]} == table.attributes
        indexes = {
            i["name"]: {k["keyType"]: k["attributeName"] for k in i["keySchemas"]}
            for i in props.get("globalSecondaryIndexes", [])
        }
        assert indexes == {
            i.name: {"HASH": i.hash_key, **({"RANGE": i.range_key} if i.range_key else {})}
            for i in table.indexes
        }
        assert props["streamEnabled"] is bool(table.stream)
        assert props.get("streamViewType") == table.stream
        assert props.get("ttl", {}).get("attributeName") == table.ttl
        assert props["serverSideEncryption"]["enabled"] is True
        assert props["pointInTimeRecovery"]["enabled"] is True
        assert props["deletionProtectionEnabled"] is True
        if table.capacity:
            assert props["billingMode"] == "PROVISIONED"
            assert (props["readCapacity"], props["writeCapacity"]) == (
                table.capacity["read"], table.capacity["write"])  # fmt: skip
        else:
            assert props["billingMode"] == "PAY_PER_REQUEST"


def test_rental_invoices_autoscale_1_to_10_at_70_percent(offline, ws):
    capacity = ws.resources.tables["rental_invoices"].capacity
    targets = [t.inputs for t in offline.of_type("aws:appautoscaling/target:Target")]
    policies = [p.inputs for p in offline.of_type("aws:appautoscaling/policy:Policy")]
    dims = {t["scalableDimension"] for t in targets}
    assert {"dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits"} <= dims
    for t in targets:
        assert (t["minCapacity"], t["maxCapacity"]) == (capacity["min"], capacity["max"])
    for p in policies:
        config = p["targetTrackingScalingPolicyConfiguration"]
        assert config["targetValue"] == capacity["target"]


def test_buckets_are_private_versioned_encrypted_tls_only(offline, ws):
    buckets = [r.name.removeprefix("storage-") for r in offline.of_type("aws:s3/bucket:Bucket")]
    assert set(ws.resources.buckets) <= set(buckets)

    def one(typ, bucket):
        (r,) = [r for r in offline.of_type(typ) if r.name.startswith(f"storage-{bucket}-")]
        return r.inputs

    for bucket in buckets:
        block = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
        assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy",
                                              "ignorePublicAcls", "restrictPublicBuckets"))  # fmt: skip
        versioning = one("aws:s3/bucketVersioning:BucketVersioning", bucket)
        assert versioning["versioningConfiguration"]["status"] == "Enabled"
        sse = one(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            bucket,
        )
        assert sse["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
        policy = json.loads(one("aws:s3/bucketPolicy:BucketPolicy", bucket)["policy"])
        (deny,) = policy["Statement"]
        assert (
            deny["Effect"] == "Deny" and deny["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        )
    lifecycle = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "invoices")
    days = lifecycle["rules"][0]["noncurrentVersionExpiration"]["noncurrentDays"]
    assert days == ws.resources.buckets["invoices"].noncurrent_version_days


def test_one_vendor_item_per_file(offline, ws):
    items = offline.of_type("aws:dynamodb/tableItem:TableItem")
    files = vendor_files(ws.root / "vendor_configs")
    assert len(items) == len(files)
    for item in items:
        doc = json.loads(item.inputs["item"])
        assert set(doc["vendor_id"]) == {"S"}
        assert item.inputs["hashKey"] == "vendor_id"


def test_jwt_key_is_written_once_per_version_and_encrypted_in_state(offline):
    """Pulumi keeps write-only inputs in the state: the generated key is there, as a secret
    (encrypted by the stack's secrets provider), and only a version bump writes a new one."""
    versions = {
        r.name: r for r in offline.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    }
    jwt = versions["secrets-jwt_signing_key-value"]
    assert "secretString" not in jwt.inputs and jwt.inputs["secretStringWoVersion"] == 1
    assert jwt.secret_inputs == {"secretStringWo"}  # never plaintext in the state
    assert len(jwt.inputs["secretStringWo"]) >= 64
    assert "secretString" in versions["secrets-google_client_id-value"].secret_inputs


def test_stack_secrets_can_be_destroyed_and_created_again(offline):
    secrets = offline.of_type("aws:secretsmanager/secret:Secret")
    names = {r.inputs["name"] for r in secrets}
    assert names == {"paypulse/test/jwt_signing_key", "paypulse/test/google_client_id",
                     "paypulse/test/gemini_api_key"}  # fmt: skip
    # a fixed name is reserved during a recovery window: deleted at once, it can be re-created
    assert all(r.inputs["recoveryWindowInDays"] == 0 for r in secrets)


def test_no_identity_can_assume_a_role_without_signing_in(offline):
    """Devices register through the API; no Cognito pool hands out guest AWS credentials."""
    assert not offline.of_type("aws:cognito/identityPool:IdentityPool")
    for role in offline.of_type("aws:iam/role:Role"):
        for statement in json.loads(role.inputs["assumeRolePolicy"])["Statement"]:
            assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}, role.name
    assert "identity_pool_id" not in offline.outputs


def test_outputs(offline, ws):
    out = offline.outputs
    assert out["api_url"].startswith("https://")
    assert out["invoices_bucket"].startswith("storage-invoices")
    assert set(out["tables"]) == set(ws.resources.tables)
    assert out["topic_arn"].startswith("arn:aws:sns:")


def test_stack_config_changes_take_effect(offline, tmp_path_factory):
    """The whole program run again with other settings: each one reaches the resources."""
    from infra.mocks import run_offline

    from .conftest import CONFIG, SECRET_VALUES

    changed = dict(
        CONFIG,
        **{
            "paypulse:buildDir": str(tmp_path_factory.getbasetemp() / "lambda-build"),
            "paypulse:architecture": "x86_64",
            "paypulse:logRetentionDays": "90",
            "paypulse:pointInTimeRecovery": "false",
            "paypulse:deletionProtection": "false",
            "paypulse:secretNamespace": "team-a",
            "paypulse:geminiModel": "gemini-2.5-pro",
            "paypulse:jwtKeyVersion": "2",
        },
    )
    other = run_offline(changed, stack="other", secret_keys=list(SECRET_VALUES))
    functions = _functions(other)
    assert set(functions) == set(_functions(offline))
    assert all(f["architectures"] == ["x86_64"] for f in functions.values())
    layers = other.of_type("aws:lambda/layerVersion:LayerVersion")
    assert all(x.inputs["compatibleArchitectures"] == ["x86_64"] for x in layers)
    groups = other.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert {g.inputs["retentionInDays"] for g in groups} == {90}
    tables = other.of_type("aws:dynamodb/table:Table")
    assert not any(t.inputs["pointInTimeRecovery"]["enabled"] for t in tables)
    assert not any(t.inputs["deletionProtectionEnabled"] for t in tables)
    names = {r.inputs["name"] for r in other.of_type("aws:secretsmanager/secret:Secret")}
    assert names and all(n.startswith("team-a/paypulse/other/") for n in names)
    (jwt,) = [v for v in other.of_type("aws:secretsmanager/secretVersion:SecretVersion")
              if "jwt" in v.name]  # fmt: skip
    assert jwt.inputs["secretStringWoVersion"] == 2
    assert (
        functions["parse_retail_invoice"]["environment"]["variables"]["PAYPULSE_GEMINI_MODEL"]
        == "gemini-2.5-pro"
    )
    # the stacks' per-user Gmail secrets are apart: neither stack's roles reach the other's
    _per_user_secrets_are_apart(offline, other)
    # and the default run differs on each of them
    default = _functions(offline)
    assert default["login_user"]["architectures"] == ["arm64"]
    assert {g.inputs["retentionInDays"] for g in offline.of_type(
        "aws:cloudwatch/logGroup:LogGroup")} == {30}  # fmt: skip


def _per_user_secrets_are_apart(one, other) -> None:
    from fnmatch import fnmatchcase

    def user_secret(run) -> str:
        # the ARN Secrets Manager gives the secret a function creates for user "u1"
        prefix = _functions(run)["gmail_store_tokens"]["environment"]["variables"][
            "PAYPULSE_SECRET_GMAIL_TOKENS"
        ]
        return f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{prefix}u1-AbCdEf"

    def granted(run) -> set[str]:
        return {
            res
            for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
            for s in json.loads(p.inputs["policy"])["Statement"]
            if any(a.startswith("secretsmanager:") for a in s["Action"])
            for res in s["Resource"]
        }

    for mine, theirs in ((one, other), (other, one)):
        assert any(fnmatchcase(user_secret(mine), r) for r in granted(mine))
        assert not any(fnmatchcase(user_secret(theirs), r) for r in granted(mine))
