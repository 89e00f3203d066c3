"""Parsing an uploaded rent-notice PDF into one RentalInvoices row.

The row id comes from the invoice itself (its OCR number, else the file's hash), and the row is
inserted only if absent: the same PDF twice gives one row and one stream INSERT. Every outcome,
including failures, is recorded in the ledger (``obj#<key>``) where the API can show it.
Permanent failures (not a PDF, encrypted, too large, not an invoice: errors that are not
``retryable``) are recorded and the event is done, since trying the same bytes again cannot
succeed; transient ones (S3, DynamoDB) are raised so the trigger retries, then dead-letters."""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import unquote_plus

from paypulse_common import ledger
from paypulse_common.errors import (
    InvoiceParseError,
    NotFoundError,
    PayPulseError,
    UserDeletedError,
)
from paypulse_common.logs import get_logger
from paypulse_common.objects import read_bounded
from paypulse_common.tombstone import ensure_live
from paypulse_invoices import import_summary, rental_store

# The largest rent-notice PDF taken: parse_invoice (1,024 MB) holds the bytes, pymupdf's
# document and the extracted text at once, and a one-page notice is ~50-200 kB. Gmail delivers
# messages of up to 50 MB (25 MB when sent from Gmail), so a larger PDF does occur; it is
# recorded as failed ("too_large") by the ingest before any download (Gmail's part
# ``body.size``, rental_ingest.candidates_of) and here if one is uploaded anyway.
MAX_PDF_BYTES = 15 * 1024 * 1024
_KEY = re.compile(r"^invoices/(user_[0-9a-f-]{36})/rental/([^/]+)\.pdf$")
log = get_logger("paypulse.parse_invoice")


class PdfTooLargeError(InvoiceParseError):
    reason, default_message = "too_large", "The PDF is too large"


@dataclass(frozen=True)
class RentalObject:
    bucket: str
    key: str
    user_id: str
    stem: str


def rental_object(record: dict) -> RentalObject | None:
    """The object of an S3 event record, if it is a rental PDF under invoices/{user}/rental/."""
    bucket = record["s3"]["bucket"]["name"]
    key = unquote_plus(record["s3"]["object"]["key"])
    m = _KEY.match(key)
    return RentalObject(bucket, key, m.group(1), m.group(2)) if m else None


async def parse_object(obj: RentalObject) -> str | None:
    """Parse one uploaded PDF; returns the invoice id, or None after recording a permanent
    failure or dropping the work of a deleted account (nothing written, nothing raised).
    Raises retryable errors."""
    try:
        await ensure_live(obj.user_id)  # before the PDF is read and parsed
        return await _outcome(obj)
    except UserDeletedError:
        log.info("dropped: the account was deleted", extra={"key": obj.key})
        return None


async def _outcome(obj: RentalObject) -> str | None:
    try:
        data, meta = await read_bounded(obj.bucket, obj.key, MAX_PDF_BYTES)
    except NotFoundError:  # deleted since the upload (e.g. account deleted)
        log.info("rental object is gone", extra={"key": obj.key})
        return None
    try:
        return await _parse(obj, data, meta)
    except UserDeletedError:
        raise
    except PayPulseError as exc:
        if exc.retryable:
            raise
        await _failed(obj, getattr(exc, "reason", "unparseable"), meta)
        return None


async def _parse(obj: RentalObject, data: bytes | None, meta: dict[str, str]) -> str:
    from paypulse_parsers.rental import parse_pdf, to_rental_row

    if data is None:
        raise PdfTooLargeError()
    filename = meta.get("original-filename") or f"{obj.stem}.pdf"
    doc = await asyncio.to_thread(
        parse_pdf, data, filename=filename, template=meta.get("template") or "hyresavi"
    )
    row = to_rental_row(doc, filename_stem=filename.rsplit(".", 1)[0])
    reference = row["OCR"] or hashlib.sha256(data).hexdigest()[:16]
    invoice_id = f"Invoice_{reference}"
    row.update(
        UserID=obj.user_id,
        InvoiceID=invoice_id,
        s3_key=obj.key,
        status=doc.status,
        extraction_method=doc.method,
        extractor=doc.extractor,
        confidence=Decimal(str(round(doc.confidence, 2))),
    )
    job = meta.get(import_summary.METADATA) or None
    if job:
        row["ingest_job"] = job  # the stream notifier leaves it to the job's summary
    inserted = await rental_store.insert(row)
    # imported by this job: inserted now, or by an earlier try of this same upload
    imported = inserted or bool(
        job and ((await rental_store.get(obj.user_id, invoice_id)) or {}).get("ingest_job") == job
    )
    await import_summary.record_outcome(
        obj.user_id,
        ledger.object_key(obj.key),
        job,
        obj.key,
        invoice_id if imported else None,
        status=doc.status,
        invoice_id=invoice_id,
        kind="rental",
        duplicate=not inserted,
    )
    return invoice_id


async def _failed(obj: RentalObject, reason: str, meta: dict[str, str]) -> None:
    log.warning("rental invoice failed to parse", extra={"reason": reason, "key": obj.key})
    await import_summary.record_outcome(
        obj.user_id,
        ledger.object_key(obj.key),
        meta.get(import_summary.METADATA) or None,
        obj.key,
        None,
        status="failed",
        reason=reason,
        kind="rental",
    )
