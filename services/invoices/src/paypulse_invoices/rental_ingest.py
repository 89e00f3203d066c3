"""Rental ingestion: rent-notice PDFs from the landlords in VendorConfig → S3.

Every page of the Gmail search is followed, messages are fetched in batches and attachments
downloaded concurrently. The ledger entry (user, message id, attachment hash) is claimed before
the upload, so a PDF is never uploaded twice, even by overlapping runs; the upload triggers
``parse_invoice``. Once every PDF of a message is taken the message itself is recorded, so later
syncs skip it by its Gmail id without fetching or downloading it; after a first complete run only
messages added since are looked at (``mail_sync``)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from paypulse_common import ledger
from paypulse_common.errors import DependencyError, UserDeletedError
from paypulse_common.runtime import gather_all, settings
from paypulse_common.tombstone import put_object_fenced
from paypulse_invoices import mail_sync
from paypulse_invoices.gmail_session import gmail_for
from paypulse_invoices.mail_sync import SyncScope
from paypulse_invoices.vendor_source import vendors

KIND = "rental"

MAX_PDF_BYTES = 15 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Candidate:
    vendor: dict[str, Any]
    message_id: str
    filename: str
    data: bytes
    sha256: str


@dataclass
class IngestResult:
    uploaded: list[str] = field(default_factory=list)  # S3 keys
    already_ingested: int = 0


MAX_METADATA_TEXT = 200


def metadata_text(value: str) -> str:
    """A value S3 accepts as user-defined metadata (sent as an HTTP header: printable US-ASCII
    only, Amazon S3 User Guide "Working with object metadata"): control characters and
    non-ASCII become "_" and "?", bounded in length. A sender's odd attachment name (a
    ``\x01``) must not fail the upload, or the whole ingest would fail on every run."""
    printable = "".join(ch if ch.isprintable() else "_" for ch in value)
    return printable.encode("ascii", "replace").decode()[:MAX_METADATA_TEXT] or "invoice.pdf"


def rental_key(user_id: str, filename: str, sha256: str) -> str:
    stem = _UNSAFE.sub("_", filename.rsplit(".", 1)[0]).strip("._") or "invoice"
    return f"invoices/{user_id}/rental/{stem[:80]}_{sha256[:10]}.pdf"


def _subject_matches(vendor: dict[str, Any], subject: str) -> bool:
    wanted = [k for k in vendor.get("subject_keywords", []) if isinstance(k, str)]
    return not wanted or any(k.lower() in subject.lower() for k in wanted)


CHUNK = 50  # messages per Gmail batch; also bounds how many PDFs are held in memory


async def candidate_chunks(
    gmail: Any,
    user_id: str,
    *,
    after: date | None,
    sync: SyncScope | None = None,
    keep: Callable[[list[str]], Awaitable[list[str]]] | None = None,
) -> AsyncIterator[list[Candidate]]:
    """The PDF attachments of the rent-notice e-mails since ``after`` (None: ever), one chunk
    of up to CHUNK messages at a time (every page of the search is followed first). With
    ``sync``, only the messages it looks at (none and no search when nothing was added). The
    message ids are filtered by ``keep`` before anything is fetched (default: the messages not
    taken by an earlier run)."""
    if sync is not None and sync.nothing_new:
        return
    for vendor in await vendors("rental"):
        ids = await gmail.list_message_ids(rental_query(vendor, after))
        if sync is not None:
            ids = sync.narrow(ids)
        ids = await (keep(ids) if keep else mail_sync.unseen(user_id, KIND, ids))
        for start in range(0, len(ids), CHUNK):
            yield await candidates_of(gmail, vendor, ids[start : start + CHUNK])


def rental_query(vendor: dict[str, Any], after: date | None) -> str:
    """The Gmail search for one landlord's notices with attachments since ``after``."""
    from paypulse_gmail.query import vendor_query

    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    query = vendor_query(vendor, after=after or date(2000, 1, 1), before=tomorrow)
    return f"{query} has:attachment"


