"""The ingestion ledger: what was uploaded, parsed or pushed, per user.

Keys: ``msg#<message id>#<sha256>`` an attachment/body taken from Gmail; ``mail#<kind>#<message
id>`` every wanted attachment/body of that Gmail message is taken (so a later sync skips it by id,
before fetching or downloading anything); ``sync#<kind>`` the mailbox's Gmail ``historyId`` after
the last complete sync (incremental sync starts there); ``obj#<s3 key>`` the outcome of parsing an
uploaded object; ``push#<invoice id>`` a notification was sent; ``order#<vendor id>#<order id>`` a
retail order was stored. Claims are conditional writes, and a
claim that was never completed (crash or timeout between claim and upload) expires when the
invocation that took it can no longer be running: at its deadline, from the Lambda context's
remaining time, as Powertools idempotency expires in-progress records
(``in_progress_expiry_timestamp``). A retry after a timeout therefore proceeds at once, while
a claim of an invocation still running keeps blocking duplicates. Claims and records are
fenced by the account-deletion tombstone (paypulse_common.tombstone): nothing is written for a
deleted user.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

from paypulse_common import aws, metrics
from paypulse_common.dynamo import from_item, query_all, to_item
from paypulse_common.errors import DependencyError, UserDeletedError
from paypulse_common.runtime import remaining_seconds, settings
from paypulse_common.tombstone import (
    MAX_FENCED_WRITES,
    cancelled_item,
    fenced_write,
    fenced_write_if,
)

# Outside a Lambda invocation (no context, e.g. a script) a claim is held this long.
STALE_CLAIM_SECONDS = 15 * 60
_CLAIMABLE = (
    "attribute_not_exists(LedgerKey) OR (#s = :c AND (claim_expires_ms < :now_ms"
    " OR (attribute_not_exists(claim_expires_ms) AND claimed_at < :stale)))"
)
DONE = "done"
CLAIMED = "claimed"


def _table() -> str:
    return settings().table("ingestion_ledger")


def _key(user_id: str, ledger_key: str) -> dict[str, Any]:
    return {"UserID": {"S": user_id}, "LedgerKey": {"S": ledger_key}}


def _claim_fields() -> tuple[dict[str, Any], dict[str, Any]]:
    """The attributes a claim carries and the values its condition compares with."""
    now = time.time()
    left = remaining_seconds()
    expires = now + (left if left is not None else STALE_CLAIM_SECONDS)
    attrs = {
        "status": {"S": CLAIMED},
        "claimed_at": {"N": str(int(now))},
        "claim_expires_ms": {"N": str(int(expires * 1000))},
    }
    values = {
        ":c": {"S": CLAIMED},
        ":now_ms": {"N": str(int(now * 1000))},
        ":stale": {"N": str(int(now) - STALE_CLAIM_SECONDS)},
    }
    return attrs, values


def message_key(message_id: str, sha256: str) -> str:
    return f"msg#{message_id}#{sha256}"


def object_key(s3_key: str) -> str:
    return f"obj#{s3_key}"


def mail_key(kind: str, message_id: str) -> str:
    return f"mail#{kind}#{message_id}"


def sync_key(kind: str) -> str:
    return f"sync#{kind}"


def summary_key(job_id: str) -> str:
    """The import summary of an ingest job (what it uploaded, parsed and imported)."""
    return f"summary#{job_id}"


def summary_settled(row: dict[str, Any]) -> bool:
    """Whether an import summary row's job is settled: every chunk done, every upload parsed
    (paypulse_invoices.import_summary)."""
    chunks_done = set(row.get("chunks_done") or ())
    uploads = set(row.get("uploads") or ())
    return len(chunks_done) >= int(row.get("chunks", 0)) and uploads <= set(row.get("parsed") or ())


def summary_push_key(job_id: str) -> str:
    """The one summary push of an ingest job (claimed before it is sent)."""
    return f"push#summary#{job_id}"


async def seen_messages(user_id: str, kind: str, message_ids: Iterable[str]) -> set[str]:
    """The ids among ``message_ids`` whose message entry (``mail_key``) is done: taken by an
    earlier run. One Query over the user's ``mail#<kind>#`` entries (every page; a few
    hundred bytes an entry, so one page holds years of mail) instead of a read per id."""
    wanted = set(message_ids)
    if not wanted:
        return set()
    prefix = mail_key(kind, "")
    db = await aws.client("dynamodb")
    seen: set[str] = set()
    try:
        async for item in query_all(
            db,
            TableName=_table(),
            KeyConditionExpression="UserID = :u AND begins_with(LedgerKey, :p)",
            ProjectionExpression="LedgerKey, #s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":u": {"S": user_id}, ":p": {"S": prefix}},
            ConsistentRead=True,
        ):
            message_id = item["LedgerKey"]["S"][len(prefix) :]
            if message_id in wanted and item.get("status", {}).get("S") == DONE:
                seen.add(message_id)
    except Exception as exc:
        raise DependencyError("Database error (ledger)") from exc
    return seen


async def mark_seen(user_id: str, kind: str, message_ids: Iterable[str]) -> None:
    """Record that every wanted part of these Gmail messages was taken."""
    await record_many(
        user_id, {mail_key(kind, m): {"kind": kind} for m in dict.fromkeys(message_ids)}
    )


async def synced_history(user_id: str, kind: str) -> tuple[int, str] | None:
    """The Gmail ``historyId`` stored after the user's last complete ``kind`` sync, and the
    Gmail address of the mailbox it belongs to."""
    entry = await get(user_id, sync_key(kind))
    if not entry or entry.get("history_id") is None:
        return None
    return int(entry["history_id"]), str(entry.get("account") or "")


async def advance_history(user_id: str, kind: str, history_id: int, account: str) -> bool:
    """Store ``history_id`` of ``account``'s mailbox as where the next ``kind`` sync starts,
    only if it is newer than the stored one or the stored one is another mailbox's (a
    conditional write: overlapping or late runs never move it back), behind the tombstone
    fence (UserDeletedError once the user is deleted). False when not written."""
    item = _key(user_id, sync_key(kind))
    item.update(
        {
            "history_id": {"N": str(int(history_id))},
            "account": {"S": account},
            "kind": {"S": kind},
            "status": {"S": DONE},
            "updated_at": {"N": str(int(time.time()))},
        }
    )
    put = {
        "TableName": _table(),
        "Item": item,
        "ConditionExpression": "attribute_not_exists(LedgerKey) OR history_id < :h OR account <> :a",
        "ExpressionAttributeValues": {":h": {"N": str(int(history_id))}, ":a": {"S": account}},
    }
    return await fenced_write_if(user_id, [{"Put": put}], "ledger")


async def claim(user_id: str, ledger_key: str, **attrs: Any) -> bool:
    """Take a claim; False when the entry is done or freshly claimed by someone else."""
    claim_attrs, values = _claim_fields()
    item = {**to_item(attrs), **_key(user_id, ledger_key), **claim_attrs}
    return await fenced_write_if(user_id, [_claim_put(item, values)], "ledger")


def _claim_put(item: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": _table(),
            "Item": item,
            "ConditionExpression": _CLAIMABLE,
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": values,
        }
    }


async def claim_many(user_id: str, entries: dict[str, dict[str, Any]]) -> set[str]:
    """Claim many entries (ledger key → attributes) with conditional writes, 99 per
    transaction behind the tombstone fence; returns the keys claimed. Entries that are done or
    freshly claimed elsewhere are left out (read from the transaction's cancellation reasons,
    then retried without them). UserDeletedError once the user is deleted."""
    claim_attrs, values = _claim_fields()
    claimed: set[str] = set()
    keys = list(entries)
    for start in range(0, len(keys), MAX_FENCED_WRITES):
        chunk = keys[start : start + MAX_FENCED_WRITES]
        while chunk:
            items = [
                _claim_put({**to_item(entries[key]), **_key(user_id, key), **claim_attrs}, values)
                for key in chunk
            ]
            try:
                await fenced_write(user_id, items)
                claimed.update(chunk)
                break
            except UserDeletedError:
                raise
            except Exception as exc:
                taken = {key for i, key in enumerate(chunk) if cancelled_item(exc, i)}
                if not taken:
                    raise DependencyError("Database error (ledger)") from exc
                chunk = [k for k in chunk if k not in taken]
    return claimed


async def record_many(
    user_id: str,
    entries: dict[str, dict[str, Any]],
    status: str = DONE,
    *,
    also: list[dict[str, Any]] | None = None,
) -> None:
    """Write the final state of many entries (99 per transaction behind the tombstone fence;
    UserDeletedError once the user is deleted). ``also``: transaction items written in the
    same transaction as the first entries (all or nothing with them)."""
    now = str(int(time.time()))
    puts = list(also or [])
    for key, attrs in entries.items():
        item = {**to_item(attrs), **_key(user_id, key)}
        item.update({"status": {"S": status}, "updated_at": {"N": now}})
        puts.append({"Put": {"TableName": _table(), "Item": item}})
    for start in range(0, len(puts), MAX_FENCED_WRITES):
        try:
            await fenced_write(user_id, puts[start : start + MAX_FENCED_WRITES])
        except UserDeletedError:
            raise
        except Exception as exc:
            raise DependencyError("Database error (ledger)") from exc
    for key in entries:
        metrics.ledger_outcome(key, status)


async def release(user_id: str, ledger_key: str) -> None:
    """Give a claim back after a failure, so the next run retries at once."""
    db = await aws.client("dynamodb")
    try:
        await db.delete_item(
            TableName=_table(),
            Key=_key(user_id, ledger_key),
            ConditionExpression="#s = :c",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":c": {"S": CLAIMED}},
        )
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise DependencyError("Database error (ledger)") from exc


async def record(
    user_id: str,
    ledger_key: str,
    status: str = DONE,
    *,
    also: list[dict[str, Any]] | None = None,
    **attrs: Any,
) -> None:
    """Write the final state of an entry (overwrites; behind the tombstone fence). ``also``:
    transaction items written with it, all or nothing (after it: the cancellation reason of
    ``also[i]`` is ``cancelled_item(exc.__cause__, i + 1)``)."""
    item = {**to_item(attrs), **_key(user_id, ledger_key)}
    item["status"] = {"S": status}
    item["updated_at"] = {"N": str(int(time.time()))}
    try:
        await fenced_write(user_id, [{"Put": {"TableName": _table(), "Item": item}}, *(also or [])])
    except UserDeletedError:
        raise
    except Exception as exc:
        raise DependencyError("Database error (ledger)") from exc
    metrics.ledger_outcome(ledger_key, status)


async def get(user_id: str, ledger_key: str) -> dict[str, Any] | None:
    db = await aws.client("dynamodb")
    try:
        response = await db.get_item(
            TableName=_table(), Key=_key(user_id, ledger_key), ConsistentRead=True
        )
    except Exception as exc:
        raise DependencyError("Database error (ledger)") from exc
    return from_item(response["Item"]) if "Item" in response else None


async def delete(user_id: str, ledger_key: str) -> None:
    db = await aws.client("dynamodb")
    try:
        await db.delete_item(TableName=_table(), Key=_key(user_id, ledger_key))
    except Exception as exc:
        raise DependencyError("Database error (ledger)") from exc


async def entries(user_id: str, prefix: str) -> AsyncIterator[dict[str, Any]]:
    """Every entry of the user whose key starts with ``prefix`` (all pages)."""
    db = await aws.client("dynamodb")
    try:
        async for item in query_all(
            db,
            TableName=_table(),
            KeyConditionExpression="UserID = :u AND begins_with(LedgerKey, :p)",
            ExpressionAttributeValues={":u": {"S": user_id}, ":p": {"S": prefix}},
        ):
            yield from_item(item)
    except Exception as exc:
        raise DependencyError("Database error (ledger)") from exc
