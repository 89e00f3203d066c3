"""Deliberately AWS-invalid changes to the program, each applied through stack config or a
monkeypatch of what the program calls. Each names the rule AWS enforces and the resource that
breaks it: the mocks must report exactly that (infra/aws_rules.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pytest

from infra.components import function as function_component
from infra.components import http_api, schedules

STACK = "test"


@dataclass(frozen=True)
class Mutation:
    id: str
    rule: str  # the rule AWS enforces, as infra.aws_rules names it
    resource: str  # a fragment of the offending resource's logical name (or of the message)
    patch: Callable[[pytest.MonkeyPatch], None] = lambda mp: None
    config: dict[str, str] = field(default_factory=dict)
    # Mutations of one family could hide each other (a permission for another function leaves
    # no permission whose ordering could be checked): they never share a run.
    family: str = ""


def _on(cls, change: Callable[[str, dict], None], where: Callable[[str, dict], bool] | None = None):
    """Patch a pulumi_aws resource class: ``change(name, kwargs)`` edits its arguments."""

    def patch(mp: pytest.MonkeyPatch) -> None:
        original = cls.__init__

        def init(self, resource_name, *args, **kwargs):
            if where is None or where(resource_name, kwargs):
                change(resource_name, kwargs)
            original(self, resource_name, *args, **kwargs)

        mp.setattr(cls, "__init__", init)

    return patch


def _set(**values):
    return lambda name, kw: kw.update(values)


def _named(fragment: str):
    return lambda name, kw: fragment in name


def _principal(principal: str):
    return lambda name, kw: kw.get("principal") == principal


def _map(key: str, fn):
    """Apply fn to an argument that may be an Output."""

    def change(name, kw):
        value = kw[key]
        kw[key] = value.apply(fn) if isinstance(value, pulumi.Output) else fn(value)

    return change


def _drop_depends_on(name, kw):
    kw["opts"] = pulumi.ResourceOptions(parent=kw["opts"].parent)


def _drop_ignore_changes(name, kw):
    kw["opts"] = pulumi.ResourceOptions(parent=kw["opts"].parent)


def _extra_attribute(name, kw):
    kw["attributes"] = [*kw["attributes"], aws.dynamodb.TableAttributeArgs(name="extra", type="S")]


def _without_statements(action: str):
    """A policy without the statements that grant ``action``."""

    def drop(document: str) -> str:
        doc = json.loads(document)
        doc["Statement"] = [s for s in doc["Statement"] if action not in s["Action"]]
        return json.dumps(doc)

    return _map("policy", drop)


def _principal_in_policy(service: str):
    return _map("policy", lambda d: d.replace("events.amazonaws.com", service))


def _twice_the_layers(name, kw):
    kw["layers"] = list(kw["layers"]) * 3


def _rename_buckets(mp: pytest.MonkeyPatch) -> None:
    original = aws.s3.Bucket.__init__

    def init(self, resource_name, *args, **kwargs):
        original(self, resource_name.replace("-", "_"), *args, **kwargs)

    mp.setattr(aws.s3.Bucket, "__init__", init)


MUTATIONS: list[Mutation] = [
    Mutation("integration-timeout-31s", "apigw-integration-timeout", "http-",
             lambda mp: mp.setattr(http_api, "INTEGRATION_TIMEOUT_MS", 31_000)),
    Mutation("log-retention-8-days", "log-retention", "-logs",
             config={"paypulse:logRetentionDays": "8"}),
    Mutation("autoscaling-id-without-table-prefix", "autoscaling-resource-id", "read-target",
             _on(aws.appautoscaling.Target, _map("resource_id", lambda s: s.split("/", 1)[1]),
                 _named("-table-read-target"))),
    Mutation("autoscaling-index-dimension-on-table", "autoscaling-dimension", "table-write-target",
             _on(aws.appautoscaling.Target,
                 _map("scalable_dimension", lambda s: s.replace(":table:", ":index:")),
                 _named("-table-write-target"))),
    Mutation("autoscaling-unknown-index", "autoscaling-resource-id", "has no index",
             _on(aws.appautoscaling.Target, _map("resource_id", lambda s: s + "/index/nope"),
                 _named("-table-read-target"))),
    Mutation("s3-permission-for-another-function", "trigger-permission", "bucket notification",
             _on(aws.lambda_.Permission, _set(function=f"paypulse-{STACK}-get_invoices"),
                 _principal("s3.amazonaws.com")), family="s3-trigger"),
    Mutation("s3-notification-before-its-permission", "trigger-permission-order", "notifications",
             _on(aws.s3.BucketNotification, _drop_depends_on), family="s3-trigger"),
    Mutation("s3-permission-without-source-account", "permission-source-account", "-events-",
             _on(aws.lambda_.Permission, lambda n, kw: kw.pop("source_account"),
                 _principal("s3.amazonaws.com")), family="s3-trigger"),
    Mutation("apigw-permission-source-without-stage", "permission-source", "-invoke",
             _on(aws.lambda_.Permission, _map("source_arn", lambda s: s.split("/")[0]),
                 _principal("apigateway.amazonaws.com")), family="apigw-trigger"),
    Mutation("apigw-permission-for-another-path", "trigger-permission", "route",
             _on(aws.lambda_.Permission, _map("source_arn", lambda s: s + "/extra"),
                 _principal("apigateway.amazonaws.com")), family="apigw-trigger"),
    Mutation("events-permission-scheduler-principal", "permission-principal", "schedules-",
             _on(aws.lambda_.Permission, _set(principal="scheduler.amazonaws.com"),
                 _principal("events.amazonaws.com")), family="events-trigger"),
    Mutation("events-permission-from-a-queue", "permission-source", "schedules-",
             _on(aws.lambda_.Permission,
                 _set(source_arn="arn:aws:sqs:eu-west-1:123456789012:somewhere"),
                 _principal("events.amazonaws.com")), family="events-trigger"),
    Mutation("async-event-age-over-6h", "lambda-async-event-age", "-async",
             lambda mp: mp.setattr(function_component, "MAX_EVENT_AGE", 21_601)),
    Mutation("async-retries-3", "lambda-async-retries", "-async",
             lambda mp: mp.setattr(function_component, "ASYNC_RETRIES", 3)),
    Mutation("lambda-timeout-901s", "lambda-timeout", "fn-login_user",
             _on(aws.lambda_.Function, _set(timeout=901), _named("login_user"))),
    Mutation("lambda-memory-64mb", "lambda-memory", "fn-signup_user",
             _on(aws.lambda_.Function, _set(memory_size=64), _named("signup_user"))),
    Mutation("lambda-six-layers", "lambda-layers", "fn-fetch_invoices",
             _on(aws.lambda_.Function, _twice_the_layers, _named("fn-fetch_invoices-"))),
    Mutation("lambda-logs-to-unmanaged-group", "lambda-log-group", "fn-get_invoices",
             _on(aws.lambda_.Function,
                 _set(logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                     log_format="JSON", log_group="/aws/lambda/legacy")),
                 _named("fn-get_invoices-")), family="function-code"),
    Mutation("sqs-retention-15-days", "sqs-retention", "schedules-dlq",
             _on(aws.sqs.Queue, _set(message_retention_seconds=15 * 86_400),
                 _named("schedules-dlq"))),
    Mutation("sqs-visibility-13h", "sqs-visibility", "fn-parse_invoice-dlq",
             _on(aws.sqs.Queue, _set(visibility_timeout_seconds=13 * 3600),
                 _named("fn-parse_invoice-dlq"))),
    Mutation("dynamodb-attribute-that-is-no-key", "dynamodb-attributes", "data-devices",
             _on(aws.dynamodb.Table, _extra_attribute, _named("data-devices"))),
    Mutation("dynamodb-stream-view-type-invalid", "dynamodb-stream-view", "data-retail_invoices",
             _on(aws.dynamodb.Table, _set(stream_view_type="NEW_IMAGE_ONLY"),
                 _named("data-retail_invoices"))),
    Mutation("stream-mapping-at-timestamp", "esm-starting-position", "-stream",
             _on(aws.lambda_.EventSourceMapping, _set(starting_position="AT_TIMESTAMP"))),
    Mutation("stream-mapping-on-the-table-arn", "esm-source", "-stream",
             _on(aws.lambda_.EventSourceMapping,
                 _map("event_source_arn", lambda s: s.split("/stream/")[0]))),
    Mutation("cron-with-five-fields", "events-schedule-expression", "rental-weekdays",
             _on(aws.cloudwatch.EventRule, _set(schedule_expression="cron(30 8 * * MON-FRI)"),
                 _named("rental-weekdays"))),
    Mutation("cron-with-both-day-fields", "events-schedule-expression", "retail-weekly",
             _on(aws.cloudwatch.EventRule, _set(schedule_expression="cron(0 18 * * SUN *)"),
                 _named("retail-weekly"))),
    Mutation("rate-with-plural-unit-for-one", "events-schedule-expression", "rental-weekdays",
             _on(aws.cloudwatch.EventRule, _set(schedule_expression="rate(1 days)"),
                 _named("rental-weekdays"))),
    Mutation("event-target-200-retries", "events-retry-attempts", "-target",
             lambda mp: mp.setattr(schedules, "RETRIES", 200)),
    Mutation("secret-recovery-window-5-days", "secret-recovery-window", "secrets-",
             _on(aws.secretsmanager.Secret, _set(recovery_window_in_days=5)),
             family="secret-window"),
    Mutation("fixed-secret-name-with-a-recovery-window", "rebuild-secret-name", "secrets-jwt",
             _on(aws.secretsmanager.Secret, _set(recovery_window_in_days=7)),
             family="secret-window"),
    Mutation("autoscaled-table-without-ignore-changes", "autoscaling-ignore-changes",
             "data-rental_invoices",
             _on(aws.dynamodb.Table, _drop_ignore_changes, _named("data-rental_invoices"))),
    Mutation("access-log-format-without-request-id", "apigw-access-log-format", "http-default",
             lambda mp: mp.setattr(http_api, "ACCESS_LOG_FORMAT", {"status": "$context.status"})),
    Mutation("bucket-logical-name-with-underscore", "s3-bucket-name", "storage_",
             _rename_buckets),
    Mutation("kms-deletion-window-5-days", "kms-deletion-window", "ops-key",
             _on(aws.kms.Key, _set(deletion_window_in_days=5))),
    Mutation("alarm-period-45s", "cloudwatch-alarm-period", "login_user-errors",
             _on(aws.cloudwatch.MetricAlarm, _set(period=45), _named("login_user-errors"))),
    Mutation("dead-letter-queue-not-writable-by-the-role", "lambda-role-dead-letter",
             "fn-parse_invoice",
             _on(aws.iam.RolePolicy, _without_statements("sqs:SendMessage"),
                 _named("fn-parse_invoice-")), family="role-policy"),
    Mutation("stream-not-readable-by-the-role", "lambda-role-stream", "-stream",
             _on(aws.iam.RolePolicy, _without_statements("dynamodb:GetRecords"),
                 _named("fn-send_invoice_notification-")), family="role-policy"),
    Mutation("layers-built-for-the-other-architecture", "lambda-layer-compatibility", "fn-",
             _on(aws.lambda_.LayerVersion, _set(compatible_architectures=["x86_64"]))),
    Mutation("code-zip-key-not-uploaded-first", "lambda-code-object", "fn-get_invoices",
             _on(aws.lambda_.Function, _set(s3_key="code/invoices/latest.zip"),
                 _named("fn-get_invoices-")), family="function-code"),
    Mutation("schedule-dead-letters-not-allowed-by-the-queue", "events-dead-letter-policy",
             "-target",
             _on(aws.sqs.QueuePolicy, _principal_in_policy("sns.amazonaws.com"))),
    Mutation("vendor-item-keyed-by-another-attribute", "dynamodb-item-key", "vendors-zalando",
             _on(aws.dynamodb.TableItem, _set(hash_key="id"), _named("vendors-zalando"))),
    # Work queues and their SQS event source mapping.
    Mutation("sqs-mapping-concurrency-1", "esm-sqs-concurrency", "-sqs",
             config={"paypulse:maximumConcurrency": '{"sync_invoices": 1}'}),
    Mutation("sqs-mapping-batch-11-without-window", "esm-sqs-batch-window", "-sqs",
             _on(aws.lambda_.EventSourceMapping, _set(batch_size=11), _named("-sqs"))),
    Mutation("sqs-mapping-unknown-response-type", "esm-response-types", "-sqs",
             _on(aws.lambda_.EventSourceMapping,
                 _set(function_response_types=["ReportBatchItemFailure"]), _named("-sqs"))),
    Mutation("sqs-mapping-with-starting-position", "esm-sqs-starting-position", "-sqs",
             _on(aws.lambda_.EventSourceMapping, _set(starting_position="LATEST"),
                 _named("-sqs"))),
    Mutation("work-queue-visibility-below-6x-timeout", "esm-sqs-visibility", "-sqs",
             _on(aws.sqs.Queue, _set(visibility_timeout_seconds=900),
                 lambda name, kw: name == "queues-sync")),
    Mutation("work-queue-redrive-max-receive-0", "sqs-redrive", "queues-sync",
             _on(aws.sqs.Queue,
                 _map("redrive_policy", lambda d: json.dumps({**json.loads(d), "maxReceiveCount": 0})),
                 lambda name, kw: name == "queues-sync")),
    Mutation("worker-role-without-receive", "lambda-role-sqs", "-sqs",
             _on(aws.iam.RolePolicy, _without_statements("sqs:ReceiveMessage"),
                 _named("sync_invoices"))),
]  # fmt: skip


def batches(mutations: list[Mutation]) -> list[list[Mutation]]:
    """Mutations grouped so that no two in a group expect the same rule or belong to the same
    family: each reported violation is then attributable to one mutation, and none hides
    another (the unmutated program reports nothing, see test_stack_*)."""
    groups: list[list[Mutation]] = []
    for m in mutations:
        for group in groups:
            if all(_apart(m, other) for other in group):
                group.append(m)
                break
        else:
            groups.append([m])
    return groups


def _apart(a: Mutation, b: Mutation) -> bool:
    return (
        a.rule != b.rule and not (a.family and a.family == b.family) and not (a.config and b.config)
    )
