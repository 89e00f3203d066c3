"""What the sync of one user's invoices of one type (rental, retail) did: counters and the
permanent failures with their reasons, one ledger row per user and type (``job#<type>``, so
deleting the user's ledger rows deletes it too).

``found`` is set when an ingest job is handed to the queue, ``stored``/``failed`` grow as the
worker finishes chunks (atomic ADDs, so concurrent chunks never lose a count), and failures
are kept as a bounded list (the newest MAX_FAILURES)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from paypulse_common import aws
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import settings

MAX_FAILURES = 50
# After this long every message of a job is either done or in the sync queue's dead-letter
# queue: the worker's visibility timeout (6 x its 900 s timeout) times the queue's
# max_receive_count (5), from the declarations (a test keeps them equal).
DEAD_LETTER_HORIZON_S = 6 * 900 * 5
# Every attribute by placeholder: several are DynamoDB reserved words (e.g. "stored").
_NAMES = {
    "#job": "job_id",
    "#started": "started_at",
    "#updated": "updated_at",
    "#found": "found",
    "#stored": "stored",
    "#failed": "failed",
    "#failures": "failures",
    "#processed": "processed",
    "#unfinished": "unfinished_since",
}


def job_key(kind: str) -> str:
    return f"job#{kind}"


def _key(user_id: str, kind: str) -> dict[str, Any]:
    return {"UserID": {"S": user_id}, "LedgerKey": {"S": job_key(kind)}}


async def _update(
    user_id: str, kind: str, expression: str, values: dict[str, Any], condition: str | None = None
) -> bool:
    """False when ``condition`` did not hold (nothing written). Fenced by the account-deletion
    tombstone (UserDeletedError: nothing is written for a deleted user)."""
    from paypulse_common.errors import UserDeletedError
    from paypulse_common.tombstone import cancelled_item, fenced_write

    update: dict[str, Any] = {
        "TableName": settings().table("ingestion_ledger"),
        "Key": _key(user_id, kind),
        "UpdateExpression": expression,
        "ExpressionAttributeValues": values,
    }
    if condition:
        update["ConditionExpression"] = condition
    text = expression + " " + (condition or "")
    update["ExpressionAttributeNames"] = {k: v for k, v in _NAMES.items() if k in text}
    try:
        await fenced_write(user_id, [{"Update": update}])
    except UserDeletedError:
        raise
    except Exception as exc:
        if condition and cancelled_item(exc, 0):
            return False
        raise DependencyError("Database error (sync status)") from exc
    return True


async def start_job(
    user_id: str, kind: str, found: int, *, unfinished_since: int | None = None
) -> str:
    """A new ingest job: counters reset, ``found`` new messages handed to the worker;
    ``unfinished_since``: carried over from the jobs before (see ``lost``)."""
    job_id = uuid.uuid4().hex
    now = int(time.time())
    values = {
        ":j": {"S": job_id},
        ":t": {"N": str(now)},
        ":f": {"N": str(found)},
        ":z": {"N": "0"},
        ":e": {"L": []},
    }
    expression = (
        "SET #job = :j, #started = :t, #updated = :t, #found = :f, #stored = :z,"
        " #failed = :z, #processed = :z, #failures = :e"
    )
    if unfinished_since is None:
        expression += " REMOVE #unfinished"
    else:
        expression += ", #unfinished = :u"
        values[":u"] = {"N": str(unfinished_since)}
    await _update(user_id, kind, expression, values)
    return job_id


async def add(
    user_id: str,
    kind: str,
    *,
    stored: int = 0,
    processed: int = 0,
    failures: list[dict[str, str]] | None = None,
) -> None:
    """Count ``stored`` uploads and ``processed`` messages, record ``failures``
    (``{"message_id", "reason"}``); the list keeps its first MAX_FAILURES entries, ``failed``
    counts them all."""
    failures = failures or []
    values: dict[str, Any] = {
        ":p": {"N": str(processed)},
        ":s": {"N": str(stored)},
        ":n": {"N": str(len(failures))},
        ":t": {"N": str(int(time.time()))},
    }
    counters = "ADD #stored :s, #failed :n, #processed :p SET #updated = :t"
    if failures:
        listed = {
            ":f": {
                "L": [
                    {"M": {k: {"S": str(v)[:300]} for k, v in f.items()}}
                    for f in failures[:MAX_FAILURES]
                ]
            },
            ":e": {"L": []},
            ":max": {"N": str(MAX_FAILURES)},
        }
        if await _update(
            user_id,
            kind,
            counters + ", #failures = list_append(if_not_exists(#failures, :e), :f)",
            {**values, **listed},
            "attribute_not_exists(#failures) OR size(#failures) < :max",
        ):
            return
    await _update(user_id, kind, counters, values)


async def get(user_id: str, kind: str) -> dict[str, Any] | None:
    from paypulse_common.dynamo import from_item

    db = await aws.client("dynamodb")
    try:
        answer = await db.get_item(
            TableName=settings().table("ingestion_ledger"),
            Key=_key(user_id, kind),
            ConsistentRead=True,
        )
    except Exception as exc:
        raise DependencyError("Database error (sync status)") from exc
    return from_item(answer["Item"]) if "Item" in answer else None


async def unfinished_since(user_id: str, kind: str) -> int | None:
    """Since when (epoch s) jobs of ``kind`` have left messages unprocessed: the last job's
    start when it is incomplete, or what it carried over from an earlier incomplete one;
    None when every job finished."""
    job = await get(user_id, kind) or {}
    if job.get("unfinished_since") is not None:
        return int(job["unfinished_since"])
    if int(job.get("processed", 0)) < int(job.get("found", 0)):
        return int(job.get("started_at", 0))
    return None


def lost(since: int | None) -> bool:
    """Whether messages unprocessed ``since`` then are past the dead-letter horizon: a chunk
    dead-lettered after its transient retries. Its ids are in no ledger entry, but the
    mailbox's history id advanced when they were queued, so no incremental sync would see
    them again: the next sync is then a full search, which finds every message not taken
    (ingest_jobs). Conservative: a job merely slow past the horizon costs one full search."""
    return since is not None and since + DEAD_LETTER_HORIZON_S <= time.time()
