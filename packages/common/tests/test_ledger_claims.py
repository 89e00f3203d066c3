"""Ledger claims expire with the invocation that took them (Lambda context's remaining time),
so the retry after a timeout proceeds at once; a claim of a running invocation still blocks."""

import pytest

from paypulse_common import ledger
from paypulse_common.errors import UserDeletedError
from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.invocations import LambdaContext

USER = "user_00000000-0000-0000-0000-000000000001"


def _user_row(local_stack, user_id, **attrs):
    boto_client("dynamodb", local_stack.aws_endpoint).put_item(
        TableName=local_stack.names.tables["users"],
        Item={"UserID": {"S": user_id}, **{k: {"S": v} for k, v in attrs.items()}},
    )


@pytest.fixture(autouse=True)
def live_user(local_stack):
    """Ledger writes are fenced by the account-deletion tombstone: the user must exist."""
    _user_row(local_stack, USER)


def in_invocation(local_stack, coro, remaining_s: float):
    """Run ``coro`` as one fetch_invoices invocation with ``remaining_s`` left, in an
    environment of its own (its clients are sized on that time; shared ones must not be)."""
    from paypulse_common.runtime import Runtime, activated

    rt = Runtime(local_stack.function_env("fetch_invoices"))
    try:
        with activated(rt):
            return rt.run(coro, LambdaContext("fetch_invoices", 256, remaining_s))
    finally:
        rt.close()


def claim_in_invocation(local_stack, key: str, remaining_s: float) -> bool:
    return in_invocation(local_stack, ledger.claim(USER, key), remaining_s)


def test_claim_of_a_timed_out_invocation_does_not_block_the_retry(local_stack):
    key = ledger.message_key("m1", "ab" * 32)
    # the first invocation claims at its very end, then is stopped by its timeout
    assert claim_in_invocation(local_stack, key, remaining_s=0.0) is True
    # Lambda's retry comes at once; it must not wait 15 minutes for the claim
    assert claim_in_invocation(local_stack, key, remaining_s=300.0) is True


def test_claim_of_a_running_invocation_blocks_a_duplicate(local_stack):
    key = ledger.message_key("m2", "cd" * 32)
    assert claim_in_invocation(local_stack, key, remaining_s=300.0) is True
    assert claim_in_invocation(local_stack, key, remaining_s=300.0) is False


def test_claim_many_follows_the_same_deadline(local_stack):
    keys = {ledger.message_key(f"m{i}", "ef" * 32): {"s3_key": f"k{i}"} for i in range(3)}

    def claim_many(remaining_s: float) -> set[str]:
        return in_invocation(local_stack, ledger.claim_many(USER, keys), remaining_s)

    assert claim_many(0.0) == set(keys)
    assert claim_many(300.0) == set(keys)
    assert claim_many(300.0) == set()


@pytest.mark.parametrize("row", ["tombstoned", "gone"])
def test_no_ledger_write_for_a_deleted_user(local_stack, row):
    """Claims and records commit only while the user row exists without a tombstone (one
    transaction with a ConditionCheck on it), and nothing is left behind when refused."""
    user = f"user_00000000-0000-0000-0000-00000000000{'2' if row == 'tombstoned' else '3'}"
    if row == "tombstoned":
        _user_row(local_stack, user, deleted_at="2026-01-01T00:00:00+00:00")
    keys = {ledger.message_key(f"d{i}", "ab" * 32): {"s3_key": f"k{i}"} for i in range(3)}
    writes = [
        ledger.claim(user, "msg#one"),
        ledger.claim_many(user, keys),
        ledger.record(user, "obj#x", status="failed"),
        ledger.record_many(user, keys),
    ]
    for write in writes:
        with pytest.raises(UserDeletedError):
            in_invocation(local_stack, write, remaining_s=300.0)
    rows = boto_client("dynamodb", local_stack.aws_endpoint).query(
        TableName=local_stack.names.tables["ingestion_ledger"],
        KeyConditionExpression="UserID = :u",
        ExpressionAttributeValues={":u": {"S": user}},
    )
    assert rows["Count"] == 0
