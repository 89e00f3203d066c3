"""One push for a backfill instead of one per old notice (issue 9 §6).

An ingest-all job (``POST /v1/invoices/rental/ingest``: the first connection's backfill, and
any later run that finds more than one notice) keeps one ledger row, ``summary#<job id>``:

- ``chunks``: how many queue messages the job was split into (set when it is queued);
- ``chunks_done``: the chunk numbers the worker finished (a string set: ADD is idempotent, so
  a chunk retried after it counted never counts twice);
- ``uploads``: the job's uploads (a 16-hex digest of each S3 key), added in the same
  transaction that marks their ledger entries done (an upload is counted exactly when it is
  taken: a retry that finds it taken neither uploads nor counts it again);
- ``parsed`` / ``imported``: the uploads with a parse outcome and the invoices they inserted,
  added by ``parse_invoice`` in the same transaction as the outcome (``obj#<key>``).

The job is *settled* when every chunk is done and every upload has a parse outcome. Whoever's
write settles it (the worker finishing the last chunk, or the parser recording the last
outcome) reads the row back (consistent read, after its own write: of two concurrent last
writers at least the later one sees it settled) and queues ``{"kind": "import_summary"}`` on
the ``notify`` queue; ``send_import_summary`` (services/notifications) claims
``push#summary#<job id>`` and sends one push: "N rent notices imported", or the usual push
when the job imported exactly one invoice, or nothing when it imported none. Several senders
of the message are harmless (the claim). The uploads of a job carry its id (S3 metadata
``ingest-job`` → the row's ``ingest_job``), and the stream notifier leaves a row of a job with
a summary to the summary (see paypulse_notifications.push). Every write is behind the
account-deletion fence: nothing is counted or queued for a deleted user.
"""

from __future__ import annotations

import hashlib
from typing import Any

from paypulse_common import ledger, queue
from paypulse_common.errors import DependencyError, UserDeletedError
from paypulse_common.logs import get_logger
from paypulse_common.runtime import settings
from paypulse_common.tombstone import cancelled_item, fenced_write

log = get_logger("paypulse.import_summary")
NOTIFY_QUEUE = "notify"
METADATA = "ingest-job"  # the S3 metadata key carrying the job id of an upload


def upload_id(s3_key: str) -> str:
    return hashlib.sha256(s3_key.encode()).hexdigest()[:16]


def _key(user_id: str, job_id: str) -> dict[str, Any]:
    return {"UserID": {"S": user_id}, "LedgerKey": {"S": ledger.summary_key(job_id)}}


def add_item(user_id: str, job_id: str, **sets: list[str]) -> dict[str, Any] | None:
    """A transaction item adding ``sets`` (attribute → strings) to the job's summary row,
    only if the row exists (a job without one is not summarized); None when nothing to add."""
    sets = {name: sorted(set(values)) for name, values in sets.items() if values}
    if not sets:
        return None
    names = {f"#a{i}": name for i, name in enumerate(sets)}
    values = {f":v{i}": {"SS": v} for i, v in enumerate(sets.values())}
    return {
        "Update": {
            "TableName": settings().table("ingestion_ledger"),
            "Key": _key(user_id, job_id),
            "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(sets))),
            "ConditionExpression": "attribute_exists(LedgerKey)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


async def open_job(user_id: str, job_id: str, chunks: int) -> None:
    """The job is queued in ``chunks`` messages (written before they are sent)."""
    await ledger.record(user_id, ledger.summary_key(job_id), status="open", chunks=chunks)


async def chunk_done(user_id: str, job_id: str, chunk: str) -> None:
    """The worker finished chunk ``chunk`` of the job (idempotent)."""
    item = add_item(user_id, job_id, chunks_done=[chunk])
    if item is not None and await _write(user_id, item):
        await settle(user_id, job_id)


async def _write(user_id: str, item: dict[str, Any]) -> bool:
    """False when the job has no summary row (condition)."""
    try:
        await fenced_write(user_id, [item])
    except UserDeletedError:
        raise
    except Exception as exc:
        if cancelled_item(exc, 0):
            return False
        raise DependencyError("Database error (import summary)") from exc
    return True


async def settle(user_id: str, job_id: str) -> None:
    """After a write to the job's row: queue its summary once the job is settled."""
    row = await ledger.get(user_id, ledger.summary_key(job_id))  # a consistent read
    if row is None or not ledger.summary_settled(row):
        return
    await queue.send_all(
        NOTIFY_QUEUE, [{"kind": "import_summary", "user_id": user_id, "job_id": job_id}]
    )
    log.info("import summary queued", extra={"imported": len(row.get("imported") or ())})


async def record_outcome(
    user_id: str,
    obj_key: str,
    job_id: str | None,
    s3_key: str,
    imported: str | None,
    **attrs: Any,
) -> None:
    """The parser's outcome of an upload (``ledger.record`` of ``obj_key``), counted in the
    job's summary in the same transaction (``imported``: the invoice id the job imported with
    it, None when nothing new); then the summary is queued if this settled the job. An
    upload of no job, or of a job without a summary row, is only recorded."""
    item = None
    if job_id:
        new = [imported] if imported else []
        item = add_item(user_id, job_id, parsed=[upload_id(s3_key)], imported=new)
    if item is None:
        await ledger.record(user_id, obj_key, **attrs)
        return
    try:
        await ledger.record(user_id, obj_key, also=[item], **attrs)
    except DependencyError as exc:
        if not cancelled_item(exc.__cause__ or exc, 1):
            raise
        await ledger.record(user_id, obj_key, **attrs)  # the job has no summary row
        return
    assert job_id is not None
    await settle(user_id, job_id)
