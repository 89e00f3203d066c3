"""One Lambda function from its declaration: role + policy, log group, DLQ, async retries, stream.

The role's inline policy is derived from the declaration (infra.iam). Async triggers (S3,
EventBridge) retry twice, then land in the function's own SQS dead-letter queue (both as the
function's dead-letter config and the on-failure destination). A stream trigger gets an event
source mapping that bisects failing batches, retries a bounded number of times and sends what is
left to the same queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.iam import Arns, function_policy, lambda_trust_policy
from infra.workspace import Function, Resources

RUNTIME = "python3.12"
ASYNC_RETRIES = 2
MAX_EVENT_AGE = 6 * 3600
STREAM_RETRIES = 3
STREAM_MAX_RECORD_AGE = 24 * 3600


@dataclass(frozen=True)
class PolicyInputs:
    """Physical ARNs (Outputs) of every declared resource, to derive a function's policy from."""

    resources: Resources
    region: pulumi.Input[str]
    account: pulumi.Input[str]
    tables: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    streams: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    buckets: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    topics: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    queues: dict[str, pulumi.Input[str]] = field(default_factory=dict)  # queue ARNs
    keys: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    platform_application: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class FunctionArgs:
    fn: Function
    physical_name: str
    code_bucket: pulumi.Input[str]
    code_key: pulumi.Input[str]
    code_hash: str
    layer_arns: list[pulumi.Input[str]]
    environment: dict[str, pulumi.Input[str]]
    policy_inputs: PolicyInputs
    architecture: str = "arm64"
    log_retention_days: int = 30
    maximum_concurrency: int | None = None  # the SQS mapping's, from stack config


class LambdaFunction(pulumi.ComponentResource):
    function: aws.lambda_.Function
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]
    dead_letter_queue: aws.sqs.Queue | None
    policy_document: pulumi.Output[str]

    def __init__(self, name: str, args: FunctionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:LambdaFunction", name, None, opts)
        fn = args.fn
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{args.physical_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        self.dead_letter_queue = None
        if fn.is_async_trigger:
            self.dead_letter_queue = aws.sqs.Queue(
                f"{name}-dlq",
                message_retention_seconds=14 * 24 * 3600,
                sqs_managed_sse_enabled=True,
                opts=child,
            )
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(lambda_trust_policy()),
            description=f"PayPulse {fn.name}: only the resources it declares",
            opts=child,
        )
        self.policy_document = _policy_document(
            fn, args.policy_inputs, log_group.arn,
            self.dead_letter_queue.arn if self.dead_letter_queue else None,
        )  # fmt: skip
        role_policy = aws.iam.RolePolicy(
            f"{name}-policy", role=role.id, policy=self.policy_document, opts=child
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=args.physical_name,
            description=fn.description[:256],
            runtime=RUNTIME,
            architectures=[args.architecture],
            handler=fn.handler,
            memory_size=fn.memory,
            timeout=fn.timeout,
            role=role.arn,
            s3_bucket=args.code_bucket,
            s3_key=args.code_key,
            source_code_hash=args.code_hash,
            layers=args.layer_arns,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=args.environment),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=log_group.name
            ),
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(
                target_arn=self.dead_letter_queue.arn
            )
            if self.dead_letter_queue and (fn.s3 or fn.schedules)
            else None,
            tags={"paypulse:function": fn.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, role_policy]),
        )
        self.arn = self.function.arn
        self.name = self.function.name
        self.invoke_arn = self.function.invoke_arn
        if self.dead_letter_queue and (fn.s3 or fn.schedules):
            aws.lambda_.FunctionEventInvokeConfig(
                f"{name}-async",
                function_name=self.function.name,
                maximum_retry_attempts=ASYNC_RETRIES,
                maximum_event_age_in_seconds=MAX_EVENT_AGE,
                destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                    on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                        destination=self.dead_letter_queue.arn
                    )
                ),
                opts=child,
            )
        if fn.stream and self.dead_letter_queue:
            aws.lambda_.EventSourceMapping(
                f"{name}-stream",
                event_source_arn=args.policy_inputs.streams[fn.stream.table],
                function_name=self.function.arn,
                starting_position="LATEST",
                batch_size=fn.stream.batch_size,
                bisect_batch_on_function_error=True,
                maximum_retry_attempts=STREAM_RETRIES,
                maximum_record_age_in_seconds=STREAM_MAX_RECORD_AGE,
                destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                    on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                        destination_arn=self.dead_letter_queue.arn
                    )
                ),
                filter_criteria=aws.lambda_.EventSourceMappingFilterCriteriaArgs(
                    filters=[
                        aws.lambda_.EventSourceMappingFilterCriteriaFilterArgs(
                            pattern=json.dumps({"eventName": list(fn.stream.events)})
                        )
                    ]
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
            )
        if fn.sqs:
            # Lambda developer guide, "Using Lambda with Amazon SQS": partial batch responses
            # (ReportBatchItemFailures) retry only the failed messages; MaximumConcurrency
            # (2-1,000) caps the concurrent invocations this queue may start.
            aws.lambda_.EventSourceMapping(
                f"{name}-sqs",
                event_source_arn=args.policy_inputs.queues[fn.sqs.queue],
                function_name=self.function.arn,
                batch_size=fn.sqs.batch_size,
                function_response_types=["ReportBatchItemFailures"],
                scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                    maximum_concurrency=args.maximum_concurrency or fn.sqs.maximum_concurrency
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
            )
        self.register_outputs({"arn": self.arn, "name": self.name})


