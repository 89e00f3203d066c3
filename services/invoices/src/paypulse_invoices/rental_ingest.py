"""Rental ingestion: rent-notice PDFs from the landlords in VendorConfig → S3.

Every page of the Gmail search is followed, messages are fetched in batches and attachments
downloaded concurrently. The ledger entry (user, message id, attachment hash) is claimed before
the upload, so a PDF is never uploaded twice, even by overlapping runs; the upload triggers
``parse_invoice``."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from paypulse_common import aws, ledger
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import gather_all, settings
from paypulse_invoices.gmail_session import gmail_for
from paypulse_invoices.vendor_source import vendors

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


def rental_key(user_id: str, filename: str, sha256: str) -> str:
    stem = _UNSAFE.sub("_", filename.rsplit(".", 1)[0]).strip("._") or "invoice"
    return f"invoices/{user_id}/rental/{stem[:80]}_{sha256[:10]}.pdf"


def _subject_matches(vendor: dict[str, Any], subject: str) -> bool:
    wanted = [k for k in vendor.get("subject_keywords", []) if isinstance(k, str)]
    return not wanted or any(k.lower() in subject.lower() for k in wanted)


CHUNK = 50  # messages per Gmail batch; also bounds how many PDFs are held in memory


async def candidate_chunks(user_id: str, *, after: date | None) -> AsyncIterator[list[Candidate]]:
    """The PDF attachments of the rent-notice e-mails since ``after`` (None: ever), one chunk
    of up to CHUNK messages at a time (every page of the search is followed first)."""
    gmail = await gmail_for(user_id)
    for vendor in await vendors("rental"):
        ids = await gmail.list_message_ids(rental_query(vendor, after))
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


async def candidates(user_id: str, *, after: date | None) -> list[Candidate]:
    """Every candidate since ``after`` (for short windows, e.g. this month's notice)."""
    return [c async for chunk in candidate_chunks(user_id, after=after) for c in chunk]


async def _put(key: str, c: Candidate) -> None:
    s3 = await aws.client("s3")
    await s3.put_object(
        Bucket=settings().bucket("invoices"),
        Key=key,
        Body=c.data,
        ContentType="application/pdf",
        Metadata={
            "message-id": c.message_id,
            "sha256": c.sha256,
            "vendor-id": str(c.vendor["vendor_id"]),
            "template": str(c.vendor.get("parser") or ""),
            "original-filename": c.filename.encode("ascii", "replace").decode()[:200],
        },
    )


async def upload_many(
    user_id: str, found: list[Candidate], *, concurrency: int = 16
) -> IngestResult:
    """Claim every candidate in the ledger (batched), upload the claimed ones concurrently and
    mark them done (batched). A failed upload gives its claim back and the error is raised
    after the others finished, so a retry picks up exactly what is missing."""
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
                await _put(keys[entry], wanted[entry])
            except Exception:
                await ledger.release(user_id, entry)
                return None
            return entry

    done = [e for e in await gather_all(*(one(e) for e in sorted(claimed))) if e]
    await ledger.record_many(user_id, {e: {"s3_key": keys[e], "kind": "rental"} for e in done})
    result.uploaded = sorted(keys[e] for e in done)
    if len(done) < len(claimed):
        raise DependencyError("Error storing some invoices; the next run retries them")
    return result


async def ingest_all(user_id: str) -> IngestResult:
    """Everything ever sent: each chunk is uploaded while the next one downloads (at most two
    chunks of PDFs in memory)."""
    result = IngestResult()
    pending: asyncio.Task[IngestResult] | None = None
    try:
        async for chunk in candidate_chunks(user_id, after=None):
            if pending is not None:
                _merge(result, await pending)
            pending = asyncio.create_task(upload_many(user_id, chunk))
        if pending is not None:
            _merge(result, await pending)
            pending = None
    finally:
        if pending is not None:  # the download failed: stop the upload and wait for it
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
    return result


def _merge(total: IngestResult, part: IngestResult) -> None:
    total.uploaded += part.uploaded
    total.already_ingested += part.already_ingested
