"""Private S3 buckets: versioned, encrypted, public access blocked, TLS only, noncurrent expiry."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam import tls_only_bucket_policy


@dataclass(frozen=True)
class BucketSpec:
    logical: str
    noncurrent_version_days: int = 30


@dataclass(frozen=True)
class BucketsArgs:
    buckets: tuple[BucketSpec, ...]


class Buckets(pulumi.ComponentResource):
    names: dict[str, pulumi.Output[str]]
    arns: dict[str, pulumi.Output[str]]
    ready: dict[str, list[pulumi.Resource]]  # the bucket's settings, to depend on

    def __init__(self, name: str, args: BucketsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:Buckets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.names, self.arns, self.ready = {}, {}, {}
        for spec in args.buckets:
            prefix = f"{name}-{spec.logical.replace('_', '-')}"
            bucket = aws.s3.Bucket(prefix, force_destroy=False, opts=child)
            on = pulumi.ResourceOptions(parent=self, depends_on=[bucket])
            settings: list[pulumi.Resource] = [
                aws.s3.BucketOwnershipControls(
                    f"{prefix}-ownership",
                    bucket=bucket.id,
                    rule=aws.s3.BucketOwnershipControlsRuleArgs(
                        object_ownership="BucketOwnerEnforced"
                    ),
                    opts=on,
                ),
                aws.s3.BucketPublicAccessBlock(
                    f"{prefix}-public-access",
                    bucket=bucket.id,
                    block_public_acls=True,
                    block_public_policy=True,
                    ignore_public_acls=True,
                    restrict_public_buckets=True,
                    opts=on,
                ),
                aws.s3.BucketVersioning(
                    f"{prefix}-versioning",
                    bucket=bucket.id,
                    versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                        status="Enabled"
                    ),
                    opts=on,
                ),
                aws.s3.BucketServerSideEncryptionConfiguration(
                    f"{prefix}-encryption",
                    bucket=bucket.id,
                    rules=[
                        aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                            apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                                sse_algorithm="AES256"
                            ),
                            bucket_key_enabled=True,
                        )
                    ],
                    opts=on,
                ),
                aws.s3.BucketLifecycleConfiguration(
                    f"{prefix}-lifecycle",
                    bucket=bucket.id,
                    rules=[
                        aws.s3.BucketLifecycleConfigurationRuleArgs(
                            id="noncurrent-versions",
                            status="Enabled",
                            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                                noncurrent_days=spec.noncurrent_version_days
                            ),
                            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                                days_after_initiation=7
                            ),
                        )
                    ],
                    opts=on,
                ),
            ]
            settings.append(
                aws.s3.BucketPolicy(
                    f"{prefix}-tls-only",
                    bucket=bucket.id,
                    policy=bucket.arn.apply(lambda arn: json.dumps(tls_only_bucket_policy(arn))),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[settings[1]]),
                )
            )
            self.names[spec.logical] = bucket.bucket
            self.arns[spec.logical] = bucket.arn
            self.ready[spec.logical] = settings
        self.register_outputs({"names": self.names, "arns": self.arns})
