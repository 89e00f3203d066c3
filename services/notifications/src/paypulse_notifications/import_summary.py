"""One push per backfill (issue 9 §6): the summary of an ingest job, sent once the job is
settled (every chunk done, every upload parsed; paypulse_invoices.import_summary keeps the
``summary#<job id>`` ledger row and queues ``{"kind": "import_summary"}`` on the ``notify``
queue when it settles).

- ``send``: the queue's consumer. Claims ``push#summary#<job id>`` (fenced by the deletion
  tombstone: nothing is pushed for a deleted user) and sends "N rent notices imported" when
  the job imported several invoices, the usual push of the invoice when it imported one, and
  nothing when none (the claim is recorded all the same). Sent at most once whatever the
  number of messages queued for the job (several last writers, retries).
- ``covers``: whether the stream notifier leaves a new invoice row of a job to the summary:
  yes when the job has a summary and the invoice is counted in it, or will be (its parse
  outcome not recorded yet, and the summary not sent). An invoice the summary did not count
  and that arrives after it was sent is pushed on its own: nothing is lost, nothing twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from paypulse_common import aws, ledger
from paypulse_common.errors import DependencyError, InvalidRequestError, UserDeletedError
from paypulse_common.logs import get_logger
from paypulse_common.runtime import settings

log = get_logger("paypulse.import_summary")


def summary_message(count: int) -> tuple[str, str]:
    return "Rent notices imported", f"{count} rent notices imported"


async def _sent(user_id: str, job_id: str) -> bool:
    entry = await ledger.get(user_id, ledger.summary_push_key(job_id))
    return entry is not None and entry.get("status") == "sent"


async def covers(user_id: str, job_id: str, invoice_id: str) -> bool:
    summary = await ledger.get(user_id, ledger.summary_key(job_id))
    if summary is None:
        return False
    if invoice_id in set(summary.get("imported") or ()):
        return True
    return not await _sent(user_id, job_id)


async def _invoice(user_id: str, invoice_id: str) -> dict[str, Any] | None:
    from paypulse_common.dynamo import get_row

    db = await aws.client("dynamodb")
    key = {"UserID": user_id, "InvoiceID": invoice_id}
    try:
        return await get_row(db, settings().table("rental_invoices"), key)
    except Exception as exc:
        raise DependencyError("Database error (rental invoice)") from exc


async def send(body: Mapping[str, Any]) -> bool:
    """The summary push of the job named by a ``notify`` message; True when one was sent."""
    from paypulse_notifications import push

    user_id, job_id = body.get("user_id"), body.get("job_id")
    if body.get("kind") != "import_summary" or not isinstance(user_id, str) or not job_id:
        raise InvalidRequestError("malformed notify message")
    summary = await ledger.get(user_id, ledger.summary_key(str(job_id)))
    if summary is None or not ledger.summary_settled(summary):
        log.info("import summary not settled (or gone): nothing sent")
        return False
    imported = sorted(set(summary.get("imported") or ()))
    entry = ledger.summary_push_key(str(job_id))
    if len(imported) == 1:
        invoice = await _invoice(user_id, imported[0])
        if invoice is not None:
            title, text = push.message_for(invoice)
            return await push.send_once(user_id, entry, title, text, imported[0])
    if len(imported) < 2:  # nothing new (all failed or known), or the one invoice is gone
        with contextlib.suppress(UserDeletedError):  # deleted: nothing to record
            if await ledger.claim(user_id, entry):
                await ledger.record(user_id, entry, status="sent", kind="push", count=0)
        return False
    title, text = summary_message(len(imported))
    return await push.send_once(user_id, entry, title, text, imported[-1])
