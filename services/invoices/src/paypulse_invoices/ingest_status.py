"""The progress of a user's last ingest job of one type: the job's counters (sync_status) plus
what the parsers recorded since it started (``obj#`` ledger entries of that type's keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paypulse_common import ledger
from paypulse_invoices import sync_status


async def ingest_status(user_id: str, kind: str) -> dict[str, Any]:
    job = await sync_status.get(user_id, kind) or {}
    started = int(job.get("started_at", 0))
    failures = [
        {"messageId": str(f.get("message_id", "")), "reason": str(f.get("reason", ""))}
        for f in job.get("failures", [])
    ]
    parsed = parse_failed = 0
    async for entry in ledger.entries(user_id, ledger.object_key(f"invoices/{user_id}/{kind}/")):
        if int(entry.get("updated_at", 0)) < started:
            continue
        if entry.get("status") == "failed":
            parse_failed += 1
            failures.append(
                {"messageId": "", "reason": f"parse: {entry.get('reason', 'unknown')}"[:300]}
            )
        else:  # the parser's outcome (parsed, needs review...)
            parsed += 1
    found, processed = int(job.get("found", 0)), int(job.get("processed", 0))
    status: dict[str, Any] = {
        "found": found,
        "processed": processed,
        "stored": int(job.get("stored", 0)),
        "parsed": parsed,
        "failed": int(job.get("failed", 0)) + parse_failed,
        "failures": failures[:100],
        "complete": processed >= found,
    }
    if job.get("job_id"):
        status["jobId"] = str(job["job_id"])
        status["startedAt"] = datetime.fromtimestamp(started, UTC).isoformat()
    return status
