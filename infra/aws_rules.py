"""AWS's documented input rules, checked on the resources the program registers (no Pulumi import).

``check_resource(r)`` validates one resource's inputs against what the AWS API would reject;
``check_stack(resources)`` checks what spans resources: every trigger has its Lambda permission
(principal + source ARN), S3 notifications are created after their permissions, autoscaling
targets name a provisioned table/index of the stack and Pulumi ignores the capacity they change,
vendor items match their table's key. Each violation is ``"<rule>: <resource>: <detail>"``.

Inputs are the engine's camelCase properties. In a preview, values computed by AWS are unknown:
they arrive as ``UNKNOWN`` and every rule skips what it cannot see yet (a later ``up`` checks it).
The source of each rule is cited next to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


@dataclass
class Registered:
    """One registered resource as the engine saw it."""

    typ: str
    name: str
    urn: str
    inputs: dict
    state: dict = field(default_factory=dict)
    dependencies: frozenset[str] = frozenset()
    ignore_changes: tuple[str, ...] = ()
    secret_inputs: frozenset[str] = frozenset()
    id: str = ""


def known(value) -> bool:
    """True when the value (and everything inside it) is known."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(known(v) for v in value)
    return True


_PARTITION = r"aws(?:-cn|-us-gov)?"
_REGION = r"[a-z]{2}(?:-gov)?-[a-z]+-\d"
_ACCOUNT = r"\d{12}"
ARN_SHAPES = {
    # Lambda API reference, AddPermission/CreateFunction: function ARN pattern.
    "lambda_function": rf"arn:{_PARTITION}:lambda:{_REGION}:{_ACCOUNT}:function:[a-zA-Z0-9\-_]{{1,64}}(?::(?:\$LATEST|[a-zA-Z0-9\-_]+))?",
    "lambda_layer_version": rf"arn:{_PARTITION}:lambda:{_REGION}:{_ACCOUNT}:layer:[a-zA-Z0-9\-_]{{1,140}}:\d+",
    "sqs": rf"arn:{_PARTITION}:sqs:{_REGION}:{_ACCOUNT}:[A-Za-z0-9_\-]{{1,80}}",
    "sns": rf"arn:{_PARTITION}:sns:{_REGION}:{_ACCOUNT}:[A-Za-z0-9_\-]{{1,256}}",
    "iam_role": rf"arn:{_PARTITION}:iam::{_ACCOUNT}:role/[\w+=,.@\-/]{{1,512}}",
    "events_rule": rf"arn:{_PARTITION}:events:{_REGION}:{_ACCOUNT}:rule/[\.\-_A-Za-z0-9/]{{1,64}}",
    "s3_bucket": rf"arn:{_PARTITION}:s3:::[a-z0-9][a-z0-9.\-]{{1,61}}[a-z0-9]",
    "log_group": rf"arn:{_PARTITION}:logs:{_REGION}:{_ACCOUNT}:log-group:[\.\-_/#A-Za-z0-9]{{1,512}}(?::\*)?",
    "dynamodb_stream": rf"arn:{_PARTITION}:dynamodb:{_REGION}:{_ACCOUNT}:table/[a-zA-Z0-9_.\-]{{3,255}}/stream/[\w.:\-]+",
    # API Gateway developer guide, "Control access to an HTTP API with IAM" / Lambda
    # AddPermission for API Gateway: arn:aws:execute-api:region:account:api-id/stage/METHOD/path
    "lambda_invoke": rf"arn:{_PARTITION}:apigateway:{_REGION}:lambda:path/2015-03-31/functions/arn:{_PARTITION}:lambda:{_REGION}:{_ACCOUNT}:function:[a-zA-Z0-9\-_]{{1,64}}/invocations",
    "execute_api": rf"arn:{_PARTITION}:execute-api:{_REGION}:{_ACCOUNT}:[a-z0-9]+/[^/]+/[^/]+(?:/.*)?",
}
_ANY_ARN = re.compile(rf"^arn:{_PARTITION}:[a-z0-9\-]+:(?:{_REGION})?:(?:{_ACCOUNT}|aws)?:.+$")


def arn_is(kind: str, value) -> bool:
    return isinstance(value, str) and re.fullmatch(ARN_SHAPES[kind], value) is not None


# ------------------------------------------------------------------------------ helpers


class _Report:
    def __init__(self, r: Registered):
        self.r = r
        self.violations: list[str] = []

    def fail(self, rule: str, detail: str) -> None:
        self.violations.append(f"{rule}: {self.r.typ}::{self.r.name}: {detail}")

    def between(self, rule: str, key: str, low: float, high: float, *, required=False) -> None:
        value = _get(self.r.inputs, key)
        if value is None:
            if required:
                self.fail(rule, f"{key} is required")
            return
        if not known(value):
            return
        if not isinstance(value, int | float) or not low <= value <= high:
            self.fail(rule, f"{key}={value!r} outside {low:g}..{high:g}")

    def one_of(self, rule: str, key: str, allowed: Iterable, *, required=False) -> None:
        value = _get(self.r.inputs, key)
        if value is None:
            if required:
                self.fail(rule, f"{key} is required")
            return
        if known(value) and value not in set(allowed):
            self.fail(rule, f"{key}={value!r} not one of {sorted(map(str, allowed))}")

    def arn(self, rule: str, key: str, kinds: tuple[str, ...], *, required=False) -> None:
        value = _get(self.r.inputs, key)
        if value is None:
            if required:
                self.fail(rule, f"{key} is required")
            return
        if known(value) and not any(arn_is(k, value) for k in kinds):
            self.fail(rule, f"{key}={value!r} is not a {' or '.join(kinds)} ARN")

    def pattern(self, rule: str, key: str, regex: str, *, required=False) -> None:
        value = _get(self.r.inputs, key)
        if value is None:
            if required:
                self.fail(rule, f"{key} is required")
            return
        if known(value) and not (isinstance(value, str) and re.fullmatch(regex, value)):
            self.fail(rule, f"{key}={value!r} does not match {regex}")

    def policy_json(self, rule: str, key: str) -> dict | None:
        value = self.r.inputs.get(key)
        if value is None or not known(value):
            return None
        try:
            doc = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            self.fail(rule, f"{key} is not JSON")
            return None
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        if doc.get("Version") != "2012-10-17" or not statements:
            self.fail(rule, f"{key} needs Version 2012-10-17 and at least one Statement")
            return None
        for s in statements if isinstance(statements, list) else [statements]:
            if s.get("Effect") not in ("Allow", "Deny") or not (
                s.get("Action") or s.get("NotAction")
            ):
                self.fail(rule, f"{key}: statement {s.get('Sid', '?')} needs Effect and Action")
        return doc


def _get(inputs: dict, dotted: str):
    value = inputs
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _auto_name(r: Registered) -> str:
    """The physical name Pulumi's auto-naming gives a resource: logical name + '-' + 7 chars."""
    return f"{r.name}-abcdef1"


# ------------------------------------------------------------------------------ per type


