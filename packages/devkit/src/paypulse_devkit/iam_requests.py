"""Which IAM action(s) on which resource ARN(s) an AWS API call is authorized against.

One mapping per service the code calls, from the AWS Service Authorization Reference (SAR):
- DynamoDB: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
  Item and query actions on the table ARN, ``table/T/index/I`` when a Query/Scan names an
  index; BatchGetItem/BatchWriteItem authorized per table in ``RequestItems``;
  TransactWriteItems/TransactGetItems per item with the item's own action (Put→PutItem,
  Update→UpdateItem, Delete→DeleteItem, ConditionCheck→ConditionCheckItem, Get→GetItem:
  DynamoDB developer guide, "Using IAM with DynamoDB transactions"); stream reads on the
  stream ARN, ListStreams on ``*``.
- S3: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
  GetObject/HeadObject → s3:GetObject (s3:GetObjectVersion with a VersionId) on
  ``arn:aws:s3:::bucket/key``; PutObject → s3:PutObject; DeleteObject → s3:DeleteObject
  (s3:DeleteObjectVersion with a VersionId); DeleteObjects → the same per key (S3 answers
  each key on its own: "For each key, Amazon S3 performs a delete operation and returns the
  result"); ListObjects(V2) → s3:ListBucket and ListObjectVersions → s3:ListBucketVersions
  ("Be aware of the name difference", ListObjectVersions API reference) on the bucket ARN,
  with the ``s3:prefix``, ``s3:delimiter`` and ``s3:max-keys`` condition keys.
- Secrets Manager: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
  every secret action on the secret's full ARN, which ends in ``-`` plus six random
  characters (CreateSecret API reference: "The ARN includes the name of the secret followed
  by six random characters"); a name is resolved to that ARN; CreateSecret with Tags also
  needs secretsmanager:TagResource; ListSecrets and GetRandomPassword on ``*``.
- SNS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html
  Publish on the topic or target endpoint ARN, CreatePlatformEndpoint on the platform
  application ARN, endpoint attribute/delete actions on the endpoint ARN.
- KMS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
  GenerateDataKey/Decrypt/Encrypt on the key ARN (a key id becomes ``key/<id>``, an alias the
  ARN of its key; the code always names the key), with ``kms:EncryptionContextKeys`` (the context's keys, multivalued)
  and ``kms:EncryptionContext:<key>`` per pair.
- SQS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html
  queue actions on the queue ARN (from the queue URL's account and name).

An operation without a mapping raises ``UnmappedOperationError``: new code must add its call
here, never pass unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from paypulse_devkit.iam_policy import Request


class UnmappedOperationError(RuntimeError):
    """An AWS operation the local IAM enforcement does not know how to authorize."""


@dataclass(frozen=True)
class Scope:
    """Where the calls go: partition, region and account of every ARN, and how a secret's
    name or partial ARN becomes its full ARN (the local stack asks moto)."""

    region: str
    account: str
    secret_arn: Callable[[str], str]
    partition: str = "aws"
    stream_of_iterator: Callable[[str], str | None] = lambda iterator: None
    key_arn: Callable[[str], str] = lambda alias: alias  # "alias/x" -> the key's ARN

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = f"{self.region}:{self.account}" if region else ":"
        return f"arn:{self.partition}:{service}:{where}:{resource}"

    def table(self, name: str) -> str:
        return name if name.startswith("arn:") else self.arn("dynamodb", f"table/{name}")

    def bucket(self, name: str) -> str:
        return f"arn:{self.partition}:s3:::{name}"

    def queue(self, url: str) -> str:
        account, name = url.rstrip("/").split("/")[-2:]
        return f"arn:{self.partition}:sqs:{self.region}:{account}:{name}"


Params = Mapping[str, Any]

# --------------------------------------------------------------------------- DynamoDB

_TABLE_OPS = frozenset(
    {
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable",
        "DescribeTimeToLive", "UpdateTimeToLive", "UpdateTable", "DeleteTable", "CreateTable",
        "DescribeContinuousBackups", "ListTagsOfResource",
    }
)  # fmt: skip
_TRANSACT_WRITE = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _dynamodb(op: str, p: Params, s: Scope) -> list[Request]:
    if op in _TABLE_OPS:
        arn = s.table(p["TableName"])
        if op in ("Query", "Scan") and p.get("IndexName"):
            arn = f"{arn}/index/{p['IndexName']}"
        return [Request.of(f"dynamodb:{op}", arn)]
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [Request.of(f"dynamodb:{op}", s.table(t)) for t in p["RequestItems"]]
    if op == "TransactWriteItems":
        out = []
        for item in p["TransactItems"]:
            ((kind, body),) = item.items()
            out.append(Request.of(f"dynamodb:{_TRANSACT_WRITE[kind]}", s.table(body["TableName"])))
        return out
    if op == "TransactGetItems":
        return [
            Request.of("dynamodb:GetItem", s.table(i["Get"]["TableName"]))
            for i in p["TransactItems"]
        ]
    if op == "ListTables":
        return [Request.of("dynamodb:ListTables", "*")]
    raise UnmappedOperationError(f"dynamodb {op}")


def _dynamodbstreams(op: str, p: Params, s: Scope) -> list[Request]:
    # The streams endpoint is a separate API, but its IAM actions use the dynamodb prefix.
    if op in ("DescribeStream", "GetShardIterator"):
        return [Request.of(f"dynamodb:{op}", p["StreamArn"])]
    if op == "GetRecords":
        stream = s.stream_of_iterator(p["ShardIterator"])
        if stream is None:
            raise UnmappedOperationError("dynamodbstreams GetRecords: unknown shard iterator")
        return [Request.of("dynamodb:GetRecords", stream)]
    if op == "ListStreams":
        return [Request.of("dynamodb:ListStreams", "*")]
    raise UnmappedOperationError(f"dynamodbstreams {op}")


# --------------------------------------------------------------------------- S3


def _object(bucket: str, key: str, s: Scope) -> str:
    return f"{s.bucket(bucket)}/{key}"


def _list_context(p: Params) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    for param, key in (
        ("Prefix", "s3:prefix"),
        ("Delimiter", "s3:delimiter"),
        ("MaxKeys", "s3:max-keys"),
    ):
        if p.get(param) is not None:
            ctx[key] = str(p[param])
    return ctx


def _s3(op: str, p: Params, s: Scope) -> list[Request]:
    versioned = bool(p.get("VersionId"))
    if op in ("GetObject", "HeadObject"):
        action = "s3:GetObjectVersion" if versioned else "s3:GetObject"
        return [Request.of(action, _object(p["Bucket"], p["Key"], s))]
    if op == "PutObject":
        return [Request.of("s3:PutObject", _object(p["Bucket"], p["Key"], s))]
    if op == "DeleteObject":
        action = "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"
        return [Request.of(action, _object(p["Bucket"], p["Key"], s))]
    if op == "DeleteObjects":
        return [
            Request.of(
                "s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject",
                _object(p["Bucket"], o["Key"], s),
            )
            for o in p["Delete"]["Objects"]
        ]
    if op in ("ListObjects", "ListObjectsV2"):
        return [Request.of("s3:ListBucket", s.bucket(p["Bucket"]), **_list_context(p))]
    if op == "ListObjectVersions":
        return [Request.of("s3:ListBucketVersions", s.bucket(p["Bucket"]), **_list_context(p))]
    if op == "HeadBucket":
        return [Request.of("s3:ListBucket", s.bucket(p["Bucket"]))]
    raise UnmappedOperationError(f"s3 {op}")


# --------------------------------------------------------------------------- Secrets Manager

_SECRET_OPS = frozenset(
    {
        "GetSecretValue", "DescribeSecret", "PutSecretValue", "UpdateSecret", "DeleteSecret",
        "RestoreSecret", "TagResource", "UntagResource", "ListSecretVersionIds",
        "UpdateSecretVersionStage", "RotateSecret", "CancelRotateSecret",
    }
)  # fmt: skip


def _secretsmanager(op: str, p: Params, s: Scope) -> list[Request]:
    if op in _SECRET_OPS:
        return [Request.of(f"secretsmanager:{op}", s.secret_arn(p["SecretId"]))]
    if op == "CreateSecret":
        arn = s.secret_arn(p["Name"])
        out = [Request.of("secretsmanager:CreateSecret", arn)]
        if p.get("Tags"):
            out.append(Request.of("secretsmanager:TagResource", arn))
        return out
    if op in ("ListSecrets", "GetRandomPassword"):
        return [Request.of(f"secretsmanager:{op}", "*")]
    raise UnmappedOperationError(f"secretsmanager {op}")


# --------------------------------------------------------------------------- SNS / SQS


def _sns(op: str, p: Params, s: Scope) -> list[Request]:
    if op == "Publish":
        target = p.get("TopicArn") or p.get("TargetArn")
        return [Request.of("sns:Publish", target or "*")]
    if op in ("CreatePlatformEndpoint", "ListEndpointsByPlatformApplication"):
        return [Request.of(f"sns:{op}", p["PlatformApplicationArn"])]
    if op in ("GetEndpointAttributes", "SetEndpointAttributes", "DeleteEndpoint"):
        return [Request.of(f"sns:{op}", p["EndpointArn"])]
    if op in ("GetTopicAttributes", "Subscribe", "DeleteTopic"):
        return [Request.of(f"sns:{op}", p["TopicArn"])]
    raise UnmappedOperationError(f"sns {op}")


# Batch actions are authorized by their single-message action (SQS developer guide, "Amazon
# SQS batch actions": "You cannot set permissions explicitly for SendMessageBatch,
# DeleteMessageBatch, or ChangeMessageVisibilityBatch").
_SQS_BATCH = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def _sqs(op: str, p: Params, s: Scope) -> list[Request]:
    if op in (
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "GetQueueAttributes",
        "ChangeMessageVisibility",
    ):
        return [Request.of(f"sqs:{op}", s.queue(p["QueueUrl"]))]
    if op in _SQS_BATCH:
        return [Request.of(f"sqs:{_SQS_BATCH[op]}", s.queue(p["QueueUrl"]))]
    if op == "GetQueueUrl":
        return [Request.of("sqs:GetQueueUrl", s.arn("sqs", p["QueueName"]))]
    raise UnmappedOperationError(f"sqs {op}")


# --------------------------------------------------------------------------- KMS

_KMS_KEY_OPS = frozenset({"GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "Decrypt",
                          "Encrypt", "ReEncrypt", "DescribeKey"})  # fmt: skip


def _kms(op: str, p: Params, s: Scope) -> list[Request]:
    if op not in _KMS_KEY_OPS:
        raise UnmappedOperationError(f"kms {op}")
    key = p.get("KeyId")
    if not key:
        # Decrypt may omit KeyId for symmetric ciphertexts; KMS then finds the key in the blob,
        # which this mapping cannot read: the code always names its key.
        raise UnmappedOperationError(f"kms {op} without KeyId")
    if key.startswith("alias/") or ":alias/" in key:
        arn = s.key_arn(key)  # KMS authorizes a call made by alias on the key it names
    else:
        arn = key if key.startswith("arn:") else s.arn("kms", f"key/{key}")
    context = dict(p.get("EncryptionContext") or {})
    keys: dict[str, Any] = {f"kms:EncryptionContext:{k}": v for k, v in context.items()}
    if context:
        keys["kms:EncryptionContextKeys"] = sorted(context)
    return [Request.of(f"kms:{op}", arn, **keys)]


_SERVICES: dict[str, Callable[[str, Params, Scope], list[Request]]] = {
    "dynamodb": _dynamodb,
    "dynamodbstreams": _dynamodbstreams,
    "kms": _kms,
    "s3": _s3,
    "secretsmanager": _secretsmanager,
    "sns": _sns,
    "sqs": _sqs,
}


def requests_for(service: str, operation: str, params: Params, scope: Scope) -> list[Request]:
    """The authorization requests one API call makes (several for batch/transaction calls)."""
    mapper = _SERVICES.get(service)
    if mapper is None:
        raise UnmappedOperationError(f"service {service} ({operation})")
    return mapper(operation, params, scope)