async def candidates_of(gmail: Any, vendor: dict[str, Any], ids: list[str]) -> list[Candidate]:
    """The PDF attachments of the messages ``ids`` whose subject is the vendor's."""
    from paypulse_gmail.mime import message_info

    messages = await gmail.get_messages(ids)
    wanted = [m for m in messages if _subject_matches(vendor, message_info(m).subject)]
    batches = await gather_all(*(gmail.download_attachments(m) for m in wanted))
    return [
        Candidate(vendor, message["id"], att.filename, att.data, att.sha256)
        for message, attachments in zip(wanted, batches, strict=True)
        for att in attachments
        if len(att.data) <= MAX_PDF_BYTES
    ]


async def candidates(
    user_id: str,
    *,
    after: date | None,
    keep: Callable[[list[str]], Awaitable[list[str]]] | None = None,
) -> list[Candidate]:
    """Every candidate since ``after`` (for short windows, e.g. this month's notice) among the
    message ids ``keep`` keeps (see candidate_chunks)."""
    gmail = await gmail_for(user_id)
    chunks = candidate_chunks(gmail, user_id, after=after, keep=keep)
    return [c async for chunk in chunks for c in chunk]


async def _put(user_id: str, key: str, c: Candidate) -> None:
    """Upload behind the account-deletion fence (the object is removed again, and
    UserDeletedError raised, when the user was deleted meanwhile)."""
    await put_object_fenced(
        user_id,
        Bucket=settings().bucket("invoices"),
        Key=key,
        Body=c.data,
        ContentType="application/pdf",
        Metadata={
            "message-id": c.message_id,
            "sha256": c.sha256,
            "vendor-id": str(c.vendor["vendor_id"]),
            "template": str(c.vendor.get("parser") or ""),
            "original-filename": metadata_text(c.filename),
        },
    )


async def upload_many(
    user_id: str, found: list[Candidate], *, concurrency: int = 16
) -> IngestResult:
    """Claim every candidate in the ledger (batched), upload the claimed ones concurrently and
    mark them done (batched), then record the messages all of whose PDFs are taken. A failed
    upload gives its claim back and the error is raised after the others finished, so a retry
    picks up exactly what is missing."""
    result = IngestResult()
    wanted = {
        ledger.message_key(c.message_id, c.sha256): c for c in found
    }  # the same attachment twice in one run counts once
    keys = {entry: rental_key(user_id, c.filename, c.sha256) for entry, c in wanted.items()}
    claimed = await ledger.claim_many(user_id, {e: {"s3_key": k} for e, k in keys.items()})
    result.already_ingested = len(wanted) - len(claimed)
    bound = asyncio.Semaphore(concurrency)

    async def one(entry: str) -> str | None:
        async with bound:
            try:
                await _put(user_id, keys[entry], wanted[entry])
            except UserDeletedError:
                raise
            except Exception:
                await ledger.release(user_id, entry)
                return None
            return entry

    done = [e for e in await gather_all(*(one(e) for e in sorted(claimed))) if e]
    await ledger.record_many(user_id, {e: {"s3_key": keys[e], "kind": KIND} for e in done})
    await _mark_taken_messages(user_id, wanted, set(done), set(wanted) - claimed)
    result.uploaded = sorted(keys[e] for e in done)
    if len(done) < len(claimed):
        raise DependencyError("Error storing some invoices; the next run retries them")
    return result


async def _mark_taken_messages(
    user_id: str, wanted: dict[str, Candidate], done: set[str], not_claimed: set[str]
) -> None:
    """Record the messages whose every PDF entry is done: uploaded now, or taken before (a
    claim that failed because the entry is done, not because another run holds it)."""
    entries = sorted(not_claimed)
    rows = await gather_all(*(ledger.get(user_id, e) for e in entries))
    taken = done | {
        e
        for e, row in zip(entries, rows, strict=True)
        if row and row.get("status") != ledger.CLAIMED
    }
    by_message: dict[str, set[str]] = {}
    for entry, c in wanted.items():
        by_message.setdefault(c.message_id, set()).add(entry)
    await ledger.mark_seen(user_id, KIND, [m for m, e in by_message.items() if e <= taken])
