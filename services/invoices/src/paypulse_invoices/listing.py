"""GET /v1/invoices/{type}: rental lists, retail counts, lists and details, shaped as the app's
models decode them (years and categories as JSON object keys, newest first)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from paypulse_common import ledger
from paypulse_common.categories import RETAIL_SUB_TYPES, valid_sub_types
from paypulse_common.errors import InvalidRequestError, NotFoundError
from paypulse_invoices import rental_store, retail_store

MAX_LIMIT = 100
_HIDDEN_RENTAL = ("UserID", "s3_key")


def _flag(query: dict[str, str], name: str) -> bool:
    value = query.get(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise InvalidRequestError(f"'{name}' must be true or false")
    return value.lower() == "true"


def _limit(query: dict[str, str]) -> int | None:
    if "limit" not in query:
        if "cursor" in query:
            raise InvalidRequestError("'cursor' needs 'limit'")
        return None
    try:
        limit = int(query["limit"])
    except ValueError as exc:
        raise InvalidRequestError(f"'limit' must be a number from 1 to {MAX_LIMIT}") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequestError(f"'limit' must be a number from 1 to {MAX_LIMIT}")
    return limit


async def rental(user_id: str, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    extra = set(query) - {"limit", "cursor"}
    if extra:
        raise InvalidRequestError(
            f"Rental invoices take no {', '.join(sorted(extra))} parameter (only limit, cursor)"
        )
    rows, cursor = await rental_store.page(user_id, limit=_limit(query), cursor=query.get("cursor"))
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[str(row.get("due_date_year", ""))].append(
            {k: v for k, v in row.items() if k not in _HIDDEN_RENTAL}
        )
    invoices = {
        year: sorted(
            items, key=lambda r: (int(r.get("due_date_month") or 0), r["InvoiceID"]), reverse=True
        )
        for year, items in sorted(groups.items(), reverse=True)
    }
    failed = [
        {"file": e["LedgerKey"].rsplit("/", 1)[-1], "reason": e.get("reason", "unparseable")}
        async for e in ledger.entries(user_id, f"obj#invoices/{user_id}/rental/")
        if e.get("status") == "failed"
    ]
    data: dict[str, Any] = {"invoiceCount": len(rows), "invoices": invoices, "failed": failed}
    if cursor:
        data["next_cursor"] = cursor
    message = (
        "Rental invoices retrieved successfully!"
        if rows
        else "No rental invoices found for this user."
    )
    return message, data


def _sub_type(query: dict[str, str]) -> str | None:
    sub = query.get("subtype")
    if sub is not None and sub not in RETAIL_SUB_TYPES:
        raise InvalidRequestError(
            f"Invalid retail sub-type '{sub[:40]}'. Valid options: {valid_sub_types()}"
        )
    return sub


async def retail(user_id: str, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    unknown = set(query) - {"subtype", "invoice-id", "counts"}
    if unknown:
        raise InvalidRequestError(
            f"Unknown parameter {', '.join(sorted(unknown))}. Valid: subtype, invoice-id, counts"
        )
    sub = _sub_type(query)
    counts = _flag(query, "counts")
    invoice_id = query.get("invoice-id")
    if invoice_id is not None and (sub is None or counts):
        raise InvalidRequestError(
            "'invoice-id' needs 'subtype' and cannot be combined with 'counts'"
        )
    if counts:
        label = f"Retail {sub} invoice counts" if sub else "Retail invoice counts"
        return f"{label} retrieved successfully!", await retail_store.counts(user_id, sub)
    if invoice_id is not None:
        assert sub is not None
        base = await retail_store.base_row(user_id, invoice_id[:200])
        detail = await retail_store.detail_row(user_id, sub, invoice_id[:200]) if base else None
        if base is None or base.get("sub_type") != sub or detail is None:
            raise NotFoundError("Invoice not found")
        detail.pop("UserID", None)
        return f"Retail {sub} invoice details retrieved successfully!", {"invoiceDetails": detail}
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
    }