def _lambda_function(c: _Report) -> None:
    # Lambda developer guide, "Configure Lambda function timeout": 1 to 900 seconds
    # (docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
    c.between("lambda-timeout", "timeout", 1, 900)
    # Lambda developer guide, "Configure Lambda function memory": 128 MB to 10,240 MB.
    c.between("lambda-memory", "memorySize", 128, 10240)
    # CreateFunction API: FunctionName pattern, 1-64 characters.
    c.pattern("lambda-name", "name", r"[a-zA-Z0-9\-_]{1,64}", required=True)
    c.one_of("lambda-runtime", "runtime", ("python3.10", "python3.11", "python3.12",
                                           "python3.13"), required=True)  # fmt: skip
    c.arn("lambda-role", "role", ("iam_role",), required=True)
    c.pattern("lambda-handler", "handler", r"[^\s]{1,128}", required=True)
    description = c.r.inputs.get("description")
    if isinstance(description, str) and len(description) > 256:
        c.fail("lambda-description", "description longer than 256 characters")
    arch = c.r.inputs.get("architectures")
    if known(arch) and arch is not None and (len(arch) != 1 or arch[0] not in ("arm64", "x86_64")):
        c.fail("lambda-architectures", f"architectures={arch!r}: exactly one of arm64, x86_64")
    layers = c.r.inputs.get("layers") or []
    # Lambda quotas: at most five layers per function.
    if len(layers) > 5:
        c.fail("lambda-layers", f"{len(layers)} layers, the limit is 5")
    for layer in layers:
        if known(layer) and not arn_is("lambda_layer_version", layer):
            c.fail("lambda-layers", f"{layer!r} is not a layer version ARN")
    i = c.r.inputs
    if not ((i.get("s3Bucket") and i.get("s3Key")) or i.get("code") or i.get("imageUri")):
        c.fail("lambda-code", "a function needs code: s3Bucket + s3Key, a zip or an image")
    variables = _get(c.r.inputs, "environment.variables") or {}
    if known(variables):
        # Lambda quotas: environment variables 4 KB in total; key pattern [a-zA-Z]([a-zA-Z0-9_])+
        size = sum(len(k) + len(str(v)) for k, v in variables.items())
        if size > 4096:
            c.fail("lambda-environment", f"{size} bytes of environment, the limit is 4 KB")
        for key in variables:
            if not re.fullmatch(r"[a-zA-Z]\w+", key) or key.startswith("AWS_"):
                c.fail("lambda-environment", f"{key!r} is not a settable variable name")
    c.arn("lambda-dead-letter", "deadLetterConfig.targetArn", ("sqs", "sns"))
    c.one_of("lambda-logging", "loggingConfig.logFormat", ("JSON", "Text"))


def _layer_version(c: _Report) -> None:
    c.pattern("layer-name", "layerName", r"[a-zA-Z0-9\-_]{1,140}", required=True)
    for arch in c.r.inputs.get("compatibleArchitectures") or []:
        if arch not in ("arm64", "x86_64"):
            c.fail("layer-architectures", f"{arch!r} is not arm64 or x86_64")
    if len(c.r.inputs.get("compatibleRuntimes") or []) > 15:
        c.fail("layer-runtimes", "at most 15 compatible runtimes")


# Principal -> the ARN kind its source must be (Lambda developer guide, "Granting function access
# to AWS services" and AddPermission: SourceArn of the API/rule/bucket invoking the function;
# API Gateway: arn:aws:execute-api:region:account:api-id/stage/METHOD/path, docs.aws.amazon.com/
# apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
TRIGGER_SOURCES = {
    "apigateway.amazonaws.com": "execute_api",
    "events.amazonaws.com": "events_rule",
    "s3.amazonaws.com": "s3_bucket",
}


def _permission(c: _Report) -> None:
    c.one_of("permission-action", "action", ("lambda:InvokeFunction",), required=True)
    principal = c.r.inputs.get("principal")
    if not known(principal):
        return
    source = c.r.inputs.get("sourceArn")
    kind = TRIGGER_SOURCES.get(principal)
    if kind is None:
        c.fail("permission-principal", f"principal {principal!r} invokes no declared trigger")
        return
    if source is None:
        # Without SourceArn any API/rule/bucket of any account could invoke the function.
        c.fail("permission-source", f"{principal} permission without sourceArn")
    elif known(source) and not arn_is(kind, source):
        c.fail("permission-source", f"{principal} needs a {kind} sourceArn, got {source!r}")
    if principal == "s3.amazonaws.com":
        # S3 bucket ARNs carry no account id: AWS docs require SourceAccount with the bucket ARN
        # to keep another account's bucket of the same name from invoking the function.
        c.pattern("permission-source-account", "sourceAccount", r"\d{12}", required=True)


def _integration(c: _Report) -> None:
    # AWS::ApiGatewayV2::Integration TimeoutInMillis: 50 to 30,000 ms for HTTP APIs
    # (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
    #  aws-properties-apigatewayv2-apigatewaymanagedoverrides-integrationoverrides.html).
    c.between("apigw-integration-timeout", "timeoutMilliseconds", 50, 30000)
    c.one_of("apigw-payload-format", "payloadFormatVersion", ("1.0", "2.0"))
    if c.r.inputs.get("integrationType") == "AWS_PROXY":
        c.one_of("apigw-integration-method", "integrationMethod", ("POST",))
        c.arn("apigw-integration-uri", "integrationUri", ("lambda_function", "lambda_invoke"),
              required=True)  # fmt: skip


_ROUTE_KEY = r"\$default|(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /[A-Za-z0-9_\-{}/.+]*"


def _route(c: _Report) -> None:
    # API Gateway HTTP API routes: "$default" or "METHOD /path" with {param} / {proxy+}.
    c.pattern("apigw-route-key", "routeKey", _ROUTE_KEY, required=True)
    c.pattern("apigw-route-target", "target", r"integrations/[a-zA-Z0-9]+")


def _stage(c: _Report) -> None:
    fmt = _get(c.r.inputs, "accessLogSettings.format")
    # API Gateway, "Configure logging for HTTP APIs": the format must include $context.requestId
    # or $context.extendedRequestId.
    if (
        isinstance(fmt, str)
        and "$context.requestId" not in fmt
        and ("$context.extendedRequestId" not in fmt)
    ):
        c.fail("apigw-access-log-format", "access log format without $context.requestId")
    c.arn("apigw-access-log-destination", "accessLogSettings.destinationArn", ("log_group",))
    c.between("apigw-throttle", "defaultRouteSettings.throttlingBurstLimit", 0, 5000)
    c.between("apigw-throttle", "defaultRouteSettings.throttlingRateLimit", 0, 10000)


# CloudWatch Logs PutRetentionPolicy: retentionInDays possible values
# (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
LOG_RETENTION_DAYS = frozenset({1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                                1096, 1827, 2192, 2557, 2922, 3288, 3653})  # fmt: skip


def _log_group(c: _Report) -> None:
    c.one_of("log-retention", "retentionInDays", LOG_RETENTION_DAYS, required=True)
    c.pattern("log-group-name", "name", r"[\.\-_/#A-Za-z0-9]{1,512}")


_CRON_FIELDS = (
    # (name, plain-value regex) from EventBridge "cron and rate expressions" (six fields).
    ("minutes", r"[0-5]?\d"),
    ("hours", r"[01]?\d|2[0-3]"),
    ("day-of-month", r"[1-9]|[12]\d|3[01]|L|LW|\d{1,2}W"),
    ("month", r"[1-9]|1[0-2]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"),
    ("day-of-week", r"[1-7]|SUN|MON|TUE|WED|THU|FRI|SAT|[1-7]L|[1-7]#[1-5]"),
    ("year", r"19[7-9]\d|2[01]\d\d"),
)


