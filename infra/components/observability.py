"""The ops topic and alarms: function errors and throttles, messages in any dead-letter queue.

CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed ``aws/sns`` key, so the
ops topic gets its own KMS key whose policy lets CloudWatch use it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class ObservabilityArgs:
    function_names: Mapping[str, pulumi.Input[str]]  # logical -> physical
    queue_names: Mapping[str, pulumi.Input[str]]  # label -> physical queue name
    alarm_email: str | None = None


class Observability(pulumi.ComponentResource):
    ops_topic_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("paypulse:index:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output().account_id
        key = aws.kms.Key(
            f"{name}-ops-key",
            description="PayPulse ops topic (CloudWatch alarms)",
            enable_key_rotation=True,
            deletion_window_in_days=7,
            policy=account.apply(lambda a: json.dumps(ops_key_policy(a))),
            opts=child,
        )
        topic = aws.sns.Topic(f"{name}-ops", kms_master_key_id=key.arn, opts=child)
        if args.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-ops-email",
                topic=topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child,
            )
        actions = [topic.arn]
        for logical, physical in sorted(args.function_names.items()):
            for metric in ("Errors", "Throttles"):
                aws.cloudwatch.MetricAlarm(
                    f"{name}-{logical}-{metric.lower()}",
                    namespace="AWS/Lambda",
                    metric_name=metric,
                    dimensions={"FunctionName": physical},
                    statistic="Sum",
                    period=300,
                    evaluation_periods=1,
                    threshold=0,
                    comparison_operator="GreaterThanThreshold",
                    treat_missing_data="notBreaching",
                    alarm_description=f"{logical}: {metric.lower()} in the last 5 minutes",
                    alarm_actions=actions,
                    ok_actions=actions,
                    opts=child,
                )
        for label, queue in sorted(args.queue_names.items()):
            aws.cloudwatch.MetricAlarm(
                f"{name}-{label}-dlq-depth",
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                dimensions={"QueueName": queue},
                statistic="Maximum",
                period=300,
                evaluation_periods=1,
                threshold=0,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                alarm_description=f"{label}: failed events are waiting in the dead-letter queue",
                alarm_actions=actions,
                opts=child,
            )
        self.ops_topic_arn = topic.arn
        self.register_outputs({"ops_topic_arn": self.ops_topic_arn})


def ops_key_policy(account: str) -> dict:
    """The account administers the key; CloudWatch may encrypt alarm messages with it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchAlarms",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ],
    }
