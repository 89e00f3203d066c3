"""SNS topics and the optional APNs platform application.

Devices register through the API (``POST /v1/user/devices``: register_device creates the SNS
endpoint for the signed-in user), so there is no Cognito identity pool. The earlier guest pool
could not work anyway: unauthenticated identities use the enhanced flow, whose Cognito scope-down
session policy (AmazonCognitoUnAuthedIdentitiesSessionPolicy) grants no SNS action, so its
``sns:CreatePlatformEndpoint`` was always denied; the app has not called SNS itself since its AWS
SDK was removed, and a pool open to unauthenticated callers would let anyone with its id create
endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config import Apns
from infra.workspace import Topic


@dataclass(frozen=True)
class NotificationsArgs:
    topics: tuple[Topic, ...]
    apns: Apns | None
    stack: str


class Notifications(pulumi.ComponentResource):
    topic_arns: dict[str, pulumi.Output[str]]
    platform_application_arn: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: NotificationsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("paypulse:index:Notifications", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic_arns = {}
        for topic in args.topics:
            resource = aws.sns.Topic(
                f"{name}-{topic.name}",
                display_name=topic.display_name,
                kms_master_key_id="alias/aws/sns",
                opts=child,
            )
            self.topic_arns[topic.name] = resource.arn
        self.platform_application_arn = None
        if args.apns:
            apns = args.apns
            app = aws.sns.PlatformApplication(
                f"{name}-apns",
                name=f"paypulse-{args.stack}",
                platform="APNS_SANDBOX" if apns.sandbox else "APNS",
                platform_credential=apns.signing_key,
                platform_principal=apns.key_id,
                apple_platform_team_id=apns.team_id,
                apple_platform_bundle_id=apns.bundle_id,
                opts=child,
            )
            self.platform_application_arn = app.arn
        self.register_outputs(
            {
                "topic_arns": self.topic_arns,
                "platform_application_arn": self.platform_application_arn,
            }
        )
