"""The ``sync_invoices`` worker: one message of the ``sync`` queue is one user's job.

Message: ``{"kind": <one of JOBS>, "user_id": ...}``. A job that fails with a permanent error
(revoked or missing Gmail grant, a malformed message) is recorded in the user's sync status and
the message is done; a deleted user's message is dropped (nothing recorded: the tombstone fence,
``paypulse_common.tombstone``) and is done too; a transient error (Google or AWS unavailable) propagates,
so only that message is retried after the visibility timeout and finally dead-lettered
(``paypulse_common.runtime.queue_handler``). Permanent failures of single e-mails inside a job
(no body, an unparseable attachment) are recorded and never fail the job.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from paypulse_common import gmail_watches
from paypulse_common.errors import InvalidRequestError, PayPulseError, UserDeletedError
from paypulse_common.logs import get_logger
from paypulse_invoices import ingest_jobs, sync_status, watch_jobs

log = get_logger("paypulse.sync_jobs")


async def _rental_latest(user_id: str, body: Mapping[str, Any]) -> None:
    """The weekday sweep's job (the window searched), or the ids a latest route or an earlier
    job handed off; examined with the worker's remaining time, what it leaves handed on
    (rental_latest)."""
    from paypulse_invoices.rental_latest import MAX_HANDOFF_IDS, budget, ingest_latest

    ids = body.get("ids")
    only = None
    if isinstance(ids, dict):
        only = {
            str(vendor): [str(i) for i in listed][:MAX_HANDOFF_IDS]
            for vendor, listed in ids.items()
            if isinstance(listed, list)
        }
    await ingest_latest(user_id, budget_s=budget(None), only=only, first_step=True)
    if only is None:  # the weekday sweep (every connected user): a missing watch is started
        await watch_jobs.ensure(user_id)


async def _retail_weekly(user_id: str, body: Mapping[str, Any]) -> None:
    from paypulse_invoices.retail_ingest import scheduled_fetch

    result = await scheduled_fetch(user_id)
    if result.errors:
        failures = [{"message_id": e["message_id"], "reason": e["error"]} for e in result.errors]
        await sync_status.add(user_id, "retail", failures=failures)


async def _gmail_push(user_id: str, body: Mapping[str, Any]) -> None:
    """A Gmail push notification: the incremental rental and retail sync (new messages are
    handed on as ``rental_ids`` / ``retail_ids`` jobs, as the ingest routes do). The pending
    mark goes first: a push from now on queues another job, whose sync reads what this one
    may miss (``gmail_push``)."""
    await gmail_watches.clear_pending(user_id)
    await ingest_jobs.start_rental(user_id)
    await ingest_jobs.start_retail(user_id)


# kind -> (invoice type whose status records failures, the job)
JOBS: dict[str, tuple[str, Callable[[str, Mapping[str, Any]], Awaitable[None]]]] = {
    "rental_latest": ("rental", _rental_latest),
    "retail_weekly": ("retail", _retail_weekly),
    "rental_ids": ("rental", ingest_jobs.rental_chunk),
    "retail_ids": ("retail", ingest_jobs.retail_chunk),
    "gmail_push": ("rental", _gmail_push),
    "gmail_watch": ("rental", watch_jobs.renew),
}


async def run(body: Mapping[str, Any]) -> None:
    kind, user_id = body.get("kind"), body.get("user_id")
    if kind not in JOBS or not isinstance(user_id, str) or not user_id:
        log.error("malformed sync message", extra={"kind": str(kind)[:40]})
        raise InvalidRequestError("malformed sync message")
    invoice_type, job = JOBS[str(kind)]
    try:
        await job(user_id, body)
    except UserDeletedError:
        # the account was deleted after the message was sent: its work is dropped (nothing
        # recorded, the fence keeps every write out) and the message is done
        log.info("sync message of a deleted user dropped", extra={"kind": str(kind)})
        return
    except PayPulseError as err:
        if not err.retryable:
            await sync_status.add(
                user_id, invoice_type, failures=[{"message_id": "", "reason": err.code}]
            )
        raise
