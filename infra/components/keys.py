"""KMS keys the functions encrypt with (today: the Gmail token store "dynamodb-kms").

Each key is symmetric (SYMMETRIC_DEFAULT, AES-256-GCM inside KMS), rotated by KMS every
``ROTATION_DAYS`` (the old material keeps decrypting what it sealed), with an alias
``alias/paypulse/<stack>/<logical>`` for people (the functions are given the key ARN, the
resource their IAM grants name). The key policy lets the account administer the key and
delegate its use to IAM; each function's role policy grants only kms:GenerateDataKey /
kms:Decrypt, and only with the encryption context the code sends (infra/iam.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam import key_policy
from infra.workspace import Key

ROTATION_DAYS = 365  # KMS EnableKeyRotation: RotationPeriodInDays 90-2560, default 365
DELETION_WINDOW_DAYS = 30  # the longest: a deleted key makes every token item unreadable


@dataclass(frozen=True)
class KeysArgs:
    keys: tuple[Key, ...]
    stack: str
    account: pulumi.Input[str]


class Keys(pulumi.ComponentResource):
    arns: dict[str, pulumi.Output[str]]
    aliases: dict[str, str]

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:Keys", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.arns, self.aliases = {}, {}
        for key in args.keys:
            resource = aws.kms.Key(
                f"{name}-{key.name}",
                description=key.description or f"PayPulse {key.name}",
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                enable_key_rotation=True,
                rotation_period_in_days=ROTATION_DAYS,
                deletion_window_in_days=DELETION_WINDOW_DAYS,
                policy=pulumi.Output.from_input(args.account).apply(
                    lambda a: json.dumps(key_policy(str(a)))
                ),
                opts=child,
            )
            alias = f"alias/paypulse/{args.stack}/{key.name.replace('_', '-')}"
            aws.kms.Alias(f"{name}-{key.name}-alias", name=alias, target_key_id=resource.key_id,
                          opts=child)  # fmt: skip
            self.arns[key.name] = resource.arn
            self.aliases[key.name] = alias
        self.register_outputs({"arns": self.arns})
