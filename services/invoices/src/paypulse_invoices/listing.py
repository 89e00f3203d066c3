"""GET /v1/invoices/rental and /retail (and one rental invoice): lists, retail counts and details, shaped as the app's
models decode them (years and categories as JSON object keys, newest first)."""

from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from paypulse_common import ledger
from paypulse_common.categories import RETAIL_SUB_TYPES
from paypulse_common.errors import InvalidRequestError, NotFoundError
from paypulse_invoices import rental_store, retail_store
from paypulse_invoices.models import MAX_LIMIT

_HIDDEN_RENTAL = ("UserID", "s3_key")
# Row fields that are text; every other field of a rent notice is an amount row.
_RENTAL_TEXT = frozenset(
    {"InvoiceID", "Filename", "OCR", "Due Date", "due_date_month", "due_date_year"}
    | {"status", "extraction_method", "needs_review_reason", "template"}
)
_AMOUNT_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def rental_view(row: dict[str, Any]) -> dict[str, Any]:
    """A stored rent notice as both rental routes answer it: internal fields dropped, every
    amount row a JSON number (rows stored as amount text by older parses included)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in _HIDDEN_RENTAL:
            continue
        if key not in _RENTAL_TEXT and isinstance(value, str) and _AMOUNT_TEXT.match(value):
            value = Decimal(value)
        out[key] = value
    return out


def _newest_first(row: dict[str, Any]) -> tuple[int, int, str]:
    return (_number(row.get("due_date_year")), _number(row.get("due_date_month")), row["InvoiceID"])


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def encode_cursor(position: tuple[int, int, str]) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, str]:
    """The (year, month, invoice id) after which the next page starts; anything else is a
    400 INVALID_REQUEST (never a database error: the cursor is not a DynamoDB key)."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidRequestError("Invalid cursor") from exc
    if (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value[:2])
        and isinstance(value[2], str)
        and 0 < len(value[2]) <= 200
    ):
        return value[0], value[1], value[2]
    raise InvalidRequestError("Invalid cursor")


async def rental(user_id: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Every invoice, or one page of ``limit`` (default 100 with a cursor), newest first; the
    pages come in the order of the whole list."""
    rows = sorted(await rental_store.all_rows(user_id), key=_newest_first, reverse=True)
    cursor, limit = params.get("cursor"), params.get("limit")
    if cursor is not None:
        after = decode_cursor(cursor)
        rows = [r for r in rows if _newest_first(r) < after]
    next_cursor = None
    if (limit is not None or cursor is not None) and len(rows) > (limit or MAX_LIMIT):
        rows = rows[: limit or MAX_LIMIT]
        next_cursor = encode_cursor(_newest_first(rows[-1]))
    invoices: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        invoices[str(row.get("due_date_year", ""))].append(rental_view(row))
    failed = await failures(user_id, "rental/")
    data: dict[str, Any] = {"invoiceCount": len(rows), "invoices": dict(invoices), "failed": failed}
    if next_cursor:
        data["next_cursor"] = next_cursor
    message = (
        "Rental invoices retrieved successfully!"
        if rows
        else "No rental invoices found for this user."
    )
    return message, data


async def failures(user_id: str, under: str) -> list[dict[str, Any]]:
    """The uploads under ``invoices/{user}/{under}`` that could not be parsed, with the reason
    recorded in the ledger (rental and retail alike)."""
    return [
        {"file": e["LedgerKey"].rsplit("/", 1)[-1], "reason": e.get("reason", "unparseable")}
        async for e in ledger.entries(user_id, f"obj#invoices/{user_id}/{under}")
        if e.get("status") == "failed"
    ]


async def rental_invoice(user_id: str, invoice_id: str) -> dict[str, Any]:
    row = await rental_store.get(user_id, invoice_id)
    if row is None:
        raise NotFoundError("Invoice not found")
    return rental_view(row)


async def retail(user_id: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``invoice-id`` → that invoice's details (in ``subtype`` when given); else ``counts``;
    else the list of ``subtype`` by year, or of every category by category."""
    sub = params.get("subtype")
    invoice_id = params.get("invoice-id")
    if invoice_id is not None:
        base = await retail_store.base_row(user_id, invoice_id)
        found = base.get("sub_type") if base else None
        detail = (
            await retail_store.detail_row(user_id, found, invoice_id)
            if found in RETAIL_SUB_TYPES and sub in (None, found)
            else None
        )
        if detail is None:
            raise NotFoundError("Invoice not found")
        detail.pop("UserID", None)
        return f"Retail {found} invoice details retrieved successfully!", {"invoiceDetails": detail}
    if params.get("counts"):
        label = f"Retail {sub} invoice counts" if sub else "Retail invoice counts"
        return f"{label} retrieved successfully!", await retail_store.counts(user_id, sub)
    rows = await retail_store.summaries(user_id, sub)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = (row.get("invoice_date") or "1900")[:4] if sub else row.get("sub_type", "")
        groups[key].append({k: v for k, v in row.items() if k != "sub_type"})
    label = f"Retail {sub} invoices" if sub else "Retail invoices"
    message = (
        f"{label} retrieved successfully!" if rows else f"No {label.lower()} found for this user."
    )
    return message, {
        "invoiceCount": len(rows),
        "invoices": dict(sorted(groups.items(), reverse=True)),
        "failed": await failures(user_id, f"retail/{sub}/" if sub else "retail/"),
    }
