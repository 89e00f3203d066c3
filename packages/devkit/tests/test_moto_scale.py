"""moto_scale: a cancelled TransactWriteItems leaves every item (and the table's stream) as it
was, although moto no longer rolls back from a deep copy of the whole table; SQS receives
still drop messages past the queue's retention period."""

from __future__ import annotations

import uuid

import botocore.exceptions
import pytest

from paypulse_devkit.aws_local import boto_client


@pytest.fixture
def table(local_stack):
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    name = f"scale-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    yield ddb, name
    ddb.delete_table(TableName=name)


def _records(local_stack, ddb, name) -> list[str]:
    streams = boto_client("dynamodbstreams", local_stack.aws_endpoint)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=it["ShardIterator"])["Records"]
    return [f"{r['eventName']} {r['dynamodb']['Keys']['pk']['S']}" for r in records]


def _get(ddb, name, pk):
    return ddb.get_item(TableName=name, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def test_cancelled_transaction_changes_nothing(local_stack, table):
    ddb, name = table
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "d"}, "v": {"N": "1"}})
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}, "v": {"N": "9"}}}},
                {
                    "Update": {
                        "TableName": name,
                        "Key": {"pk": {"S": "a"}},
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"N": "2"}},
                    }
                },
                {"Delete": {"TableName": name, "Key": {"pk": {"S": "d"}}}},
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": {"pk": {"S": "c"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _get(ddb, name, "a") == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert _get(ddb, name, "d") == {"pk": {"S": "d"}, "v": {"N": "1"}}
    assert _get(ddb, name, "b") is None
    assert _records(local_stack, ddb, name) == ["INSERT a", "INSERT d"]  # nothing of the attempt

    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}, "v": {"N": "9"}}}},
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "d"}}}},
        ]
    )
    assert _get(ddb, name, "b") == {"pk": {"S": "b"}, "v": {"N": "9"}}
    assert _get(ddb, name, "d") is None
    assert _records(local_stack, ddb, name)[2:] == ["INSERT b", "REMOVE d"]


def test_a_cancelled_transaction_does_not_swap_in_a_copy_of_the_table(local_stack, table):
    """moto's own rollback replaces the table with a deep copy made before the transaction
    (the cost that grows with the table); the patched one restores the named items in place."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from paypulse_devkit.aws_local import REGION

    ddb, name = table
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
    before = backend.tables[name]
    with pytest.raises(botocore.exceptions.ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "x"}}}},
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": {"pk": {"S": "y"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert backend.tables[name] is before
    assert _get(ddb, name, "x") is None


def test_queue_counts_keep_visible_in_flight_and_delayed_apart(local_stack):
    sqs = boto_client("sqs", local_stack.aws_endpoint)
    url = sqs.create_queue(QueueName=f"scale-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    [taken] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)[
        "Messages"
    ]

    def counts() -> dict[str, str]:
        return sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]

    assert counts() == {
        "ApproximateNumberOfMessages": "1",
        "ApproximateNumberOfMessagesNotVisible": "1",
        "ApproximateNumberOfMessagesDelayed": "1",
    }
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=taken["ReceiptHandle"], VisibilityTimeout=0
    )
    assert counts()["ApproximateNumberOfMessages"] == "2"
    bodies = {
        m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    }
    assert bodies == {"a", "b"}  # the delayed one is not received yet
    sqs.delete_queue(QueueUrl=url)