def schedule_expression_errors(expression: str) -> list[str]:
    """Why EventBridge would reject a schedule expression (empty: it is valid).

    EventBridge user guide, "Using cron and rate expressions to schedule rules"
    (docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html): rate(value unit)
    with a positive value and minute(s)/hour(s)/day(s) (singular for 1); cron with six fields; `?`
    only in day-of-month or day-of-week and exactly one of them must be `?`.
    """
    m = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if m:
        value, unit = int(m.group(1)), m.group(2)
        if value < 1:
            return ["rate value must be positive"]
        if (value == 1) != (not unit.endswith("s")):
            return [f"rate({value} {unit}): use the singular unit for 1 and plural otherwise"]
        return []
    m = re.fullmatch(r"cron\(([^)]*)\)", expression)
    if not m:
        return [f"{expression!r} is neither rate(...) nor cron(...)"]
    fields = m.group(1).split()
    if len(fields) != 6:
        return [f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"]  # fmt: skip
    errors = []
    for (name, plain), value in zip(_CRON_FIELDS, fields, strict=True):
        if value == "?" and name not in ("day-of-month", "day-of-week"):
            errors.append(f"'?' is not allowed in {name}")
            continue
        if value in ("*", "?"):
            continue
        for part in value.split(","):
            base, _, step = part.partition("/")
            ends = base.split("-") if base != "*" else []
            if step and not step.isdigit():
                errors.append(f"{name}: bad increment {part!r}")
            if any(not re.fullmatch(plain, end) for end in ends) or len(ends) > 2:
                errors.append(f"{name}: {part!r} is not a valid value")
    if (fields[2] == "?") == (fields[4] == "?"):
        errors.append("exactly one of day-of-month and day-of-week must be '?'")
    return errors


def _event_rule(c: _Report) -> None:
    expression = c.r.inputs.get("scheduleExpression")
    if isinstance(expression, str):
        for error in schedule_expression_errors(expression):
            c.fail("events-schedule-expression", error)
    c.one_of("events-rule-state", "state", ("ENABLED", "DISABLED"))


def _event_target(c: _Report) -> None:
    # EventBridge RetryPolicy: MaximumRetryAttempts 0-185, MaximumEventAgeInSeconds 60-86400.
    c.between("events-retry-attempts", "retryPolicy.maximumRetryAttempts", 0, 185)
    c.between("events-event-age", "retryPolicy.maximumEventAgeInSeconds", 60, 86400)
    c.arn("events-dead-letter", "deadLetterConfig.arn", ("sqs",))
    c.arn("events-target", "arn", ("lambda_function", "sqs", "sns"), required=True)


def _invoke_config(c: _Report) -> None:
    # Lambda API, FunctionEventInvokeConfig: MaximumEventAgeInSeconds 60-21600,
    # MaximumRetryAttempts 0-2 (docs.aws.amazon.com/lambda/latest/api/
    # API_FunctionEventInvokeConfig.html).
    c.between("lambda-async-event-age", "maximumEventAgeInSeconds", 60, 21600)
    c.between("lambda-async-retries", "maximumRetryAttempts", 0, 2)
    for which in ("onFailure", "onSuccess"):
        c.arn("lambda-async-destination", f"destinationConfig.{which}.destination",
              ("sqs", "sns", "lambda_function"))  # fmt: skip


def _event_source_mapping(c: _Report) -> None:
    source = c.r.inputs.get("eventSourceArn")
    c.arn("esm-source", "eventSourceArn", ("dynamodb_stream", "sqs"), required=True)
    if isinstance(source, str) and ":dynamodb:" in source:
        # Lambda CreateEventSourceMapping (docs.aws.amazon.com/lambda/latest/api/
        # API_CreateEventSourceMapping.html): StartingPosition is required for DynamoDB streams,
        # TRIM_HORIZON or LATEST (AT_TIMESTAMP is for Kinesis and Kafka only); BatchSize 1-10,000;
        # MaximumRetryAttempts -1..10,000; MaximumRecordAgeInSeconds -1 or 60..604,800.
        c.one_of("esm-starting-position", "startingPosition", ("TRIM_HORIZON", "LATEST"),
                 required=True)  # fmt: skip
        c.between("esm-batch-size", "batchSize", 1, 10000)
        c.between("esm-retries", "maximumRetryAttempts", -1, 10000)
        age = c.r.inputs.get("maximumRecordAgeInSeconds")
        if known(age) and age is not None and age != -1 and not 60 <= age <= 604800:
            c.fail("esm-record-age", f"maximumRecordAgeInSeconds={age} not -1 or 60..604800")
    if isinstance(source, str) and ":sqs:" in source:
        # Lambda CreateEventSourceMapping for SQS: no StartingPosition (streams only); BatchSize
        # 1-10,000 for a standard queue, above 10 only with MaximumBatchingWindowInSeconds >= 1;
        # FunctionResponseTypes only "ReportBatchItemFailures"; ScalingConfig.MaximumConcurrency
        # 2-1,000; no bisect/retry/record-age settings (stream-only parameters).
        if c.r.inputs.get("startingPosition") is not None:
            c.fail("esm-sqs-starting-position", "an SQS mapping takes no startingPosition")
        c.between("esm-sqs-batch-size", "batchSize", 1, 10000)
        size, window = c.r.inputs.get("batchSize"), c.r.inputs.get("maximumBatchingWindowInSeconds")
        if known(size) and size is not None and size > 10 and not (known(window) and window):
            c.fail("esm-sqs-batch-window", f"batchSize={size} > 10 needs a batching window")
        c.between("esm-sqs-concurrency", "scalingConfig.maximumConcurrency", 2, 1000)
        for kind in c.r.inputs.get("functionResponseTypes") or []:
            if kind != "ReportBatchItemFailures":
                c.fail("esm-response-types", f"functionResponseTypes {kind!r}")
        for stream_only in ("bisectBatchOnFunctionError", "maximumRetryAttempts",
                            "maximumRecordAgeInSeconds", "destinationConfig"):  # fmt: skip
            if c.r.inputs.get(stream_only) is not None:
                c.fail("esm-sqs-stream-parameter", f"{stream_only} is for streams only")
    c.arn("esm-destination", "destinationConfig.onFailure.destinationArn", ("sqs", "sns"))
    for f in _get(c.r.inputs, "filterCriteria.filters") or []:
        try:
            json.loads(f.get("pattern", ""))
        except ValueError:
            c.fail("esm-filter", f"filter pattern is not JSON: {f.get('pattern')!r}")


_DDB_NAME = r"[a-zA-Z0-9_.\-]{3,255}"
STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def _table(c: _Report) -> None:
    i = c.r.inputs
    attrs = {a.get("name"): a.get("type") for a in i.get("attributes") or []}
    keys = [i.get("hashKey"), i.get("rangeKey")]
    gsis = i.get("globalSecondaryIndexes") or []
    for g in gsis:
        keys += [k.get("attributeName") for k in g.get("keySchemas") or []]
        keys += [g.get("hashKey"), g.get("rangeKey")]
        if not re.fullmatch(_DDB_NAME, str(g.get("name"))):
            c.fail("dynamodb-index-name", f"index name {g.get('name')!r}")
        if i.get("billingMode") == "PROVISIONED" and not (
            g.get("readCapacity") and g.get("writeCapacity")
        ):
            c.fail("dynamodb-capacity", f"index {g.get('name')}: provisioned table, no capacity")
    used = {k for k in keys if k}
    # DynamoDB CreateTable: every key attribute is defined, and AttributeDefinitions holds only
    # attributes used by the table's or an index's key schema ("Some AttributeDefinitions are not
    # used in the KeySchema"). Types: S, N or B.
    for key in sorted(used - set(attrs)):
        c.fail("dynamodb-attributes", f"key attribute {key!r} has no definition")
    for attr in sorted(set(attrs) - used):
        c.fail("dynamodb-attributes", f"attribute {attr!r} is defined but is no key")
    for attr, kind in attrs.items():
        if kind not in ("S", "N", "B"):
            c.fail("dynamodb-attributes", f"attribute {attr!r} has type {kind!r}")
    if len(gsis) > 20:
        c.fail("dynamodb-indexes", "more than 20 global secondary indexes")
    c.one_of("dynamodb-billing", "billingMode", ("PROVISIONED", "PAY_PER_REQUEST"))
    if i.get("billingMode") == "PROVISIONED":
        c.between("dynamodb-capacity", "readCapacity", 1, 40000, required=True)
        c.between("dynamodb-capacity", "writeCapacity", 1, 40000, required=True)
    ttl = i.get("ttl") or {}
    if ttl.get("enabled") and not ttl.get("attributeName"):
        c.fail("dynamodb-ttl", "TTL enabled without an attribute name")
    # StreamSpecification: StreamViewType is required when streams are enabled.
    if i.get("streamEnabled"):
        c.one_of("dynamodb-stream-view", "streamViewType", STREAM_VIEW_TYPES, required=True)
    elif i.get("streamViewType"):
        c.fail("dynamodb-stream-view", "streamViewType without streamEnabled")


def _table_item(c: _Report) -> None:
    item = c.r.inputs.get("item")
    if not isinstance(item, str):
        return
    try:
        doc = json.loads(item)
    except ValueError:
        c.fail("dynamodb-item", "item is not DynamoDB JSON")
        return
    # DynamoDB: the maximum item size is 400 KB.
    if len(item.encode()) > 400 * 1024:
        c.fail("dynamodb-item", "item larger than 400 KB")
    for name, value in doc.items():
        if not (isinstance(value, dict) and len(value) == 1):
            c.fail("dynamodb-item", f"attribute {name!r} is not typed DynamoDB JSON")


def _scalable_target(c: _Report) -> None:
    i = c.r.inputs
    c.one_of("autoscaling-namespace", "serviceNamespace", ("dynamodb",), required=True)
    rid, dim = i.get("resourceId"), i.get("scalableDimension")
    # docs.aws.amazon.com/autoscaling/application/userguide/services-that-can-integrate-dynamodb.html
    # Application Auto Scaling RegisterScalableTarget: DynamoDB ResourceId is "table/NAME" or
    # "table/NAME/index/INDEX"; ScalableDimension dynamodb:table:{Read,Write}CapacityUnits for
    # a table and dynamodb:index:... for an index.
    if known(rid) and isinstance(rid, str):
        m = re.fullmatch(rf"table/({_DDB_NAME})(/index/({_DDB_NAME}))?", rid)
        if not m:
            c.fail("autoscaling-resource-id", f"{rid!r} is not table/NAME or table/NAME/index/X")
        elif known(dim):
            scope = "index" if m.group(2) else "table"
            if dim not in (f"dynamodb:{scope}:ReadCapacityUnits",
                           f"dynamodb:{scope}:WriteCapacityUnits"):  # fmt: skip
                c.fail("autoscaling-dimension", f"{dim!r} does not scale a {scope} ({rid})")
    lo, hi = i.get("minCapacity"), i.get("maxCapacity")
    if isinstance(lo, int | float) and isinstance(hi, int | float) and not 1 <= lo <= hi:
        c.fail("autoscaling-capacity", f"min {lo} / max {hi}: need 1 <= min <= max")


def _scaling_policy(c: _Report) -> None:
    cfg = c.r.inputs.get("targetTrackingScalingPolicyConfiguration") or {}
    c.one_of("autoscaling-policy-type", "policyType", ("TargetTrackingScaling",
                                                       "StepScaling"))  # fmt: skip
    # Application Auto Scaling + DynamoDB: target utilization between 20 and 90 percent.
    value = cfg.get("targetValue")
    if isinstance(value, int | float) and not 20 <= value <= 90:
        c.fail("autoscaling-target-value", f"targetValue {value} outside 20..90 %")
    metric = _get(cfg, "predefinedMetricSpecification.predefinedMetricType")
    dim = c.r.inputs.get("scalableDimension")
    if isinstance(metric, str) and isinstance(dim, str):
        want = "Read" if dim.endswith("ReadCapacityUnits") else "Write"
        if metric != f"DynamoDB{want}CapacityUtilization":
            c.fail("autoscaling-metric", f"{metric} does not track {dim}")


def _queue(c: _Report) -> None:
    # SQS CreateQueue (docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/
    # API_CreateQueue.html) attributes: MessageRetentionPeriod 60-1,209,600 s; VisibilityTimeout
    # 0-43,200 s; DelaySeconds 0-900; MaximumMessageSize 1,024-1,048,576 bytes;
    # ReceiveMessageWaitTimeSeconds 0-20. Queue names: up to 80 alphanumerics, - and _.
    c.between("sqs-retention", "messageRetentionSeconds", 60, 1209600)
    c.between("sqs-visibility", "visibilityTimeoutSeconds", 0, 43200)
    c.between("sqs-delay", "delaySeconds", 0, 900)
    c.between("sqs-message-size", "maxMessageSize", 1024, 1048576)
    c.between("sqs-wait", "receiveWaitTimeSeconds", 0, 20)
    name = c.r.inputs.get("name") or _auto_name(c.r)
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,80}", name):
        c.fail("sqs-name", f"queue name {name!r}")
    # RedrivePolicy (SQS developer guide, "Using dead-letter queues"; CreateQueue attributes):
    # a JSON object with deadLetterTargetArn (an SQS queue ARN) and maxReceiveCount 1-1,000.
    redrive = c.r.inputs.get("redrivePolicy")
    if known(redrive) and redrive:
        try:
            policy = json.loads(redrive)
        except ValueError:
            c.fail("sqs-redrive", "redrivePolicy is not JSON")
            return
        target, count = policy.get("deadLetterTargetArn"), policy.get("maxReceiveCount")
        if known(target) and not arn_is("sqs", target):
            c.fail("sqs-redrive", f"deadLetterTargetArn {target!r} is not an SQS queue ARN")
        if not isinstance(count, int) or not 1 <= count <= 1000:
            c.fail("sqs-redrive", f"maxReceiveCount={count!r} not 1..1000")


