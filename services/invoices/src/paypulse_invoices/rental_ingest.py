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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from paypulse_common import ledger
from paypulse_common.errors import DependencyError, UserDeletedError
from paypulse_common.runtime import gather_all, settings
from paypulse_common.tombstone import put_object_fenced
from paypulse_invoices.rental_parse import MAX_PDF_BYTES

KIND = "rental"
TOO_LARGE = "too_large"  # the reason an attachment over MAX_PDF_BYTES is recorded with

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


def rental_query(vendor: dict[str, Any], after: date | None) -> str:
    """The Gmail search for one landlord's notices with attachments since ``after``."""
    from paypulse_gmail.query import vendor_query

    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    query = vendor_query(vendor, after=after or date(2000, 1, 1), before=tomorrow)
    return f"{query} has:attachment"


@dataclass
class Fetched:
    """What the messages of one vendor gave: the PDFs to take, the attachments refused by
    size before any download (``{"message_id", "reason"}``), and the messages that hold
    nothing to take (no PDF, or only refused ones): settled without an upload."""

    candidates: list[Candidate] = field(default_factory=list)
    too_large: list[dict[str, str]] = field(default_factory=list)
    nothing_to_take: list[str] = field(default_factory=list)


async def candidates_of(gmail: Any, vendor: dict[str, Any], ids: list[str]) -> Fetched:
    """The PDF attachments of the messages ``ids`` whose subject is the vendor's. A PDF whose
    Gmail ``body.size`` is over MAX_PDF_BYTES is never downloaded: it is reported in
    ``too_large`` (decided from the message's part tree alone)."""
    from paypulse_gmail.mime import message_info, oversized_attachments

    messages = await gmail.get_messages(ids)
    wanted = [m for m in messages if _subject_matches(vendor, message_info(m).subject)]
    batches = await gather_all(
        *(gmail.download_attachments(m, max_bytes=MAX_PDF_BYTES) for m in wanted)
    )
    fetched = Fetched()
    for message, attachments in zip(wanted, batches, strict=True):
        fetched.too_large += [
            {"message_id": message["id"], "reason": TOO_LARGE}
            for _ in oversized_attachments(message.get("payload") or {}, MAX_PDF_BYTES)
        ]
        kept = [a for a in attachments if len(a.data) <= MAX_PDF_BYTES]
        fetched.candidates += [
            Candidate(vendor, message["id"], a.filename, a.data, a.sha256) for a in kept
        ]
        if not kept:
            fetched.nothing_to_take.append(message["id"])
    return fetched


async def _put(user_id: str, key: str, c: Candidate, job: str | None) -> None:
    """Upload behind the account-deletion fence (the object is removed again, and
    UserDeletedError raised, when the user was deleted meanwhile)."""
    from paypulse_invoices.import_summary import METADATA

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
            **({METADATA: job} if job else {}),
        },
    )


async def upload_many(
    user_id: str, found: list[Candidate], *, concurrency: int = 16, job: str | None = None
) -> IngestResult:
    """Claim every candidate in the ledger (batched), upload the claimed ones concurrently and
    mark them done (batched), then record the messages all of whose PDFs are taken. A failed
    upload gives its claim back and the error is raised after the others finished, so a retry
    picks up exactly what is missing. ``job``: the ingest job with an import summary the
    uploads belong to (their metadata; counted in the same transaction that marks them done,
    ``import_summary``)."""
    from paypulse_invoices.import_summary import add_item, upload_id

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
                await _put(user_id, keys[entry], wanted[entry], job)
            except UserDeletedError:
                raise
            except Exception:
                await ledger.release(user_id, entry)
                return None
            return entry

    done = [e for e in await gather_all(*(one(e) for e in sorted(claimed))) if e]
    counted = add_item(user_id, job, uploads=[upload_id(keys[e]) for e in done]) if job else None
    await ledger.record_many(
        user_id,
        {e: {"s3_key": keys[e], "kind": KIND} for e in done},
        also=[counted] if counted else None,
    )
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
