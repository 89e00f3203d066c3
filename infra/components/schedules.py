"""EventBridge rules from the declared schedules, with retries and a dead-letter queue."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam import events_to_queue_policy
from infra.workspace import Schedule

RETRIES = 2
MAX_EVENT_AGE = 3600


@dataclass(frozen=True)
class ScheduleTarget:
    schedule: Schedule
    function: str
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]


@dataclass(frozen=True)
class SchedulesArgs:
    targets: tuple[ScheduleTarget, ...]


class Schedules(pulumi.ComponentResource):
    dead_letter_queue: aws.sqs.Queue
    rule_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: SchedulesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:Schedules", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=14 * 24 * 3600,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        self.rule_arns = {}
        for target in args.targets:
            label = target.schedule.name
            rule = aws.cloudwatch.EventRule(
                f"{name}-{label}",
                description=f"{target.function}: {target.schedule.cron}",
                schedule_expression=target.schedule.cron,
                state="ENABLED",
                opts=child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{label}-target",
                rule=rule.name,
                arn=target.function_arn,
                retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                    maximum_retry_attempts=RETRIES, maximum_event_age_in_seconds=MAX_EVENT_AGE
                ),
                dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                    arn=self.dead_letter_queue.arn
                ),
                opts=child,
            )
            aws.lambda_.Permission(
                f"{name}-{label}-invoke",
                action="lambda:InvokeFunction",
                function=target.function_name,
                principal="events.amazonaws.com",
                source_arn=rule.arn,
                opts=child,
            )
            self.rule_arns[label] = rule.arn
        if self.rule_arns:
            aws.sqs.QueuePolicy(
                f"{name}-dlq-policy",
                queue_url=self.dead_letter_queue.url,
                policy=pulumi.Output.all(
                    self.dead_letter_queue.arn, *self.rule_arns.values()
                ).apply(lambda arns: json.dumps(events_to_queue_policy(arns[0], list(arns[1:])))),
                opts=child,
            )
        self.register_outputs({"rule_arns": self.rule_arns})
