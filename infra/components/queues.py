"""Work queues from the declarations: an SQS standard queue and its dead-letter queue each.

The redrive policy moves a message received ``max_receive_count`` times to the DLQ (SQS
developer guide, "Using dead-letter queues"); the visibility timeout is six times the
consumer's function timeout (Lambda developer guide, "Using Lambda with Amazon SQS":
"we recommend setting the source queue's visibility timeout to at least six times the timeout
that you configure on your function"), so a batch that is retried by Lambda while the
function throttles does not become visible again mid-run. The DLQ keeps messages 14 days (the
maximum), longer than the source queue, since a message's age carries over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.workspace import Queue

DLQ_RETENTION_S = 14 * 24 * 3600


@dataclass(frozen=True)
class QueuesArgs:
    queues: tuple[Queue, ...]
    visibility_timeouts: dict[str, int]  # logical -> seconds (6x the consumer's timeout)
    stack: str


class WorkQueues(pulumi.ComponentResource):
    urls: dict[str, pulumi.Output[str]]
    arns: dict[str, pulumi.Output[str]]
    dead_letter_queues: dict[str, aws.sqs.Queue]

    def __init__(self, name: str, args: QueuesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:WorkQueues", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.urls, self.arns, self.dead_letter_queues = {}, {}, {}
        for q in args.queues:
            dlq = aws.sqs.Queue(
                f"{name}-{q.name}-dlq",
                name=f"paypulse-{args.stack}-{q.name}-dlq",
                message_retention_seconds=DLQ_RETENTION_S,
                sqs_managed_sse_enabled=True,
                opts=child,
            )
            queue = aws.sqs.Queue(
                f"{name}-{q.name}",
                name=f"paypulse-{args.stack}-{q.name}",
                visibility_timeout_seconds=args.visibility_timeouts[q.name],
                message_retention_seconds=q.retention_days * 24 * 3600,
                sqs_managed_sse_enabled=True,
                redrive_policy=dlq.arn.apply(
                    lambda arn, n=q.max_receive_count: json.dumps(
                        {"deadLetterTargetArn": arn, "maxReceiveCount": n}
                    )
                ),
                opts=child,
            )
            self.urls[q.name] = queue.url
            self.arns[q.name] = queue.arn
            self.dead_letter_queues[q.name] = dlq
        self.register_outputs({"urls": self.urls})
