"""PayPulse policies. Each check is a plain function of resource properties (camelCase, as the
engine passes them), wrapped in a pulumi-policy Policy; unit tests call ``policy.validate``.

Resource policies: buckets not public, encryption at rest, no wildcard actions on data, log
retention set, no secrets in Lambda environments.
Stack policy: every asynchronously invoked function has a dead-letter queue or on-failure target.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

DATA_SERVICES = ("dynamodb", "s3", "secretsmanager", "sns", "sqs", "kms")
IAM_DOCUMENT_TYPES = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
}
ENV_NAME = re.compile(r"^PAYPULSE_[A-Z0-9_]+$")
SECRET_VALUE_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"),
    re.compile(r"\b(?:ya29|1//)[0-9A-Za-z_\-]{20,}"),
    re.compile(r"\bGOCSPX-[0-9A-Za-z_\-]{20,}"),
)
_TOKEN = re.compile(r"^[A-Za-z0-9+_\-=]{32,}$")

Check = Callable[[str, Mapping], Iterable[str]]


# --------------------------------------------------------------------------- checks


def check_public_access(resource_type: str, props: Mapping) -> Iterable[str]:
    if resource_type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                     "restrictPublicBuckets"):  # fmt: skip
            if props.get(flag) is not True:
                yield f"{flag} must be true"
    elif resource_type in ("aws:s3/bucket:Bucket", "aws:s3/bucketAcl:BucketAcl"):
        acl = props.get("acl")
        if acl and acl not in ("private", "bucket-owner-full-control"):
            yield f"bucket ACL {acl!r} is public"
    elif resource_type == "aws:s3/bucketPolicy:BucketPolicy":
        for stmt in _statements(props.get("policy")):
            if stmt.get("Effect") == "Allow" and _principal_is_public(stmt.get("Principal")):
                yield f"statement {stmt.get('Sid', '?')} allows everyone"


def check_encryption(resource_type: str, props: Mapping) -> Iterable[str]:
    if resource_type == "aws:dynamodb/table:Table":
        if not (props.get("serverSideEncryption") or {}).get("enabled"):
            yield "DynamoDB table without serverSideEncryption (KMS) enabled"
    elif resource_type == "aws:sqs/queue:Queue":
        if not (props.get("sqsManagedSseEnabled") or props.get("kmsMasterKeyId")):
            yield "SQS queue without server-side encryption"
    elif resource_type == "aws:sns/topic:Topic":
        if not props.get("kmsMasterKeyId"):
            yield "SNS topic without kmsMasterKeyId"
    elif resource_type == (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ):
        rules = props.get("rules") or []
        algorithms = [
            (r.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") for r in rules
        ]
        if not any(a in ("AES256", "aws:kms", "aws:kms:dsse") for a in algorithms):
            yield "bucket encryption configuration without a default algorithm"


def check_wildcard_actions(resource_type: str, props: Mapping) -> Iterable[str]:
    key = IAM_DOCUMENT_TYPES.get(resource_type)
    if key is None:
        return
    for stmt in _statements(props.get(key)):
        if stmt.get("Effect") != "Allow":
            continue
        for action in _as_list(stmt.get("Action")) + _as_list(stmt.get("NotAction")):
            service = action.split(":", 1)[0].lower()
            if action == "*" or ("*" in action and service in DATA_SERVICES):
                yield f"statement {stmt.get('Sid', '?')} allows wildcard action {action!r}"
        if "NotAction" in stmt:
            yield f"statement {stmt.get('Sid', '?')} uses NotAction with Allow"


def check_log_retention(resource_type: str, props: Mapping) -> Iterable[str]:
    if resource_type == "aws:cloudwatch/logGroup:LogGroup":
        days = props.get("retentionInDays")
        if not days or int(days) <= 0:
            yield "log group without retentionInDays"


def check_env_secrets(resource_type: str, props: Mapping) -> Iterable[str]:
    if resource_type != "aws:lambda/function:Function":
        return
    variables = (props.get("environment") or {}).get("variables") or {}
    for name, value in sorted(variables.items()):
        if not ENV_NAME.match(name):
            yield f"environment variable {name} is not a PAYPULSE_* name"
        if looks_secret(value):
            yield f"environment variable {name} holds what looks like a secret value"


def looks_secret(value) -> bool:
    if not isinstance(value, str):
        return False
    if any(p.search(value) for p in SECRET_VALUE_PATTERNS):
        return True
    mixed = (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )
    return bool(_TOKEN.match(value)) and mixed and not value.startswith("arn:")


# --------------------------------------------------------------------------- stack check


def async_functions_without_dlq(resources: Iterable[tuple[str, Mapping]]) -> list[str]:
    """Names of functions invoked asynchronously (S3, EventBridge, streams, SQS) with no DLQ
    (for SQS: the source queue has no redrive policy)."""
    resources = list(resources)
    functions = {
        props.get("name"): props
        for typ, props in resources
        if typ == "aws:lambda/function:Function" and props.get("name")
    }
    invoke_configs = {
        _function_name(props.get("functionName")): props
        for typ, props in resources
        if typ == "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    }
    missing: list[str] = []
    redriven = {
        props.get("arn"): props.get("redrivePolicy")
        for typ, props in resources
        if typ == "aws:sqs/queue:Queue" and props.get("redrivePolicy")
    }

    def async_target(name: str | None) -> None:
        if not name or name not in functions:
            return
        dlq = (functions[name].get("deadLetterConfig") or {}).get("targetArn")
        config = invoke_configs.get(name) or {}
        on_failure = ((config.get("destinationConfig") or {}).get("onFailure") or {}).get(
            "destination"
        )
        if not (dlq or on_failure) and name not in missing:
            missing.append(name)

    for typ, props in resources:
        if typ == "aws:s3/bucketNotification:BucketNotification":
            for target in props.get("lambdaFunctions") or []:
                async_target(_function_name(target.get("lambdaFunctionArn")))
        elif typ == "aws:cloudwatch/eventTarget:EventTarget":
            async_target(_function_name(props.get("arn")))
        elif typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
            dest = ((props.get("destinationConfig") or {}).get("onFailure") or {}).get(
                "destinationArn"
            )
            source = props.get("eventSourceArn")
            if isinstance(source, str) and ":sqs:" in source:
                # SQS mappings take no on-failure destination: the source queue's redrive
                # policy is the dead-letter queue (Lambda developer guide, "Handling errors
                # for an SQS event source in Lambda").
                dest = redriven.get(source)
            name = _function_name(props.get("functionName"))
            if not dest and name and name not in missing:
                missing.append(name)
    return sorted(missing)


# --------------------------------------------------------------------------- policies


def _resource_policy(name: str, description: str, check: Check) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for message in check(args.resource_type, args.props):
            report(message, args.urn)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def _validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
    for name in async_functions_without_dlq((r.resource_type, r.props) for r in args.resources):
        report(f"function {name} is invoked asynchronously but has no dead-letter queue", None)


RESOURCE_POLICIES = [
    _resource_policy("s3-no-public-access", "S3 buckets are never public.", check_public_access),
    _resource_policy(
        "encryption-at-rest", "Tables, buckets, queues, topics are encrypted.", check_encryption
    ),
    _resource_policy(
        "no-wildcard-data-actions",
        "IAM documents never allow wildcard actions on data services.",
        check_wildcard_actions,
    ),
    _resource_policy("log-retention-set", "Every log group has a retention.", check_log_retention),
    _resource_policy(
        "no-secrets-in-env",
        "Lambda environments hold PAYPULSE_* names/ARNs only, never secret values.",
        check_env_secrets,
    ),
]
STACK_POLICIES = [
    StackValidationPolicy(
        name="async-functions-have-dlq",
        description="Functions invoked by S3, EventBridge or streams have a DLQ.",
        validate=_validate_stack,
        enforcement_level=EnforcementLevel.MANDATORY,
    )
]
ALL_POLICIES = [*RESOURCE_POLICIES, *STACK_POLICIES]
CHECKS: dict[str, Check] = {
    "s3-no-public-access": check_public_access,
    "encryption-at-rest": check_encryption,
    "no-wildcard-data-actions": check_wildcard_actions,
    "log-retention-set": check_log_retention,
    "no-secrets-in-env": check_env_secrets,
}


# --------------------------------------------------------------------------- helpers


def _statements(document) -> list[Mapping]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, Mapping):
        return []
    statements = document.get("Statement") or []
    return [s for s in _as_list(statements) if isinstance(s, Mapping)]


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _principal_is_public(principal) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _function_name(value) -> str | None:
    """A function name from a name or an ARN (``arn:aws:lambda:r:a:function:NAME[:qualifier]``)."""
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("arn:"):
        parts = value.split(":")
        return parts[6] if len(parts) > 6 else None
    return value