def _iam_role(c: _Report) -> None:
    # IAM: role names up to 64 characters [\w+=,.@-] (auto-named from the logical name).
    name = c.r.inputs.get("name") or _auto_name(c.r)
    if not re.fullmatch(r"[\w+=,.@\-]{1,64}", name):
        c.fail("iam-role-name", f"role name {name!r} (max 64 characters)")
    doc = c.policy_json("iam-trust-policy", "assumeRolePolicy")
    for s in (doc or {}).get("Statement", []):
        if "Principal" not in s:
            c.fail("iam-trust-policy", "trust statement without Principal")


def _policy_document(key: str, limit: int | None = None) -> Callable[[_Report], None]:
    def check(c: _Report) -> None:
        doc = c.policy_json("iam-policy-document", key)
        value = c.r.inputs.get(key)
        # IAM quotas: an inline role policy holds at most 10,240 characters (whitespace excluded).
        if limit and isinstance(value, str) and len(re.sub(r"\s", "", value)) > limit:
            c.fail("iam-policy-size", f"{key} longer than {limit} characters")
        for s in (doc or {}).get("Statement", []):
            resources = s.get("Resource", [])
            for res in resources if isinstance(resources, list) else [resources]:
                if res != "*" and not _ANY_ARN.match(str(res)):
                    c.fail("iam-resource-arn", f"statement {s.get('Sid', '?')}: {res!r}")

    return check


def _bucket(c: _Report) -> None:
    # S3 bucket naming rules: 3-63 characters, lowercase letters, digits, dots and hyphens
    # (no underscores). Auto-naming appends '-' + 7 characters to the logical name.
    name = c.r.inputs.get("bucket") or _auto_name(c.r)
    if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", name):
        c.fail("s3-bucket-name", f"bucket name {name!r}")


def _bucket_notification(c: _Report) -> None:
    configs = c.r.inputs.get("lambdaFunctions") or []
    for n in configs:
        if known(n.get("lambdaFunctionArn")) and not arn_is(
            "lambda_function", n.get("lambdaFunctionArn")
        ):
            c.fail("s3-notification-target", f"{n.get('lambdaFunctionArn')!r}")
        for event in n.get("events") or []:
            if not re.fullmatch(r"s3:(ObjectCreated|ObjectRemoved|ObjectRestore):[A-Za-z*]+",
                                event):  # fmt: skip
                c.fail("s3-notification-event", f"{event!r}")
    # S3 "Configuring event notifications using object key name filtering": configurations of the
    # same event type may not overlap (one prefix a prefix of the other and one suffix a suffix
    # of the other): "Configurations overlap".
    for a_i, a in enumerate(configs):
        for b in configs[a_i + 1 :]:
            pa, pb = a.get("filterPrefix") or "", b.get("filterPrefix") or ""
            sa, sb = a.get("filterSuffix") or "", b.get("filterSuffix") or ""
            if (
                set(a.get("events") or []) & set(b.get("events") or [])
                and (pa.startswith(pb) or pb.startswith(pa))
                and (sa.endswith(sb) or sb.endswith(sa))
            ):
                c.fail("s3-notification-overlap", f"{a.get('id')} and {b.get('id')} overlap")


