"""Uploads the built zips to the artifacts bucket and publishes the layers."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.build import Artifacts


@dataclass(frozen=True)
class LambdaArtifactsArgs:
    artifacts: Artifacts
    bucket: pulumi.Input[str]
    stack: str
    architecture: str
    depends_on: tuple[pulumi.Resource, ...] = ()


class LambdaArtifacts(pulumi.ComponentResource):
    layer_arns: dict[str, pulumi.Output[str]]
    code_keys: dict[str, pulumi.Output[str]]  # service -> S3 key

    def __init__(
        self, name: str, args: LambdaArtifactsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("paypulse:index:LambdaArtifacts", name, None, opts)
        after = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        self.layer_arns, self.code_keys = {}, {}
        for layer, artifact in sorted(args.artifacts.layers.items()):
            obj = aws.s3.BucketObject(
                f"{name}-layer-{layer}",
                bucket=args.bucket,
                key=f"layers/{layer}/{artifact.sha256}.zip",
                source=pulumi.FileAsset(str(artifact.path)),
                opts=after,
            )
            version = aws.lambda_.LayerVersion(
                f"{name}-{layer}",
                layer_name=f"paypulse-{args.stack}-{layer}",
                s3_bucket=obj.bucket,
                s3_key=obj.key,
                source_code_hash=artifact.base64_sha256,
                compatible_runtimes=["python3.12"],
                compatible_architectures=[args.architecture],
                description=f"paypulse {layer} ({artifact.unzipped_size // 1_000_000} MB unzipped)",
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.layer_arns[layer] = version.arn
        for service, artifact in sorted(args.artifacts.services.items()):
            obj = aws.s3.BucketObject(
                f"{name}-code-{service}",
                bucket=args.bucket,
                key=f"code/{service}/{artifact.sha256}.zip",
                source=pulumi.FileAsset(str(artifact.path)),
                opts=after,
            )
            self.code_keys[service] = obj.key
        self.register_outputs({"layer_arns": self.layer_arns})
