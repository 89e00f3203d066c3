"""Local AWS: moto in server mode, provisioned from the same declarations as the Pulumi program
(tables with their keys, indexes, streams and TTL; versioned buckets; secrets with a generated
JWT key; KMS keys; topics; an APNs platform application)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from infra.workspace import Workspace

REGION = "eu-west-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


def use_fake_credentials() -> None:
    """moto accepts any credentials; make sure no real ones are picked up by accident."""
    os.environ.update(FAKE_CREDENTIALS)
    for var in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(var, None)


@dataclass
class PhysicalNames:
    tables: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    stream_arns: dict[str, str] = field(default_factory=dict)
    # KMS keys: the functions get the alias (stable across resets, which give keys new ids);
    # their policies name the key ARN (key_arns), as the deployed ones do.
    keys: dict[str, str] = field(default_factory=dict)
    key_arns: dict[str, str] = field(default_factory=dict)
    apns_platform_app_arn: str | None = None
    queues: dict[str, str] = field(default_factory=dict)  # logical -> queue URL
    queue_arns: dict[str, str] = field(default_factory=dict)
    dead_letter_queues: dict[str, str] = field(default_factory=dict)  # logical -> DLQ URL

    def lookup(self, kind: str, logical: str) -> str:
        return {
            "TABLE": self.tables,
            "BUCKET": self.buckets,
            "SECRET": self.secrets,
            "TOPIC": self.topics,
            "QUEUE": self.queues,
            "KEY": self.keys,
        }[kind][logical]


def serialize_dynamodb() -> None:
    """One DynamoDB request at a time in this process's moto. DynamoDB makes each conditional
    write and each transaction atomic; moto checks conditions and applies (or rolls back from a
    deep copy) without a lock, so concurrent requests from the worker threads can both pass
    ``attribute_not_exists`` (two sign-ups of one e-mail) or undo each other's writes."""
    import threading

    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler, "_paypulse_serialized", False):
        return
    lock = threading.RLock()
    call_action = DynamoHandler.call_action

    def serialized(self: Any) -> Any:
        with lock:
            return call_action(self)

    DynamoHandler.call_action = serialized  # type: ignore[method-assign]
    DynamoHandler._paypulse_serialized = True  # type: ignore[attr-defined]


class MotoServer:
    """moto in server mode: in this process (default; the local stack can then read what was
    published to SNS), or as a child process (``separate=True``) so that AWS work does not
    share the caller's GIL, as real AWS never runs inside a Lambda's process."""

    def __init__(self, *, separate: bool = False) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = (
            None if separate else ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        )
        self._process: Any = None

    def start(self) -> str:
        if self._server is not None:
            from paypulse_devkit import moto_scale

            moto_scale.apply()  # serialized DynamoDB, no per-request cost growing with the data
            self._server.start()
            host, port = self._server.get_host_and_port()
            return f"http://{host}:{port}"
        import socket
        import subprocess
        import sys
        import time
        import urllib.request

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "paypulse_devkit.moto_scale",
                "-H",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    return url
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto server did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        elif self._process is not None:
            import subprocess

            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # busy with a large backlog: stop it for good
                self._process.kill()
                self._process.wait(timeout=10)


