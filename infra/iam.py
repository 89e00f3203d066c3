"""IAM policy documents derived from the declarations. Pure functions on resolved ARNs (no Pulumi).

Every statement names the exact resources a function declares, with exactly the actions its
declared access letters grant: its tables (their indexes only when declared), the stream it is triggered by, the ``invoices/`` keys of its buckets, its
secrets (runtime-created ones by their name prefix), its topics and the APNs platform application,
its own log group and its own dead-letter queue, the queues it sends to and the queue its
event source mapping consumes. No wildcard actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from infra.workspace import Function, Resources

# Access levels (infra.workspace): one letter per kind of access, granted only when declared.
# Each letter grants exactly the actions the code's calls are authorized against (Service
# Authorization Reference: list_amazondynamodb.html, list_amazons3.html,
# list_awssecretsmanager.html, list_amazonsns.html); the local stack enforces the same
# policies and `paypulse iam-report` lists any grant the tests never exercise.
TABLE_ACTIONS = {
    "r": ("dynamodb:GetItem", "dynamodb:Query"),
    "s": ("dynamodb:Scan",),
    "i": (),  # queries of the table's indexes (INDEX_READ on table/T/index/*)
    "w": ("dynamodb:PutItem", "dynamodb:UpdateItem"),
    "d": ("dynamodb:DeleteItem",),
    # BatchWriteItem is one action for batched puts and deletes alike (IAM cannot tell them
    # apart), so it is declared on its own, only by the functions that batch.
    "b": ("dynamodb:BatchWriteItem",),
    # A transaction's ConditionCheck item (the deletion tombstone's fence on the users row).
    "c": ("dynamodb:ConditionCheckItem",),
}
INDEX_READ = ("dynamodb:Query",)  # "i"; "s" also scans the indexes (a sparse index is the
# cheapest way to page through every user: users.iter_user_ids)
STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
OBJECT_ACTIONS = {
    "r": ("s3:GetObject",),
    "w": ("s3:PutObject",),
    # Deleting means deleting every version (ListObjectVersions, then DeleteObjects with
    # version ids: s3:DeleteObjectVersion per key).
    "d": ("s3:DeleteObjectVersion",),
    # Remove one version the function wrote itself (its version id from PutObject), without
    # listing: an upload for an account deleted meanwhile (paypulse_common.tombstone).
    "v": ("s3:DeleteObjectVersion",),
}
VERSION_LIST = ("s3:ListBucketVersions",)  # ListObjectVersions ("be aware of the name difference")
SECRET_ACTIONS = {
    "m": ("secretsmanager:DescribeSecret",),  # metadata only: whether it exists, never its value
    "r": ("secretsmanager:GetSecretValue",),
    "w": ("secretsmanager:PutSecretValue",),
    # Runtime-created (per-user) secrets: creating one tags it with its owner.
    "c": ("secretsmanager:CreateSecret", "secretsmanager:TagResource"),
    "d": ("secretsmanager:DeleteSecret",),
}
# KMS (list_awskeymanagementservice.html): envelope encryption of per-user items. Each grant
# holds only when the request's encryption context has exactly the key "user_id"
# (kms:EncryptionContextKeys; the Null check makes a request without context fail, as
# ForAllValues alone holds over an empty set). kms:ViaService does not apply: the functions
# call KMS themselves, no AWS service calls it for them.
KEY_ACTIONS = {"r": ("kms:Decrypt",), "w": ("kms:GenerateDataKey",)}
KEY_CONTEXT_KEYS = ("user_id",)
# GetEndpointAttributes: the owner (CustomUserData) of a token's endpoint another account takes over
ENDPOINT_MANAGE = ("sns:DeleteEndpoint", "sns:GetEndpointAttributes", "sns:SetEndpointAttributes")
# Queues (list_amazonsqs.html): a producer's "s" is SendMessage, which also authorizes
# SendMessageBatch (SQS developer guide, "Amazon SQS batch actions": "setting permissions for
# SendMessage, DeleteMessage, or ChangeMessageVisibility sets permissions for the
# corresponding batch versions of the actions"). The consumer's role is
# what its event source mapping polls with: "sqs:ReceiveMessage, sqs:DeleteMessage,
# sqs:GetQueueAttributes" (Lambda developer guide, "Using Lambda with Amazon SQS" > execution
# role permissions), plus ChangeMessageVisibility for a worker that hands a message back early.
QUEUE_ACTIONS = {"s": ("sqs:SendMessage",)}
QUEUE_CONSUME = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
)
OBJECT_PREFIX = "invoices/"


@dataclass(frozen=True)
class Arns:
    """Resolved ARNs of everything a function may touch (keys are logical names)."""

    region: str
    account: str
    tables: dict[str, str] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # prefix secrets: "<arn prefix>*"
    topics: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)  # queue ARNs
    keys: dict[str, str] = field(default_factory=dict)
    platform_application: str | None = None
    log_group: str = ""
    dead_letter_queue: str | None = None
    partition: str = "aws"


def secret_prefix_arn(region: str, account: str, prefix: str, partition: str = "aws") -> str:
    """ARN pattern of the secrets created at runtime under a name prefix."""
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{prefix}*"


def key_context_condition() -> dict:
    """KMS calls must carry an encryption context of exactly KEY_CONTEXT_KEYS."""
    return {
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(KEY_CONTEXT_KEYS)},
        "Null": {"kms:EncryptionContextKeys": "false"},
    }


def key_policy(account: str, partition: str = "aws") -> dict:
    """A function key's policy: the account administers it and delegates use to IAM (the
    functions' role policies above); nothing else (KMS developer guide, "Default key policy")."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def endpoints_arn(platform_application_arn: str) -> str:
    """ARN pattern of the endpoints of one SNS platform application."""
    return platform_application_arn.replace(":app/", ":endpoint/", 1) + "/*"