def _policy_document(
    fn: Function,
    inputs: PolicyInputs,
    log_group_arn: pulumi.Output[str],
    dlq_arn: pulumi.Output[str] | None,
) -> pulumi.Output[str]:
    """Resolve only the ARNs this function declares, then render its policy JSON."""
    wanted: dict[str, pulumi.Input[str]] = {
        "region": inputs.region,
        "account": inputs.account,
        "log_group": log_group_arn,
    }
    if dlq_arn is not None:
        wanted["dlq"] = dlq_arn
    for logical in fn.tables:
        wanted[f"tables.{logical}"] = inputs.tables[logical]
    if fn.stream:
        wanted[f"streams.{fn.stream.table}"] = inputs.streams[fn.stream.table]
    for logical in fn.buckets:
        wanted[f"buckets.{logical}"] = inputs.buckets[logical]
    for logical in fn.secrets:
        wanted[f"secrets.{logical}"] = inputs.secrets[logical]
    for logical in fn.topics:
        wanted[f"topics.{logical}"] = inputs.topics[logical]
    for logical in {*fn.queues, *([fn.sqs.queue] if fn.sqs else [])}:
        wanted[f"queues.{logical}"] = inputs.queues[logical]
    for logical in fn.keys:
        wanted[f"keys.{logical}"] = inputs.keys[logical]
    if fn.topics and inputs.platform_application is not None:
        wanted["platform_application"] = inputs.platform_application

    def render(values: dict) -> str:
        groups: dict[str, dict[str, str]] = {
            "tables": {}, "streams": {}, "buckets": {}, "secrets": {}, "topics": {}, "keys": {},
            "queues": {},
        }  # fmt: skip
        for key, value in values.items():
            if "." in key:
                group, logical = key.split(".", 1)
                groups[group][logical] = value
        arns = Arns(
            region=values["region"],
            account=values["account"],
            tables=groups["tables"],
            streams=groups["streams"],
            buckets=groups["buckets"],
            secrets=groups["secrets"],
            topics=groups["topics"],
            queues=groups["queues"],
            keys=groups["keys"],
            log_group=values["log_group"],
            dead_letter_queue=values.get("dlq"),
            platform_application=values.get("platform_application"),
        )
        return json.dumps(function_policy(fn, inputs.resources, arns), sort_keys=True)

    return pulumi.Output.all(**wanted).apply(render)
