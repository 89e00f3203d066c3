"""Account deletion that holds under concurrency: the tombstone and the writes it fences.

``DELETE /v1/user/me`` first marks the user row deleted (``deleted_at``), then purges, and
removes the row last, so a second DELETE after a partial failure finds it and finishes the job.
Every write of user-owned data made by a worker, parser or notifier is fenced by the tombstone:

- DynamoDB rows: one ``TransactWriteItems`` whose first item is a ``ConditionCheck`` on the
  user row (``attribute_exists(UserID) AND attribute_not_exists(deleted_at)``), so the check
  and the write are one atomic step (no check-then-write race). A write that commits before the
  tombstone is visible to the purge, which starts after it; one that comes later is refused.
- S3 objects and secrets cannot be conditioned on a DynamoDB item: they are written, then the
  user row is read (strongly consistent) and, when the tombstone is there, the writer deletes
  what it wrote. Either the read came before the tombstone, so the write came before the purge
  listed the keys, or the writer sees the tombstone and removes it itself.

A refused write raises ``UserDeletedError`` (permanent: asynchronous triggers drop the work,
an API request answers 401 TOKEN_EXPIRED, on which the app logs out).

TransactWriteItems: at most 100 items per transaction, ConditionCheck authorized as
``dynamodb:ConditionCheckItem`` (Amazon DynamoDB Developer Guide, "Amazon DynamoDB
Transactions: How it works" and "Using IAM policies with DynamoDB transactions")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paypulse_common import aws
from paypulse_common.errors import DependencyError, UserDeletedError
from paypulse_common.runtime import settings

LIVE_CONDITION = "attribute_exists(UserID) AND attribute_not_exists(deleted_at)"
MAX_TRANSACTION_ITEMS = 100  # the fence takes one of them
MAX_FENCED_WRITES = MAX_TRANSACTION_ITEMS - 1


def _users() -> str:
    return settings().table("users")


def live_check(user_id: str) -> dict[str, Any]:
    """The ConditionCheck item that makes a transaction fail once the user is deleted."""
    return {
        "ConditionCheck": {
            "TableName": _users(),
            "Key": {"UserID": {"S": user_id}},
            "ConditionExpression": LIVE_CONDITION,
        }
    }


async def fenced_write(user_id: str, items: list[dict[str, Any]]) -> None:
    """Write ``items`` (TransactWriteItems entries, at most 99) only while the user is live.

    UserDeletedError when the user is deleted or being deleted; any other failure (another
    item's own condition included) is raised as the client raised it, so callers read its
    ``CancellationReasons`` (offset by one: the fence is item 0)."""
    if len(items) > MAX_FENCED_WRITES:
        raise ValueError(f"at most {MAX_FENCED_WRITES} writes per fenced transaction")
    db = await aws.client("dynamodb")
    try:
        await db.transact_write_items(TransactItems=[live_check(user_id), *items])
    except Exception as exc:
        if aws.error_code(exc) == "TransactionCanceledException":
            reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise UserDeletedError() from exc
        raise


def cancelled_item(exc: BaseException, index: int) -> bool:
    """Whether the fenced transaction's ``index``-th write (0-based, fence excluded) failed
    its own condition."""
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return (
        aws.error_code(exc) == "TransactionCanceledException"
        and len(reasons) > index + 1
        and reasons[index + 1].get("Code") == "ConditionalCheckFailed"
    )


async def fenced_write_if(user_id: str, items: list[dict[str, Any]], what: str) -> bool:
    """``fenced_write`` whose first write is conditional: False when that condition failed
    (taken, already stored), True when written. UserDeletedError for a deleted user; any other
    failure is a DependencyError naming ``what``."""
    try:
        await fenced_write(user_id, items)
        return True
    except UserDeletedError:
        raise
    except Exception as exc:
        if cancelled_item(exc, 0):
            return False
        raise DependencyError(f"Database error ({what})") from exc


async def is_live(user_id: str) -> bool:
    """One strongly consistent GetItem projecting only the key and the tombstone."""
    db = await aws.client("dynamodb")
    try:
        response = await db.get_item(
            TableName=_users(),
            Key={"UserID": {"S": user_id}},
            ConsistentRead=True,
            ProjectionExpression="UserID, deleted_at",
        )
    except Exception as exc:
        raise DependencyError("Database error") from exc
    item = response.get("Item")
    return bool(item) and "deleted_at" not in item


async def ensure_live(user_id: str) -> None:
    if not await is_live(user_id):
        raise UserDeletedError()


async def mark_deleted(user_id: str) -> None:
    """Write the tombstone (the first one's time is kept when repeated)."""
    db = await aws.client("dynamodb")
    now = datetime.now(UTC).isoformat()
    try:
        await db.update_item(
            TableName=_users(),
            Key={"UserID": {"S": user_id}},
            UpdateExpression="SET deleted_at = if_not_exists(deleted_at, :now)",
            ConditionExpression="attribute_exists(UserID)",
            ExpressionAttributeValues={":now": {"S": now}},
        )
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            raise UserDeletedError() from exc
        raise DependencyError("Database error while deleting the account") from exc


async def put_object_fenced(user_id: str, **put: Any) -> None:
    """PutObject, then the tombstone check; a deleted user's object is deleted again (the
    version just written) and UserDeletedError raised."""
    s3 = await aws.client("s3")
    response = await s3.put_object(**put)
    if await is_live(user_id):
        return
    try:
        kwargs = {"Bucket": put["Bucket"], "Key": put["Key"]}
        if response.get("VersionId"):
            kwargs["VersionId"] = response["VersionId"]
        await s3.delete_object(**kwargs)
    except Exception as exc:
        raise DependencyError("Could not remove an object of a deleted account") from exc
    raise UserDeletedError()
