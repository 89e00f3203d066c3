"""S3 ObjectCreated notifications (prefix + suffix from the declarations) to Lambda functions."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class S3Target:
    function: str
    prefix: str
    suffix: str
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]


@dataclass(frozen=True)
class S3TriggersArgs:
    bucket: pulumi.Input[str]  # bucket name
    bucket_arn: pulumi.Input[str]
    account: pulumi.Input[str]
    targets: tuple[S3Target, ...]
    depends_on: tuple[pulumi.Resource, ...] = ()


class S3Triggers(pulumi.ComponentResource):
    def __init__(self, name: str, args: S3TriggersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:S3Triggers", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        permissions = [
            aws.lambda_.Permission(
                f"{name}-{t.function}-invoke",
                action="lambda:InvokeFunction",
                function=t.function_name,
                principal="s3.amazonaws.com",
                source_arn=args.bucket_arn,
                source_account=args.account,
                opts=child,
            )
            for t in args.targets
        ]
        aws.s3.BucketNotification(
            f"{name}-notifications",
            bucket=args.bucket,
            lambda_functions=[
                aws.s3.BucketNotificationLambdaFunctionArgs(
                    id=t.function,
                    lambda_function_arn=t.function_arn,
                    events=["s3:ObjectCreated:*"],
                    filter_prefix=t.prefix,
                    filter_suffix=t.suffix,
                )
                for t in args.targets
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*permissions, *args.depends_on]),
        )
        self.register_outputs({})