def function_policy(fn: Function, resources: Resources, arns: Arns) -> dict:
    """The inline policy of one function's role."""
    statements: list[dict] = [
        _allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{arns.log_group}:*"])
    ]
    if arns.dead_letter_queue:
        statements.append(_allow("DeadLetterQueue", ["sqs:SendMessage"], [arns.dead_letter_queue]))
    for logical, level in sorted(fn.tables.items()):
        table = resources.tables[logical]
        arn = arns.tables[logical]
        table_actions = _actions(TABLE_ACTIONS, level)
        if table_actions:
            statements.append(_allow(f"Table{_sid(logical)}", table_actions, [arn]))
        index_actions = (list(INDEX_READ) if "i" in level else []) + (
            ["dynamodb:Scan"] if "s" in level else []
        )
        if table.indexes and index_actions:
            statements.append(_allow(f"Indexes{_sid(logical)}", index_actions, [f"{arn}/index/*"]))
    if fn.stream:
        stream_arn = arns.streams[fn.stream.table]
        statements.append(_allow(f"Stream{_sid(fn.stream.table)}", STREAM_READ, [stream_arn]))
        # ListStreams supports no resource-level permission (it returns stream ARNs, no data).
        statements.append(_allow("ListStreams", ["dynamodb:ListStreams"], ["*"]))
    for logical, level in sorted(fn.buckets.items()):
        arn = arns.buckets[logical]
        objects = [f"{arn}/{OBJECT_PREFIX}*"]
        statements.append(
            _allow(f"Objects{_sid(logical)}", _actions(OBJECT_ACTIONS, level), objects)
        )
        if "d" in level:
            statements.append(
                _allow(
                    f"List{_sid(logical)}",
                    VERSION_LIST,
                    [arn],
                    {"StringLike": {"s3:prefix": [f"{OBJECT_PREFIX}*"]}},
                )
            )
    for logical, level in sorted(fn.secrets.items()):
        actions = _actions(SECRET_ACTIONS, level)
        statements.append(_allow(f"Secret{_sid(logical)}", actions, [arns.secrets[logical]]))
    for logical, level in sorted(fn.queues.items()):
        statements.append(
            _allow(f"Queue{_sid(logical)}", _actions(QUEUE_ACTIONS, level), [arns.queues[logical]])
        )
    if fn.sqs:
        statements.append(
            _allow(f"Consume{_sid(fn.sqs.queue)}", QUEUE_CONSUME, [arns.queues[fn.sqs.queue]])
        )
    for logical, level in sorted(fn.keys.items()):
        statements.append(
            _allow(
                f"Key{_sid(logical)}",
                _actions(KEY_ACTIONS, level),
                [arns.keys[logical]],
                key_context_condition(),
            )
        )
    for logical, access in sorted(fn.topics.items()):
        app = arns.platform_application
        if access == "publish":
            targets = [arns.topics[logical]] + ([endpoints_arn(app)] if app else [])
            statements.append(_allow(f"Publish{_sid(logical)}", ["sns:Publish"], targets))
        elif access == "endpoints" and app:
            statements.append(_allow("CreateEndpoint", ["sns:CreatePlatformEndpoint"], [app]))
            statements.append(_allow("ManageEndpoints", ENDPOINT_MANAGE, [endpoints_arn(app)]))
    return {"Version": "2012-10-17", "Statement": statements}


def lambda_trust_policy() -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def guest_trust_policy(identity_pool_id: str) -> dict:
    """Cognito unauthenticated identities of one pool may assume the guest role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                    "ForAnyValue:StringLike": {
                        "cognito-identity.amazonaws.com:amr": "unauthenticated"
                    },
                },
            }
        ],
    }


def guest_policy(platform_application_arn: str) -> dict:
    """The app's guest identity may only register its device with the APNs application."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _allow("CreateEndpoint", ["sns:CreatePlatformEndpoint"], [platform_application_arn])
        ],
    }


def events_to_queue_policy(queue_arn: str, source_arns: list[str]) -> dict:
    """EventBridge may send undeliverable events of the given rules to a dead-letter queue."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventBridgeDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": sorted(source_arns)}},
            }
        ],
    }


def tls_only_bucket_policy(bucket_arn: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _actions(by_letter: dict[str, tuple[str, ...]], level: str) -> list[str]:
    return sorted({action for letter in level for action in by_letter[letter]})


def _allow(sid: str, actions, resources: list[str], condition: dict | None = None) -> dict:
    statement: dict = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(set(actions)),
        "Resource": resources,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _sid(logical: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", logical))
