"""An uploaded retail e-mail (HTML) → a RetailInvoices base row + its category detail row.

Extraction: an attached e-invoice, else schema.org markup, else rules; Gemini (when a key is in
Secrets Manager) only for an e-mail those leave unsettled (paypulse_parsers.retail.pipeline).
Duplicates are keyed on (user, vendor id, order id) — never on free text: the invoice id is
derived from that key, and base row, detail row and ledger entry are written in one
transaction that fails when the invoice exists. A zero-amount e-mail is recorded as skipped.
Every outcome lands in the ledger (``obj#<key>``). Permanent failures (too large, nothing
extractable) are recorded and the event is done: the same bytes cannot parse on a retry, and a
retry would call Gemini again. Only retryable errors (S3, DynamoDB, Gemini 429/5xx) are raised,
so the trigger retries and then dead-letters."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote_plus

from paypulse_common import aws, ledger
from paypulse_common.categories import DETAIL_TABLES
from paypulse_common.dynamo import to_item
from paypulse_common.errors import (
    DependencyError,
    InvoiceParseError,
    NotFoundError,
    PayPulseError,
    UserDeletedError,
)
from paypulse_common.logs import get_logger
from paypulse_common.objects import read_bounded
from paypulse_common.runtime import settings
from paypulse_common.secrets import optional_secret_value
from paypulse_common.tombstone import cancelled_item, ensure_live, fenced_write
from paypulse_invoices.vendor_source import vendor_by_id

MAX_HTML_BYTES = 2 * 1024 * 1024
_KEY = re.compile(
    r"^invoices/(user_[0-9a-f-]{36})/retail/([a-z-]+)/(.+)_(\d{4}-\d{2}-\d{2})_([0-9a-f]{8})\.html$"
)
log = get_logger("paypulse.parse_retail_invoice")


@dataclass(frozen=True)
class RetailObject:
    bucket: str
    key: str
    user_id: str
    sub_type: str
    vendor_id: str
    sent_date: str
    digest: str


def retail_object(record: dict) -> RetailObject | None:
    bucket = record["s3"]["bucket"]["name"]
    key = unquote_plus(record["s3"]["object"]["key"])
    m = _KEY.match(key)
    if not m or m.group(2) not in DETAIL_TABLES:
        return None
    return RetailObject(bucket, key, *m.groups())


def invoice_id_for(user_id: str, vendor_id: str, order_ref: str) -> str:
    return (
        "retail_" + hashlib.sha256(f"{user_id}|{vendor_id}|{order_ref}".encode()).hexdigest()[:24]
    )


async def _gemini() -> Any:
    """Gemini settings when a key is stored, else None (the rules path)."""
    from paypulse_parsers.retail import GeminiSettings

    s = settings()
    if "gemini_api_key" not in s.secrets:
        return None
    key = await optional_secret_value("gemini_api_key")
    if key is None:
        return None
    return GeminiSettings(api_key=key, model=s.gemini_model, base_url=s.gemini_base_url)


async def parse_object(obj: RetailObject) -> dict[str, Any]:
    """Parse one uploaded e-mail; permanent failures are recorded and returned, retryable
    errors raised. Work for a deleted account is dropped (nothing written, nothing raised)."""
    try:
        await ensure_live(obj.user_id)  # before the e-mail is read or sent to Gemini
        return await _outcome(obj)
    except UserDeletedError:
        log.info("dropped: the account was deleted", extra={"key": obj.key})
        return {"outcome": "dropped"}


async def _outcome(obj: RetailObject) -> dict[str, Any]:
    try:
        return await _parse(obj)
    except UserDeletedError:
        raise
    except PayPulseError as exc:
        if exc.retryable:
            raise
        if isinstance(exc, NotFoundError):  # deleted since the upload (e.g. account deleted)
            return {"outcome": "gone"}
        await ledger.record(
            obj.user_id,
            ledger.object_key(obj.key),
            status="failed",
            reason=exc.message[:300],
            kind="retail",
        )
        return {"outcome": "failed"}


async def _parse(obj: RetailObject) -> dict[str, Any]:
    from paypulse_parsers.retail import extract_retail

    data, meta = await read_bounded(obj.bucket, obj.key, MAX_HTML_BYTES)
    vendor = await vendor_by_id(obj.vendor_id)
    entry = ledger.object_key(obj.key)
    if data is None:
        await ledger.record(obj.user_id, entry, status="failed", reason="too_large", kind="retail")
        return {"outcome": "failed"}
    doc = await extract_retail(
        data, content_type="text/html", vendor=vendor, category=obj.sub_type, gemini=await _gemini()
    )
    if doc.status == "skipped":
        await ledger.record(
            obj.user_id,
            entry,
            status="skipped",
            reason="; ".join(doc.problems)[:300] or "no amount",
            kind="retail",
        )
        return {"outcome": "skipped"}
    if doc.status == "failed" or doc.total_amount is None:
        await ledger.record(
            obj.user_id,
            entry,
            status="failed",
            reason="; ".join(doc.problems)[:300] or "unparseable",
            kind="retail",
        )
        return {"outcome": "failed"}
    order_ref = doc.order_id or f"msg-{meta.get('message-id') or obj.digest}"
    invoice_id = invoice_id_for(obj.user_id, obj.vendor_id, order_ref)
    invoice_date = doc.invoice_date or obj.sent_date
    base = {
        "UserID": obj.user_id,
        "InvoiceID": invoice_id,
        "vendor_id": obj.vendor_id,
        "vendor_name": (vendor or {}).get("vendor_name") or doc.vendor_name or obj.vendor_id,
        "sub_type": obj.sub_type,
        "UserID_SubType": f"{obj.user_id}_{obj.sub_type}",
        "total_amount": Decimal(doc.total_amount),
        "currency": doc.currency
        or ((vendor or {}).get("parser_hints") or {}).get("currency")
        or "SEK",
        "invoice_date": invoice_date,
        "order_id": doc.order_id,
        "vendor_order_key": f"{obj.vendor_id}#{order_ref}",
        "payment_status": "completed",
        "status": doc.status,
        "extraction_method": doc.method,
        "extractor": doc.extractor,
        "confidence": Decimal(str(round(doc.confidence, 2))),
        "document_type": doc.document_type,
        "gross_amount": doc.gross_amount,
        "prepaid_amount": doc.prepaid_amount,
        "invoice_number": doc.invoice_number,
        "s3_path": obj.key,
        "message_id": meta.get("message-id"),
        "ledger_key": meta.get("ledger-key"),
        "created_at": datetime.now(UTC).isoformat(),
    }
    if doc.problems:
        base["review_reasons"] = doc.problems[:10]
    details = dict(doc.fields.get("details") or {})
    details.update(UserID=obj.user_id, InvoiceID=invoice_id)
    inserted = await _write(obj, base, details)
    await ledger.record(
        obj.user_id,
        entry,
        status=doc.status if inserted else "duplicate",
        invoice_id=invoice_id,
        kind="retail",
    )
    return {"outcome": "inserted" if inserted else "duplicate", "invoice_id": invoice_id}


async def _write(obj: RetailObject, base: dict[str, Any], details: dict[str, Any]) -> bool:
    """Base row, detail row and the order entry together, behind the account-deletion fence;
    False when the invoice exists."""
    s = settings()
    clean = {k: v for k, v in base.items() if v is not None}
    try:
        await fenced_write(
            obj.user_id,
            [
                {
                    "Put": {
                        "TableName": s.table("retail_invoices"),
                        "Item": to_item(clean),
                        "ConditionExpression": "attribute_not_exists(InvoiceID)",
                    }
                },
                {
                    "Put": {
                        "TableName": s.table(DETAIL_TABLES[obj.sub_type]),
                        "Item": to_item(_decimals(details)),
                    }
                },
                {
                    "Put": {
                        "TableName": s.table("ingestion_ledger"),
                        "Item": to_item(
                            {
                                "UserID": obj.user_id,
                                "LedgerKey": f"order#{base['vendor_order_key']}",
                                "status": "done",
                                "invoice_id": base["InvoiceID"],
                            }
                        ),
                    }
                },
            ],
        )
        return True
    except UserDeletedError:
        raise
    except Exception as exc:
        if cancelled_item(exc, 0):
            return False
        if aws.error_code(exc) == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons", [])  # type: ignore[attr-defined]
            if any(r.get("Code") in ("ValidationError", "ValidationException") for r in reasons):
                raise InvoiceParseError("DynamoDB rejects the extracted invoice") from exc
        if aws.error_code(exc) == "ValidationException":  # the item itself is invalid: permanent
            raise InvoiceParseError("DynamoDB rejects the extracted invoice") from exc
        raise DependencyError("Database error while storing the invoice") from exc


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value