def _lifecycle(c: _Report) -> None:
    for rule in c.r.inputs.get("rules") or []:
        if rule.get("status") not in ("Enabled", "Disabled"):
            c.fail("s3-lifecycle", f"rule {rule.get('id')}: status {rule.get('status')!r}")
        days = _get(rule, "noncurrentVersionExpiration.noncurrentDays")
        if isinstance(days, int | float) and days < 1:
            c.fail("s3-lifecycle", f"rule {rule.get('id')}: noncurrentDays {days} < 1")


def _secret(c: _Report) -> None:
    # Secrets Manager CreateSecret / DeleteSecret (docs.aws.amazon.com/secretsmanager/latest/
    # apireference/API_DeleteSecret.html): name up to 512 of [A-Za-z0-9/_+=.@-]; DeleteSecret:
    # RecoveryWindowInDays 7-30 (0 in Pulumi/Terraform means ForceDeleteWithoutRecovery).
    c.pattern("secret-name", "name", r"[A-Za-z0-9/_+=.@\-]{1,512}")
    window = c.r.inputs.get("recoveryWindowInDays")
    if isinstance(window, int | float) and window != 0 and not 7 <= window <= 30:
        c.fail("secret-recovery-window", f"recoveryWindowInDays={window}: 0 or 7..30")
    # A deleted secret's name stays reserved during its recovery window (default 30 days): with a
    # fixed name, `pulumi destroy` then `pulumi up` cannot create the secret again.
    if c.r.inputs.get("name") and window != 0:
        c.fail("rebuild-secret-name", "fixed name with a recovery window: destroy then up fails "
               "(recoveryWindowInDays=0, or let Pulumi generate the name)")  # fmt: skip


def _secret_version(c: _Report) -> None:
    values = [k for k in ("secretString", "secretBinary", "secretStringWo") if k in c.r.inputs]
    if len(values) != 1:
        c.fail("secret-version", f"exactly one value argument, got {values}")
    for key in values:
        if key not in c.r.secret_inputs:
            c.fail("secret-version-secret", f"{key} is not a Pulumi secret (plaintext in state)")


def _topic(c: _Report) -> None:
    name = c.r.inputs.get("name") or _auto_name(c.r)
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,256}", name):
        c.fail("sns-topic-name", f"topic name {name!r}")
    display = c.r.inputs.get("displayName")
    if isinstance(display, str) and len(display) > 100:
        c.fail("sns-display-name", "displayName longer than 100 characters")


def _platform_application(c: _Report) -> None:
    c.one_of("sns-platform", "platform", ("APNS", "APNS_SANDBOX", "GCM", "ADM", "BAIDU", "MPNS",
                                          "WNS"), required=True)  # fmt: skip
    if c.r.inputs.get("platform") in ("APNS", "APNS_SANDBOX"):
        # SNS token-based APNs: PlatformCredential is the .p8 signing key, PlatformPrincipal the
        # key id; ApplePlatformTeamID and ApplePlatformBundleID are required.
        for key in ("platformCredential", "platformPrincipal", "applePlatformTeamId",
                    "applePlatformBundleId"):  # fmt: skip
            if not c.r.inputs.get(key):
                c.fail("sns-apns-token", f"{key} is required")
        if "platformCredential" not in c.r.secret_inputs:
            c.fail("sns-apns-token", "platformCredential is not a Pulumi secret")


