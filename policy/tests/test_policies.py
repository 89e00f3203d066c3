"""Unit tests of the policy pack: each policy's validate() on compliant and violating resources."""

from __future__ import annotations

import json

import pytest
from pulumi_policy import ResourceValidationArgs, StackValidationArgs
from pulumi_policy.policy import PolicyResource

from policy.policies import RESOURCE_POLICIES, STACK_POLICIES, looks_secret

POLICIES = {p.name: p for p in RESOURCE_POLICIES}


def violations(policy_name: str, resource_type: str, props: dict) -> list[str]:
    found: list[str] = []
    args = ResourceValidationArgs(
        resource_type, props, f"urn:test::{resource_type}", "r", None, None
    )
    POLICIES[policy_name].validate(args, lambda message, urn=None: found.append(message))
    return found


def stack_violations(resources: list[tuple[str, dict]]) -> list[str]:
    found: list[str] = []
    args = StackValidationArgs(
        [
            PolicyResource(t, p, f"urn:{i}", f"r{i}", None, None, None, [], {})
            for i, (t, p) in enumerate(resources)
        ]
    )
    for policy in STACK_POLICIES:
        policy.validate(args, lambda message, urn=None: found.append(message))
    return found


BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ALL_BLOCKED = dict.fromkeys(
    ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
)


def test_public_access_block_must_block_everything():
    assert violations("s3-no-public-access", BLOCK, ALL_BLOCKED) == []
    assert (
        len(violations("s3-no-public-access", BLOCK, dict(ALL_BLOCKED, blockPublicPolicy=False)))
        == 1
    )


def test_public_bucket_policy_and_acl_are_violations():
    public = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::b/*"}]}  # fmt: skip
    assert violations("s3-no-public-access", "aws:s3/bucketPolicy:BucketPolicy",
                      {"policy": json.dumps(public)})  # fmt: skip
    tls = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    assert violations("s3-no-public-access", "aws:s3/bucketPolicy:BucketPolicy",
                      {"policy": json.dumps(tls)}) == []  # fmt: skip
    assert violations("s3-no-public-access", "aws:s3/bucket:Bucket", {"acl": "public-read"})


@pytest.mark.parametrize(
    ("resource_type", "good", "bad"),
    [
        ("aws:dynamodb/table:Table", {"serverSideEncryption": {"enabled": True}}, {}),
        ("aws:sqs/queue:Queue", {"sqsManagedSseEnabled": True}, {"sqsManagedSseEnabled": False}),
        ("aws:sns/topic:Topic", {"kmsMasterKeyId": "alias/aws/sns"}, {}),
        (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
            {"rules": []},
        ),
    ],
)
def test_encryption_at_rest(resource_type, good, bad):
    assert violations("encryption-at-rest", resource_type, good) == []
    assert len(violations("encryption-at-rest", resource_type, bad)) == 1


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["dynamodb:GetItem", "dynamodb:Query"], 0),
        (["dynamodb:*"], 1),
        (["s3:Get*"], 1),
        (["*"], 1),
        (["secretsmanager:GetSecretValue", "sqs:*"], 1),
        (["logs:PutLogEvents"], 0),
    ],
)
def test_no_wildcard_actions_on_data(actions, expected):
    doc = {"Statement": [{"Sid": "S", "Effect": "Allow", "Action": actions, "Resource": ["arn:x"]}]}
    found = violations("no-wildcard-data-actions", "aws:iam/rolePolicy:RolePolicy",
                       {"policy": json.dumps(doc)})  # fmt: skip
    assert len(found) == expected


def test_not_action_allow_is_a_violation():
    doc = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    assert violations("no-wildcard-data-actions", "aws:iam/policy:Policy", {"policy": doc})


def test_log_retention_must_be_set():
    typ = "aws:cloudwatch/logGroup:LogGroup"
    assert violations("log-retention-set", typ, {"retentionInDays": 30}) == []
    assert len(violations("log-retention-set", typ, {})) == 1


def test_no_secrets_in_env():
    typ = "aws:lambda/function:Function"
    ok = {"environment": {"variables": {
        "PAYPULSE_TABLE_USERS": "data-users-96278cf",
        "PAYPULSE_SECRET_JWT_SIGNING_KEY": "paypulse/dev/jwt_signing_key",
        "PAYPULSE_SECRET_GMAIL_TOKENS": "gmail/user/",
        "PAYPULSE_TOPIC_INVOICE_NOTIFICATIONS": "arn:aws:sns:eu-west-1:123456789012:Topic-AbC123dEf456gHi789jKl012",
        "PAYPULSE_STACK": "dev",
    }}}  # fmt: skip
    assert violations("no-secrets-in-env", typ, ok) == []
    bad_name = {"environment": {"variables": {"JWT_SECRET": "x"}}}
    assert len(violations("no-secrets-in-env", typ, bad_name)) == 1
    bad_value = {"environment": {"variables": {"PAYPULSE_KEY": "AIza" + "A1b2" * 9}}}
    assert len(violations("no-secrets-in-env", typ, bad_value)) == 1


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("kX9-vQ2_pL7mN4rT8wY1zB5cD3fG6hJ0aS", True),  # token_urlsafe-like
        ("AKIAABCDEFGHIJKLMNOP", True),
        ("-----BEGIN PRIVATE KEY-----\nabc", True),
        ("data-food_delivery_invoices-c9d1b7c", False),
        ("paypulse/dev/jwt_signing_key", False),
        ("gemini-2.5-flash", False),
    ],
)
def test_looks_secret(value, secret):
    assert looks_secret(value) is secret


FN = "aws:lambda/function:Function"
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:"


def test_async_function_without_dlq_is_reported():
    resources = [
        (FN, {"name": "parse", "arn": ARN + "parse"}),
        ("aws:s3/bucketNotification:BucketNotification",
         {"lambdaFunctions": [{"lambdaFunctionArn": ARN + "parse"}]}),
    ]  # fmt: skip
    assert len(stack_violations(resources)) == 1
    with_dlq = [(FN, {"name": "parse", "deadLetterConfig": {"targetArn": "arn:aws:sqs:q"}}),
                resources[1]]  # fmt: skip
    assert stack_violations(with_dlq) == []


def test_invoke_config_destination_counts_as_dlq_and_http_functions_need_none():
    resources = [
        (FN, {"name": "fetch"}),
        (FN, {"name": "login"}),  # API only: no DLQ needed
        ("aws:cloudwatch/eventTarget:EventTarget", {"arn": ARN + "fetch"}),
        ("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
         {"functionName": "fetch", "destinationConfig": {"onFailure": {"destination": "arn:q"}}}),
    ]  # fmt: skip
    assert stack_violations(resources) == []
    assert len(stack_violations(resources[:3])) == 1


def test_stream_mapping_without_on_failure_destination_is_reported():
    mapping = ("aws:lambda/eventSourceMapping:EventSourceMapping", {"functionName": ARN + "notify"})
    assert len(stack_violations([(FN, {"name": "notify"}), mapping])) == 1
    ok = (
        mapping[0],
        dict(mapping[1], destinationConfig={"onFailure": {"destinationArn": "arn:q"}}),
    )
    assert stack_violations([(FN, {"name": "notify"}), ok]) == []