def boto_client(service: str, endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def reset(endpoint_url: str) -> None:
    """Forget every resource in the moto server (about 2 ms)."""
    import urllib.request

    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


def provision(
    ws: Workspace,
    endpoint_url: str,
    *,
    prefix: str = "paypulse-local",
    jwt_signing_key: str | None = None,
) -> PhysicalNames:
    """Create every declared resource in the moto server; return their physical names."""
    names = PhysicalNames()
    ddb = boto_client("dynamodb", endpoint_url)
    for table in ws.resources.tables.values():
        physical = f"{prefix}-{table.name.replace('_', '-')}"
        key_schema = [{"AttributeName": table.hash_key, "KeyType": "HASH"}]
        if table.range_key:
            key_schema.append({"AttributeName": table.range_key, "KeyType": "RANGE"})
        kwargs: dict[str, Any] = {
            "TableName": physical,
            "KeySchema": key_schema,
            "AttributeDefinitions": [
                {"AttributeName": n, "AttributeType": t} for n, t in table.attributes.items()
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if table.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": idx.name,
                    "KeySchema": [{"AttributeName": idx.hash_key, "KeyType": "HASH"}]
                    + (
                        [{"AttributeName": idx.range_key, "KeyType": "RANGE"}]
                        if idx.range_key
                        else []
                    ),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for idx in table.indexes
            ]
        if table.stream:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream}
        description = ddb.create_table(**kwargs)["TableDescription"]
        if table.stream:
            names.stream_arns[table.name] = description["LatestStreamArn"]
        if table.ttl:
            ddb.update_time_to_live(
                TableName=physical,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl},
            )
        names.tables[table.name] = physical

    s3 = boto_client("s3", endpoint_url)
    for bucket in ws.resources.buckets.values():
        physical = f"{prefix}-{bucket.name}"
        s3.create_bucket(Bucket=physical, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=physical, VersioningConfiguration={"Status": "Enabled"})
        names.buckets[bucket.name] = physical

    sm = boto_client("secretsmanager", endpoint_url)
    values = {
        "jwt_signing_key": jwt_signing_key or secrets.token_urlsafe(48),
        "google_client_id": "local-ios-client.apps.googleusercontent.com",
    }
    for secret in ws.resources.secrets.values():
        if secret.prefix:  # one secret per user, created at runtime, scoped to the stack as
            # infra scopes it (infra.config.StackSettings.secret_prefix): IAM ``<prefix>*``
            names.secrets[secret.name] = f"{prefix}/{secret.prefix}"
            continue
        physical = f"{prefix}/{secret.name}"
        # Every declared secret exists, as infra creates it; one without a configured value
        # (an optional feature) has no version, so reading it answers ResourceNotFound.
        if secret.name in values:
            sm.create_secret(Name=physical, SecretString=values[secret.name])
        else:
            sm.create_secret(Name=physical)
        names.secrets[secret.name] = physical

    sqs = boto_client("sqs", endpoint_url)
    for q in ws.resources.queues.values():
        physical = f"{prefix}-{q.name}"
        retention = str(q.retention_days * 24 * 3600)
        dlq = sqs.create_queue(
            QueueName=f"{physical}-dlq", Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)}
        )["QueueUrl"]
        dlq_arn = _queue_arn(sqs, dlq)
        url = sqs.create_queue(
            QueueName=physical,
            Attributes={
                "VisibilityTimeout": str(ws.visibility_timeout(q.name)),
                "MessageRetentionPeriod": retention,
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": q.max_receive_count}
                ),
            },
        )["QueueUrl"]
        names.queues[q.name] = url
        names.queue_arns[q.name] = _queue_arn(sqs, url)
        names.dead_letter_queues[q.name] = dlq

    if ws.resources.keys:
        kms = boto_client("kms", endpoint_url)
        for key in ws.resources.keys.values():
            arn = kms.create_key(Description=key.description, KeyUsage="ENCRYPT_DECRYPT")[
                "KeyMetadata"
            ]["Arn"]
            kms.enable_key_rotation(KeyId=arn)
            alias = f"alias/{prefix}/{key.name}"
            kms.create_alias(AliasName=alias, TargetKeyId=arn)
            names.keys[key.name], names.key_arns[key.name] = alias, arn
    load_vendor_configs(ddb, names.tables["vendor_config"], ws.root / "vendor_configs")
    sns = boto_client("sns", endpoint_url)
    for topic in ws.resources.topics.values():
        names.topics[topic.name] = sns.create_topic(Name=f"{prefix}-{topic.name}")["TopicArn"]
    names.apns_platform_app_arn = sns.create_platform_application(
        Name=f"{prefix}-apns",
        Platform="APNS_SANDBOX",
        Attributes={"PlatformCredential": "local", "PlatformPrincipal": "local"},
    )["PlatformApplicationArn"]
    return names


def _queue_arn(sqs: Any, url: str) -> str:
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(answer["Attributes"]["QueueArn"])


def load_vendor_configs(ddb: Any, table: str, folder: Any) -> int:
    """One VendorConfig item per vendor_configs/*.json file (as the Pulumi program does)."""
    from paypulse_common.dynamo import to_item
    from paypulse_parsers.vendors import load_vendor_configs as read_configs

    configs = read_configs(folder)
    for config in configs:
        ddb.put_item(TableName=table, Item=to_item(config))
    return len(configs)
