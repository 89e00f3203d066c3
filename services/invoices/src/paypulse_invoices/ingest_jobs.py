"""Ingest routes answer fast, whatever the mailbox size: the request only searches Gmail for
the message ids (a few list calls: ids, no bodies), leaves out the ids already in the ledger,
records the job (``sync_status``) and hands the ids to the sync queue, CHUNK per message.
The search is incremental (``mail_sync``): after a complete sync only the messages added to
the mailbox since are looked at, and messages taken before (ledger ``mail#<kind>#<id>``) are
left out by their id; the history id advances once the ids are queued.
The ``sync_invoices`` worker then downloads, uploads (claiming each attachment or body in the
ledger, so overlapping jobs never store anything twice) and the S3 triggers parse.

Messages: ``{"kind": "rental_ids" | "retail_ids", "user_id", "vendor_id", "ids": [...]}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paypulse_common import ledger, queue
from paypulse_invoices import mail_sync, sync_status
from paypulse_invoices.gmail_session import gmail_for
from paypulse_invoices.scheduled import SYNC_QUEUE
from paypulse_invoices.vendor_source import vendor_by_id, vendors

CHUNK = 50  # message ids per queue message (one Gmail batch of full messages)


async def taken_message_ids(user_id: str) -> set[str]:
    """Gmail message ids the ledger already holds (stored, or claimed by a running job)."""
    taken = set()
    async for entry in ledger.entries(user_id, "msg#"):
        parts = str(entry.get("LedgerKey", "")).split("#")
        if len(parts) >= 3:
            taken.add(parts[1])
    return taken


def _messages(kind: str, user_id: str, vendor_id: str, ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"kind": kind, "user_id": user_id, "vendor_id": vendor_id, "ids": ids[i : i + CHUNK]}
        for i in range(0, len(ids), CHUNK)
    ]


async def start_rental(user_id: str) -> int:
    """Hand every rent-notice message not taken before to the worker; returns how many."""
    from paypulse_invoices.rental_ingest import KIND, rental_query

    gmail = await gmail_for(user_id)
    # a dead-lettered chunk of an earlier job: a full search finds its messages again
    since = await sync_status.unfinished_since(user_id, KIND)
    full = sync_status.lost(since)
    sync = await mail_sync.scope(gmail, user_id, KIND, full=full)
    work: list[dict[str, Any]] = []
    found = 0
    if not sync.nothing_new:
        taken = await taken_message_ids(user_id)
        for vendor in await vendors("rental"):
            ids = sync.narrow(await gmail.list_message_ids(rental_query(vendor, None)))
            ids = [i for i in await mail_sync.unseen(user_id, KIND, ids) if i not in taken]
            found += len(ids)
            work += _messages("rental_ids", user_id, vendor["vendor_id"], ids)
    job = await sync_status.start_job(
        user_id, KIND, found, unfinished_since=None if full else since
    )
    if work:  # one push for what the job imports (import_summary), not one per notice
        from paypulse_invoices.import_summary import open_job

        await open_job(user_id, job, len(work))
        for n, message in enumerate(work):
            message.update(job=job, chunk=str(n))
    await queue.send_all(SYNC_QUEUE, work)
    await mail_sync.complete(user_id, sync)
    return found


async def start_retail(user_id: str, window: Any = None, category: str | None = None) -> Any:
    """Search the retail vendors' mail in the window; hand the new messages to the worker.
    Returns a ``RetailFetch``: ``found`` every match, ``by_vendor`` the new ones per vendor."""
    from paypulse_invoices.retail_ingest import KIND, prepare, search

    # a job that left messages past the dead-letter horizon makes this one a full search
    since = await sync_status.unfinished_since(user_id, KIND)
    full = sync_status.lost(since)
    run = await prepare(user_id, window, category, full=full)
    found = await search(run)
    result = run.result
    work: list[dict[str, Any]] = []
    if found:
        everything = [i for ids in found.values() for i in ids]
        seen = await ledger.seen_messages(user_id, KIND, everything)  # one Query for all vendors
        taken = await taken_message_ids(user_id)
        for vendor_id, ids in found.items():
            new = [i for i in dict.fromkeys(ids) if i not in seen and i not in taken]
            if new:
                result.by_vendor[vendor_id] = len(new)
            work += _messages("retail_ids", user_id, vendor_id, new)
    await sync_status.start_job(
        user_id,
        KIND,
        sum(result.by_vendor.values()),
        unfinished_since=None if full and run.sync is not None else since,
    )
    await queue.send_all(SYNC_QUEUE, work)
    if run.sync is not None:
        await mail_sync.complete(user_id, run.sync)
    return result


async def rental_chunk(user_id: str, body: Mapping[str, Any]) -> None:
    """Worker: download the chunk's PDFs and upload the new ones (parse follows via S3). A PDF
    over the size limit is recorded as failed without being downloaded, and a message with
    nothing to take is marked seen, so neither is fetched again by a later sync."""
    from paypulse_invoices.rental_ingest import KIND, Fetched, candidates_of, upload_many

    vendor, ids = await _chunk(body)
    # taken since the chunk was queued (another job): neither fetched nor downloaded again
    fresh = await mail_sync.unseen(user_id, KIND, ids)
    fetched = await candidates_of(await gmail_for(user_id), vendor, fresh) if fresh else Fetched()
    job = str(body["job"]) if body.get("job") else None
    result = await upload_many(user_id, fetched.candidates, job=job)
    await sync_status.add(
        user_id,
        "rental",
        stored=len(result.uploaded),
        processed=len(ids),
        failures=fetched.too_large,
    )
    await ledger.mark_seen(user_id, KIND, fetched.nothing_to_take)
    if job:
        from paypulse_invoices.import_summary import chunk_done

        await chunk_done(user_id, job, str(body.get("chunk", "")))


async def retail_chunk(user_id: str, body: Mapping[str, Any]) -> None:
    """Worker: upload the chunk's e-mail bodies; a message that fails for good is recorded,
    a transient failure retries the chunk (what was stored is skipped through the ledger)."""
    from paypulse_common.errors import DependencyError
    from paypulse_invoices.retail_ingest import KIND, RetailFetch, store_messages
    from paypulse_invoices.retail_window import incremental

    vendor, ids = await _chunk(body)
    result = RetailFetch(incremental(None))
    fresh = await mail_sync.unseen(user_id, KIND, ids)
    if fresh:
        gmail = await gmail_for(user_id)
        await store_messages(user_id, vendor, await gmail.get_messages(fresh), result)
    if result.transient:
        raise DependencyError(f"{result.transient} e-mail(s) could not be stored")
    failures = [{"message_id": e["message_id"], "reason": e["error"]} for e in result.errors]
    await sync_status.add(
        user_id,
        "retail",
        stored=sum(result.by_vendor.values()),
        processed=len(ids),
        failures=failures,
    )


async def _chunk(body: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    from paypulse_common.errors import InvalidRequestError

    ids = body.get("ids")
    vendor = await vendor_by_id(str(body.get("vendor_id")))
    if vendor is None or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidRequestError("malformed ingest chunk")
    return vendor, ids[:CHUNK]
