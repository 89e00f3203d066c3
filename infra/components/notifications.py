"""SNS topics, the optional APNs platform application and the app's guest identity pool.

The Cognito identity pool (unauthenticated identities) exists only with an APNs application: its
guest role may call ``sns:CreatePlatformEndpoint`` on that application and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config import Apns
from infra.iam import guest_policy, guest_trust_policy
from infra.workspace import Topic


@dataclass(frozen=True)
class NotificationsArgs:
    topics: tuple[Topic, ...]
    apns: Apns | None
    stack: str


class Notifications(pulumi.ComponentResource):
    topic_arns: dict[str, pulumi.Output[str]]
    platform_application_arn: pulumi.Output[str] | None
    identity_pool_id: pulumi.Output[str] | None

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
        self.identity_pool_id = None
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
            pool = aws.cognito.IdentityPool(
                f"{name}-identity-pool",
                identity_pool_name=f"paypulse_{args.stack}_devices",
                allow_unauthenticated_identities=True,
                allow_classic_flow=False,
                opts=child,
            )
            role = aws.iam.Role(
                f"{name}-guest-role",
                assume_role_policy=pool.id.apply(lambda i: json.dumps(guest_trust_policy(i))),
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-guest-policy",
                role=role.id,
                policy=app.arn.apply(lambda arn: json.dumps(guest_policy(arn))),
                opts=child,
            )
            aws.cognito.IdentityPoolRoleAttachment(
                f"{name}-identity-roles",
                identity_pool_id=pool.id,
                roles={"unauthenticated": role.arn},
                opts=child,
            )
            self.identity_pool_id = pool.id
        self.register_outputs(
            {
                "topic_arns": self.topic_arns,
                "platform_application_arn": self.platform_application_arn,
            }
        )