def _subscription(c: _Report) -> None:
    c.one_of("sns-subscription-protocol", "protocol", ("email", "email-json", "http", "https",
                                                       "sqs", "lambda", "sms", "application",
                                                       "firehose"), required=True)  # fmt: skip
    if c.r.inputs.get("protocol") == "email":
        c.pattern("sns-subscription-endpoint", "endpoint", r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _alarm(c: _Report) -> None:
    # CloudWatch PutMetricAlarm: Period 10, 20, 30 or a multiple of 60; EvaluationPeriods >= 1.
    period = c.r.inputs.get("period")
    if isinstance(period, int | float) and period not in (10, 20, 30) and period % 60:
        c.fail("cloudwatch-alarm-period", f"period {period}: 10, 20, 30 or a multiple of 60")
    c.between("cloudwatch-alarm-evaluation", "evaluationPeriods", 1, 10000, required=True)
    c.one_of("cloudwatch-alarm-operator", "comparisonOperator", (
        "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
        "LessThanOrEqualToThreshold"), required=True)  # fmt: skip
    c.one_of("cloudwatch-alarm-statistic", "statistic", ("SampleCount", "Average", "Sum",
                                                         "Minimum", "Maximum"))  # fmt: skip
    c.one_of("cloudwatch-alarm-missing", "treatMissingData", ("breaching", "notBreaching",
                                                              "ignore", "missing"))  # fmt: skip
    for key in ("alarmActions", "okActions"):
        for arn in c.r.inputs.get(key) or []:
            if known(arn) and not arn_is("sns", arn):
                c.fail("cloudwatch-alarm-action", f"{key}: {arn!r} is not an SNS topic ARN")


def _dashboard(c: _Report) -> None:
    # CloudWatch PutDashboard: DashboardName up to 255 of [A-Za-z0-9_-]; DashboardBody is a JSON
    # object whose "widgets" array is required, each widget with a type and properties.
    c.pattern("cloudwatch-dashboard-name", "dashboardName", r"[A-Za-z0-9_\-]{1,255}", required=True)
    body = c.r.inputs.get("dashboardBody")
    if not (isinstance(body, str) and known(body)):
        return
    try:
        widgets = json.loads(body).get("widgets")
    except (ValueError, AttributeError):
        c.fail("cloudwatch-dashboard-body", "dashboardBody is not a JSON object")
        return
    if not isinstance(widgets, list):
        c.fail("cloudwatch-dashboard-body", "dashboardBody needs a widgets array")
        return
    for w in widgets:
        if not (isinstance(w, dict) and w.get("type") and "properties" in w):
            c.fail("cloudwatch-dashboard-body", f"widget without type/properties: {w!r}"[:200])


def _kms_key(c: _Report) -> None:
    # KMS ScheduleKeyDeletion: PendingWindowInDays 7-30.
    c.between("kms-deletion-window", "deletionWindowInDays", 7, 30)
    # KMS EnableKeyRotation: RotationPeriodInDays 90-2560; rotation only for symmetric keys
    # (docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html).
    c.between("kms-rotation-period", "rotationPeriodInDays", 90, 2560)
    spec = c.r.inputs.get("customerMasterKeySpec")
    if c.r.inputs.get("enableKeyRotation") and spec not in (None, "SYMMETRIC_DEFAULT"):
        c.fail("kms-rotation-symmetric", f"automatic rotation needs SYMMETRIC_DEFAULT, not {spec}")
    c.one_of("kms-key-usage", "keyUsage", ("ENCRYPT_DECRYPT", "SIGN_VERIFY",
                                             "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"))  # fmt: skip
    doc = c.policy_json("kms-key-policy", "policy")
    # A key policy that no principal may administer cannot be changed again (KMS developer
    # guide, "Default key policy": the account root statement keeps the key manageable).
    if doc is not None and not any(
        s.get("Effect") == "Allow" and "root" in json.dumps(s.get("Principal", {}))
        for s in doc.get("Statement", [])
    ):
        c.fail("kms-key-policy", "no statement lets the account (root) administer the key")


def _kms_alias(c: _Report) -> None:
    # KMS developer guide, "Create aliases": 1-256 characters, "alias/" then alphanumerics,
    # '/', '_' and '-'; "alias/aws/" is reserved for AWS managed keys.
    c.pattern("kms-alias-name", "name", r"alias/[A-Za-z0-9/_\-]{1,250}", required=True)
    name = c.r.inputs.get("name")
    if isinstance(name, str) and name.startswith("alias/aws/"):
        c.fail("kms-alias-name", "alias/aws/ is reserved for AWS managed keys")
    if c.r.inputs.get("targetKeyId") is None:
        c.fail("kms-alias-target", "targetKeyId is required")


def _identity_pool_roles(c: _Report) -> None:
    # Cognito SetIdentityPoolRoles: Roles keys are "authenticated" and "unauthenticated"
    # (docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_SetIdentityPoolRoles.html).
    roles = c.r.inputs.get("roles") or {}
    for key, arn in roles.items():
        if key not in ("authenticated", "unauthenticated"):
            c.fail("cognito-identity-roles", f"role key {key!r}")
        if known(arn) and not arn_is("iam_role", arn):
            c.fail("cognito-identity-roles", f"{key}: {arn!r} is not a role ARN")


def _bucket_object(c: _Report) -> None:
    key = c.r.inputs.get("key")
    if isinstance(key, str) and not 1 <= len(key.encode()) <= 1024:
        c.fail("s3-object-key", "object keys are 1 to 1024 bytes")
    if "source" not in c.r.inputs and "content" not in c.r.inputs:
        c.fail("s3-object-source", "an object needs source or content")


RESOURCE_RULES: dict[str, Callable[[_Report], None]] = {
    "aws:lambda/function:Function": _lambda_function,
    "aws:lambda/layerVersion:LayerVersion": _layer_version,
    "aws:lambda/permission:Permission": _permission,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": _invoke_config,
    "aws:lambda/eventSourceMapping:EventSourceMapping": _event_source_mapping,
    "aws:apigatewayv2/integration:Integration": _integration,
    "aws:apigatewayv2/route:Route": _route,
    "aws:apigatewayv2/stage:Stage": _stage,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:dynamodb/table:Table": _table,
    "aws:dynamodb/tableItem:TableItem": _table_item,
    "aws:appautoscaling/target:Target": _scalable_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
    "aws:sqs/queue:Queue": _queue,
    "aws:sqs/queuePolicy:QueuePolicy": _policy_document("policy"),
    "aws:iam/role:Role": _iam_role,
    "aws:iam/rolePolicy:RolePolicy": _policy_document("policy", 10240),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketPolicy:BucketPolicy": _policy_document("policy"),
    "aws:s3/bucketNotification:BucketNotification": _bucket_notification,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _lifecycle,
    "aws:s3/bucketObject:BucketObject": _bucket_object,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/platformApplication:PlatformApplication": _platform_application,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": _identity_pool_roles,
}
# Types whose inputs AWS constrains only in ways the rules above already cover through the
# resources they reference (checked by check_stack) or that take fixed values the code sets.
NO_INPUT_RULES = frozenset({
    "aws:apigatewayv2/api:Api",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:cognito/identityPool:IdentityPool",
})  # fmt: skip


def check_resource(r: Registered) -> list[str]:
    if r.typ.startswith("paypulse:") or r.typ in NO_INPUT_RULES:
        return []
    rules = RESOURCE_RULES.get(r.typ)
    if rules is None:
        return [f"unchecked-type: {r.typ}::{r.name}: add its AWS rules to infra/aws_rules.py"]
    report = _Report(r)
    rules(report)
    return report.violations


# ------------------------------------------------------------------------------ whole stack


def check_stack(resources: list[Registered]) -> list[str]:
    by_type: dict[str, list[Registered]] = {}
    for r in resources:
        by_type.setdefault(r.typ, []).append(r)
    out: list[str] = []
    out += _trigger_permissions(by_type)
    out += _autoscaled_tables(by_type)
    out += _function_log_groups(by_type)
    out += _vendor_items(by_type)
    out += _function_code_and_layers(by_type)
    out += _execution_role_permissions(by_type)
    out += _events_dead_letter_queues(by_type)
    out += _unique_physical_names(resources)
    return out


def _of(by_type, typ) -> list[Registered]:
    return by_type.get(typ, [])


def _function_names(by_type) -> dict[str, str]:
    """function ARN -> function name (both known in update mode, name only in preview)."""
    out = {}
    for f in _of(by_type, "aws:lambda/function:Function"):
        if "arn" in f.state and known(f.state["arn"]):
            out[f.state["arn"]] = f.inputs.get("name")
    return out


def _permissions(by_type) -> Iterator[Registered]:
    yield from _of(by_type, "aws:lambda/permission:Permission")


def _grants(p: Registered, function: str, principal: str) -> bool:
    fn = p.inputs.get("function")
    return p.inputs.get("principal") == principal and (
        fn == function or (isinstance(fn, str) and fn.endswith(f":function:{function}"))
    )


def _trigger_permissions(by_type) -> list[str]:
    """Lambda developer guide, "Using resource-based policies": API Gateway, EventBridge and S3
    invoke a function only with a permission for that principal from that source."""
    out = []
    names = _function_names(by_type)
    perms = list(_permissions(by_type))
    urns = {r.urn: r for rs in by_type.values() for r in rs}
    # API Gateway: each route's integration function is invocable for that route's method/path.
    apis = {a.state.get("executionArn") for a in _of(by_type, "aws:apigatewayv2/api:Api")}
    integrations = {i.id: i for i in _of(by_type, "aws:apigatewayv2/integration:Integration")}
    for route in _of(by_type, "aws:apigatewayv2/route:Route"):
        target, key = route.inputs.get("target"), route.inputs.get("routeKey")
        if not (known(target) and isinstance(target, str) and isinstance(key, str)):
            continue
        integration = integrations.get(target.removeprefix("integrations/"))
        uri = integration.inputs.get("integrationUri") if integration else None
        fn = names.get(uri) if known(uri) else None
        if fn is None:
            continue
        method, path = key.split(" ", 1) if " " in key else ("*", "")
        ok = [
            p for p in perms if _grants(p, fn, "apigateway.amazonaws.com")
            and _source_covers(p.inputs.get("sourceArn"), apis, method, path)
        ]  # fmt: skip
        if not ok:
            out.append(f"trigger-permission: route {key!r}: no apigateway.amazonaws.com "
                       f"permission of {fn} whose sourceArn covers it")  # fmt: skip
    # EventBridge: a rule targeting a function needs events.amazonaws.com from that rule.
    rules = {r.state.get("name"): r for r in _of(by_type, "aws:cloudwatch/eventRule:EventRule")}
    for t in _of(by_type, "aws:cloudwatch/eventTarget:EventTarget"):
        arn = t.inputs.get("arn")
        fn = names.get(arn) if known(arn) else None
        rule = rules.get(t.inputs.get("rule"))
        if fn is None or rule is None:
            continue
        rule_arn = rule.state.get("arn")
        if not any(_grants(p, fn, "events.amazonaws.com")
                   and p.inputs.get("sourceArn") in (rule_arn, UNKNOWN) for p in perms):  # fmt: skip
            out.append(f"trigger-permission: rule {rule.name}: no events.amazonaws.com "
                       f"permission of {fn} with sourceArn {rule_arn}")  # fmt: skip
    # S3: the permission must exist *before* the notification (S3 validates the destination:
    # "Unable to validate the following destination configurations"; S3 API reference,
    # PutBucketNotificationConfiguration: "Amazon S3 verifies that the Lambda function permissions
    # grant Amazon S3 permission to invoke the function"), so the notification depends on it.
    buckets = {b.state.get("bucket"): b for b in _of(by_type, "aws:s3/bucket:Bucket")}
    for n in _of(by_type, "aws:s3/bucketNotification:BucketNotification"):
        bucket = buckets.get(n.inputs.get("bucket"))
        bucket_arn = bucket.state.get("arn") if bucket else UNKNOWN
        for cfg in n.inputs.get("lambdaFunctions") or []:
            arn = cfg.get("lambdaFunctionArn")
            fn = names.get(arn) if known(arn) else None
            if fn is None:
                continue
            ok = [p for p in perms if _grants(p, fn, "s3.amazonaws.com")
                  and p.inputs.get("sourceArn") in (bucket_arn, UNKNOWN)]  # fmt: skip
            if not ok:
                out.append(f"trigger-permission: bucket notification {n.name}: no "
                           f"s3.amazonaws.com permission of {fn} from {bucket_arn}")  # fmt: skip
            elif not any(p.urn in _closure(n, urns) for p in ok):
                out.append(f"trigger-permission-order: {n.name} does not depend on the "
                           f"permission of {fn}: S3 rejects the notification if it comes first")  # fmt: skip
    return out


def _closure(r: Registered, urns: dict[str, Registered]) -> set[str]:
    """Every URN a resource waits for (its dependencies, and theirs)."""
    seen: set[str] = set()
    todo = list(r.dependencies)
    while todo:
        urn = todo.pop()
        if urn in seen:
            continue
        seen.add(urn)
        if urn in urns:
            todo += list(urns[urn].dependencies)
    return seen


def _source_covers(source, apis: set, method: str, path: str) -> bool:
    """Whether a permission's SourceArn (an ArnLike pattern: ``*`` spans anything, ``/``
    included) matches the ARN API Gateway invokes with: <api execution ARN>/<stage>/<METHOD><path>."""
    if source is UNKNOWN:
        return True
    if not (isinstance(source, str) and arn_is("execute_api", source)):
        return False
    pattern = re.escape(source).replace(r"\*", ".*").replace(r"\?", ".")
    return (
        any(
            re.fullmatch(pattern, f"{api}/$default/{method}{path}")
            for api in apis
            if isinstance(api, str)
        )
        or UNKNOWN in apis
    )


def _autoscaled_tables(by_type) -> list[str]:
    out = []
    tables = {}
    for t in _of(by_type, "aws:dynamodb/table:Table"):
        name = t.state.get("name", t.inputs.get("name"))
        tables[name] = t
    for target in _of(by_type, "aws:appautoscaling/target:Target"):
        rid = target.inputs.get("resourceId")
        if not (known(rid) and isinstance(rid, str) and rid.startswith("table/")):
            continue
        _, name, *rest = rid.split("/")
        table = tables.get(name)
        if table is None:
            out.append(f"autoscaling-resource-id: {target.name}: {rid} names no table of the stack")
            continue
        if table.inputs.get("billingMode") != "PROVISIONED":
            out.append(f"autoscaling-billing: {target.name}: {name} is not PROVISIONED")
        if rest:
            index = rest[-1]
            names = {g.get("name") for g in table.inputs.get("globalSecondaryIndexes") or []}
            if index not in names:
                out.append(f"autoscaling-resource-id: {target.name}: {name} has no index {index}")
        # Pulumi AWS dynamodb.Table docs: with autoscaling, ignore changes to read/write capacity,
        # or every `pulumi up --refresh` resets what Application Auto Scaling set.
        missing = {"readCapacity", "writeCapacity"} - {_camel(k) for k in table.ignore_changes}
        if not rest and missing:
            out.append(f"autoscaling-ignore-changes: table {table.name}: autoscaled capacity "
                       f"not in ignore_changes ({', '.join(sorted(missing))})")  # fmt: skip
    return out


def _camel(name: str) -> str:
    head, *tail = name.split("_")
    return head + "".join(t.capitalize() for t in tail)


def _function_log_groups(by_type) -> list[str]:
    """A function that logs to a group the stack does not create gets one Lambda auto-creates,
    with no retention and outside the stack."""
    groups = {g.inputs.get("name") for g in _of(by_type, "aws:cloudwatch/logGroup:LogGroup")}
    out = []
    for f in _of(by_type, "aws:lambda/function:Function"):
        group = _get(f.inputs, "loggingConfig.logGroup") or f"/aws/lambda/{f.inputs.get('name')}"
        if known(group) and group not in groups:
            out.append(
                f"lambda-log-group: {f.name}: logs to {group}, which the stack does not create"
            )
    return out


def _vendor_items(by_type) -> list[str]:
    tables = {t.state.get("name", t.inputs.get("name")): t
              for t in _of(by_type, "aws:dynamodb/table:Table")}  # fmt: skip
    out = []
    for item in _of(by_type, "aws:dynamodb/tableItem:TableItem"):
        table = tables.get(item.inputs.get("tableName"))
        if table is None or not isinstance(item.inputs.get("item"), str):
            continue
        hash_key = table.inputs.get("hashKey")
        types = {a["name"]: a["type"] for a in table.inputs.get("attributes") or []}
        doc = json.loads(item.inputs["item"])
        if item.inputs.get("hashKey") != hash_key or set(doc.get(hash_key) or {}) != {
            types.get(hash_key)
        }:
            out.append(
                f"dynamodb-item-key: {item.name}: needs {hash_key} of type {types.get(hash_key)}"
            )
    return out


def _unique_physical_names(resources: list[Registered]) -> list[str]:
    seen: dict[tuple[str, str], str] = {}
    out = []
    for r in resources:
        name = r.inputs.get("name")
        if (
            r.typ.startswith("paypulse:")
            or not isinstance(name, str)
            or r.typ in ("aws:apigatewayv2/stage:Stage",)
        ):
            continue
        if (r.typ, name) in seen:
            out.append(
                f"duplicate-name: {r.typ}: {name} used by {seen[(r.typ, name)]} and {r.name}"
            )
        seen[(r.typ, name)] = r.name
    return out


def _urns(by_type) -> dict[str, Registered]:
    return {r.urn: r for rs in by_type.values() for r in rs}


def _function_code_and_layers(by_type) -> list[str]:
    """CreateFunction / PublishLayerVersion read their zip from S3 at once: the object must be
    one the stack uploads, uploaded first (a dependency). A function's layers must list its
    runtime and architecture as compatible (Lambda developer guide, "Adding layers to
    functions": a layer built for another architecture or runtime breaks the function)."""
    out = []
    urns = _urns(by_type)
    objects = {
        (o.inputs.get("bucket"), o.inputs.get("key")): o
        for o in _of(by_type, "aws:s3/bucketObject:BucketObject")
    }
    layers = {
        v.state.get("arn"): v
        for v in _of(by_type, "aws:lambda/layerVersion:LayerVersion")
        if known(v.state.get("arn"))
    }
    code_users = [*_of(by_type, "aws:lambda/function:Function"), *layers.values()]
    for r in code_users:
        where = (r.inputs.get("s3Bucket"), r.inputs.get("s3Key"))
        if not known(list(where)):
            continue
        obj = objects.get(where)
        if obj is None:
            out.append(f"lambda-code-object: {r.name}: s3://{where[0]}/{where[1]} is not "
                       f"uploaded by the stack")  # fmt: skip
        elif obj.urn not in _closure(r, urns):
            out.append(f"lambda-code-object: {r.name} does not wait for the upload of its zip")
    for f in _of(by_type, "aws:lambda/function:Function"):
        runtime, arch = f.inputs.get("runtime"), (f.inputs.get("architectures") or ["x86_64"])[0]
        for arn in f.inputs.get("layers") or []:
            layer = layers.get(arn)
            if layer is None:
                continue
            if runtime not in (layer.inputs.get("compatibleRuntimes") or [runtime]) or arch not in (
                layer.inputs.get("compatibleArchitectures") or [arch]
            ):
                out.append(f"lambda-layer-compatibility: {f.name}: layer {layer.name} is not "
                           f"built for {runtime} on {arch}")  # fmt: skip
    return out


def _allows(document, action: str, resource: str) -> bool:
    """Whether an identity policy allows an action on a resource (Allow statements, globbed
    actions and resources, as IAM matches them; conditions are not evaluated)."""
    if not isinstance(document, str) or not known(document):
        return True  # unknown in a preview: checked by a later update
    try:
        statements = json.loads(document).get("Statement", [])
    except ValueError:
        return False

    def globbed(pattern: str, value: str) -> bool:
        regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
        return re.fullmatch(regex, value, re.IGNORECASE) is not None

    for s in statements if isinstance(statements, list) else [statements]:
        if s.get("Effect") != "Allow":
            continue
        actions = s.get("Action", [])
        resources = s.get("Resource", [])
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        if any(globbed(a, action) for a in actions) and any(
            globbed(r, resource) for r in resources
        ):
            return True
    return False


def _execution_role_permissions(by_type) -> list[str]:
    """Lambda checks the execution role when these are created and rejects them when the role
    may not do the job (InvalidParameterValueException): a dead-letter queue or an async
    on-failure destination needs sqs:SendMessage on it (Lambda developer guide, "Capturing
    records of asynchronous invocations"); a DynamoDB stream mapping needs DescribeStream,
    GetRecords, GetShardIterator and ListStreams ("Lambda permissions for DynamoDB Streams"),
    granted before the mapping is created."""
    out = []
    urns = _urns(by_type)
    roles = {r.state.get("arn"): r for r in _of(by_type, "aws:iam/role:Role")}
    policies: dict[str, list[Registered]] = {}
    for p in _of(by_type, "aws:iam/rolePolicy:RolePolicy"):
        policies.setdefault(p.inputs.get("role"), []).append(p)
    functions = {}
    for f in _of(by_type, "aws:lambda/function:Function"):
        role = roles.get(f.inputs.get("role"))
        name = role.state.get("name") if role else None
        functions[f.state.get("arn")] = functions[f.inputs.get("name")] = (
            f,
            policies.get(name, []),
        )

    def allowed(docs: list[Registered], action: str, resource) -> bool:
        if not known(resource):
            return True
        return any(_allows(p.inputs.get("policy"), action, resource) for p in docs)

    for f, docs in {id(v[0]): v for v in functions.values()}.values():
        dlq = _get(f.inputs, "deadLetterConfig.targetArn")
        if dlq and arn_is("sqs", dlq) and not allowed(docs, "sqs:SendMessage", dlq):
            out.append(f"lambda-role-dead-letter: {f.name}: role may not sqs:SendMessage to {dlq}")
    for c in _of(by_type, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"):
        f, docs = functions.get(c.inputs.get("functionName"), (None, []))
        target = _get(c.inputs, "destinationConfig.onFailure.destination")
        if f and target and arn_is("sqs", target) and not allowed(docs, "sqs:SendMessage", target):
            out.append(
                f"lambda-role-destination: {c.name}: role may not sqs:SendMessage to {target}"
            )
    queues = {q.state.get("arn"): q for q in _of(by_type, "aws:sqs/queue:Queue")}
    for m in _of(by_type, "aws:lambda/eventSourceMapping:EventSourceMapping"):
        f, docs = functions.get(m.inputs.get("functionName"), (None, []))
        stream = m.inputs.get("eventSourceArn")
        if f is not None and isinstance(stream, str) and ":sqs:" in stream:
            out += _sqs_mapping(m, f, docs, queues.get(stream), allowed, urns)
        if f is None or not (isinstance(stream, str) and ":dynamodb:" in stream):
            continue
        for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords",
                       "dynamodb:GetShardIterator", "dynamodb:ListStreams"):  # fmt: skip
            if not allowed(docs, action, stream):
                out.append(f"lambda-role-stream: {m.name}: role may not {action} on {stream}")
        if docs and not any(p.urn in _closure(m, urns) for p in docs):
            out.append(f"lambda-role-stream: {m.name} is created before its role's policy")
        target = _get(m.inputs, "destinationConfig.onFailure.destinationArn")
        if target and arn_is("sqs", target) and not allowed(docs, "sqs:SendMessage", target):
            out.append(
                f"lambda-role-destination: {m.name}: role may not sqs:SendMessage to {target}"
            )
    return out


SQS_VISIBILITY_PER_TIMEOUT = 6


def _sqs_mapping(m, f, docs, queue, allowed, urns) -> list[str]:
    """An SQS mapping: Lambda rejects it when the role may not ReceiveMessage, DeleteMessage
    and GetQueueAttributes on the queue, or when the queue's visibility timeout is below the
    function's timeout (CreateEventSourceMapping: InvalidParameterValueException); AWS's
    guidance is a visibility timeout of at least six times the function timeout (Lambda
    developer guide, "Using Lambda with Amazon SQS"), which this project holds to."""
    out = []
    arn = m.inputs.get("eventSourceArn")
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
        if not allowed(docs, action, arn):
            out.append(f"lambda-role-sqs: {m.name}: role may not {action} on {arn}")
    if docs and not any(p.urn in _closure(m, urns) for p in docs):
        out.append(f"lambda-role-sqs: {m.name} is created before its role's policy")
    timeout = f.inputs.get("timeout") or 3
    visibility = queue.inputs.get("visibilityTimeoutSeconds", 30) if queue else None
    if known(visibility) and visibility is not None and known(timeout):
        if visibility < timeout:
            out.append(
                f"esm-sqs-visibility: {m.name}: visibility {visibility} s < timeout {timeout} s"
            )
        elif visibility < SQS_VISIBILITY_PER_TIMEOUT * timeout:
            out.append(
                f"esm-sqs-visibility: {m.name}: visibility {visibility} s < 6 x timeout {timeout} s"
            )
    return out


def _events_dead_letter_queues(by_type) -> list[str]:
    """EventBridge sends undeliverable events to a target's DLQ only if the queue policy lets
    events.amazonaws.com sqs:SendMessage for that rule (EventBridge user guide, "Using
    dead-letter queues to process undelivered events"); otherwise they are dropped."""
    out = []
    queues = {q.state.get("arn"): q for q in _of(by_type, "aws:sqs/queue:Queue")}
    policies: dict[str, list] = {}
    for p in _of(by_type, "aws:sqs/queuePolicy:QueuePolicy"):
        policies.setdefault(p.inputs.get("queueUrl"), []).append(p.inputs.get("policy"))
    rules = {r.state.get("name"): r for r in _of(by_type, "aws:cloudwatch/eventRule:EventRule")}
    for t in _of(by_type, "aws:cloudwatch/eventTarget:EventTarget"):
        dlq = _get(t.inputs, "deadLetterConfig.arn")
        rule = rules.get(t.inputs.get("rule"))
        queue = queues.get(dlq)
        if not (known(dlq) and dlq and queue and rule):
            continue
        docs = policies.get(queue.state.get("url"), [])
        rule_arn = rule.state.get("arn")
        ok = any(_service_may_send(doc, dlq, rule_arn) for doc in docs)
        if not ok:
            out.append(f"events-dead-letter-policy: {t.name}: no queue policy lets "
                       f"events.amazonaws.com send {rule.name}'s failed events to {dlq}")  # fmt: skip
    return out


def _service_may_send(document, queue_arn: str, rule_arn) -> bool:
    if not isinstance(document, str) or not known(document) or not known(rule_arn):
        return True
    for s in json.loads(document).get("Statement", []):
        principal = (s.get("Principal") or {}).get("Service")
        actions = s.get("Action") if isinstance(s.get("Action"), list) else [s.get("Action")]
        sources = _get(s, "Condition.ArnEquals.aws:SourceArn") or []
        sources = sources if isinstance(sources, list) else [sources]
        if (
            s.get("Effect") == "Allow"
            and principal == "events.amazonaws.com"
            and "sqs:SendMessage" in actions
            and s.get("Resource") in (queue_arn, [queue_arn])
            and (not sources or rule_arn in sources)
        ):
            return True
    return False
