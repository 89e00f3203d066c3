"""The ``gmail_watches`` table: each user's Gmail push watch and the pushes already handled.

- ``watch``: the mailbox address Gmail names in its pushes (``GmailAddress``, lower-cased: the
  Google account, which may differ from the app login), the watch's expiry (``ExpiresAt``, epoch
  ms) and its shard (``WatchShard``). ``GmailAddress-index`` finds the user of a push without a
  scan; ``ExpiresAt-index`` gives the daily renewal the watches expiring soon, SHARDS partitions
  read one after the other, each sorted by expiry.
- ``push#<Pub/Sub message id>``: a push already handled (a redelivery changes nothing), kept
  for PUSH_TTL_S by DynamoDB's TTL.
- ``pending``: a ``gmail_push`` job of this user is queued and has not started (``since``, epoch
  s): pushes meanwhile queue nothing more, that job's sync will read their mail. The worker
  deletes it before it reads the mailbox's history.

Every write is fenced by the account-deletion tombstone (nothing is written for a deleted user);
``delete_user`` purges the table like every user-data table.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any

from paypulse_common import aws
from paypulse_common.dynamo import from_item, query_all
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import settings
from paypulse_common.tombstone import fenced_write, fenced_write_if

WATCH = "watch"
PENDING = "pending"
SHARDS = 8
# Pub/Sub keeps an unacknowledged message up to 7 days by default (message retention), so a
# redelivery can come that late.
PUSH_TTL_S = 7 * 86400
MAX_USERS_PER_ADDRESS = 10  # app accounts connected to one Gmail address that a push reaches


def _table() -> str:
    return settings().table("gmail_watches")


def shard(user_id: str) -> str:
    return f"w{int(hashlib.sha256(user_id.encode()).hexdigest()[:8], 16) % SHARDS}"


def _key(user_id: str, entry: str) -> dict[str, Any]:
    return {"UserID": {"S": user_id}, "Entry": {"S": entry}}


def watch_item(user_id: str, address: str, expires_ms: int) -> dict[str, Any]:
    """The row of ``user_id``'s watch on ``address`` (DynamoDB attribute values)."""
    return {
        **_key(user_id, WATCH),
        "GmailAddress": {"S": address.strip().lower()},
        "WatchShard": {"S": shard(user_id)},
        "ExpiresAt": {"N": str(int(expires_ms))},
        "renewed_at": {"N": str(int(time.time()))},
    }


async def save_watch(user_id: str, address: str, expires_ms: int) -> None:
    """Record ``user_id``'s watch on ``address`` (UserDeletedError for a deleted user).
    ``expires_ms`` 0: no live watch yet (the next renewal sets one)."""
    item = watch_item(user_id, address, expires_ms)
    await fenced_write(user_id, [{"Put": {"TableName": _table(), "Item": item}}])


async def _delete(user_id: str, entry: str) -> None:
    db = await aws.client("dynamodb")
    try:
        await db.delete_item(TableName=_table(), Key=_key(user_id, entry))
    except Exception as exc:
        raise DependencyError("Database error (gmail watches)") from exc


async def drop_watch(user_id: str) -> None:
    """Forget ``user_id``'s watch (its Gmail grant is gone for good: nothing to renew until the
    user connects again, which records a new one)."""
    await _delete(user_id, WATCH)


async def get_watch(user_id: str) -> dict[str, Any] | None:
    db = await aws.client("dynamodb")
    try:
        answer = await db.get_item(TableName=_table(), Key=_key(user_id, WATCH))
    except Exception as exc:
        raise DependencyError("Database error (gmail watches)") from exc
    return from_item(answer["Item"]) if "Item" in answer else None


async def users_watching(address: str) -> list[str]:
    """The users whose watch is on ``address`` (at most MAX_USERS_PER_ADDRESS)."""
    db = await aws.client("dynamodb")
    try:
        answer = await db.query(
            TableName=_table(),
            IndexName="GmailAddress-index",
            KeyConditionExpression="GmailAddress = :a",
            ExpressionAttributeValues={":a": {"S": address.strip().lower()}},
            Limit=MAX_USERS_PER_ADDRESS,
        )
    except Exception as exc:
        raise DependencyError("Database error (gmail watches)") from exc
    return [item["UserID"]["S"] for item in answer.get("Items", [])]


async def expiring(before_ms: int, page_size: int = 100) -> AsyncIterator[str]:
    """Users whose watch expires before ``before_ms`` (expired ones included), every page of
    every shard."""
    db = await aws.client("dynamodb")
    for n in range(SHARDS):
        try:
            async for item in query_all(
                db,
                TableName=_table(),
                IndexName="ExpiresAt-index",
                KeyConditionExpression="WatchShard = :s AND ExpiresAt < :t",
                ExpressionAttributeValues={":s": {"S": f"w{n}"}, ":t": {"N": str(before_ms)}},
                Limit=page_size,
            ):
                yield item["UserID"]["S"]
        except Exception as exc:
            raise DependencyError("Database error (gmail watches)") from exc


async def claim_push(user_id: str, message_id: str) -> bool:
    """Record that the push ``message_id`` is handled for ``user_id``: False when it was
    before (UserDeletedError for a deleted user)."""
    item = {
        **_key(user_id, f"push#{message_id}"),
        "expires_at": {"N": str(int(time.time()) + PUSH_TTL_S)},
    }
    put = {
        "TableName": _table(),
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#e)",
        "ExpressionAttributeNames": {"#e": "Entry"},
    }
    return await fenced_write_if(user_id, [{"Put": put}], "gmail watches")


async def release_push(user_id: str, message_id: str) -> None:
    """Undo ``claim_push`` (the push could not be handed on: its redelivery must be handled)."""
    await _delete(user_id, f"push#{message_id}")


async def mark_pending(user_id: str, lost_after_s: int) -> bool:
    """Record that a ``gmail_push`` job of ``user_id`` is being queued: False when one is
    queued already and not started (nothing to queue), unless its mark is older than
    ``lost_after_s`` (its message went to the dead-letter queue or was lost: queue anew).
    UserDeletedError for a deleted user."""
    now = int(time.time())
    put = {
        "TableName": _table(),
        "Item": {**_key(user_id, PENDING), "since": {"N": str(now)}},
        "ConditionExpression": "attribute_not_exists(#e) OR #s < :lost",
        "ExpressionAttributeNames": {"#e": "Entry", "#s": "since"},
        "ExpressionAttributeValues": {":lost": {"N": str(now - lost_after_s)}},
    }
    return await fenced_write_if(user_id, [{"Put": put}], "gmail watches")


async def clear_pending(user_id: str) -> None:
    """The queued ``gmail_push`` job started (or could not be queued): a later push queues
    another one."""
    await _delete(user_id, PENDING)
