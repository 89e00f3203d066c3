"""Validate extraction fields and build the ParsedDocument: ISO 4217 currency, Decimal amounts,
ISO dates, line items against the total, the app's required detail fields, skipped when there
is nothing to pay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from paypulse_parsers.document import LineItem, Method, ParsedDocument, check_amount
from paypulse_parsers.retail.categories import detail_row
from paypulse_parsers.retail.money import ISO_4217, normalize_currency, to_decimal
from paypulse_parsers.retail.rules import find_dates

_BASE = ("vendor_name", "total_amount", "currency", "invoice_date", "order_id", "due_date")


def iso_date(value: Any) -> str | None:
    """YYYY-MM-DD from an ISO date/datetime or a written date; None when not a real date."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        found = find_dates(text)
        return found[0][1] if found else None


def _line_items(raw: Any) -> list[LineItem]:
    items = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            continue
        unit = to_decimal(entry.get("price"))
        qty = to_decimal(entry.get("quantity"))
        amount = to_decimal(entry.get("amount"))
        if amount is None and unit is not None:
            amount = unit * (qty if qty is not None else 1)
        extra = {k: v for k, v in entry.items() if k not in ("name", "price", "quantity", "amount")}
        items.append(LineItem(str(entry["name"]).strip(), amount, qty, unit, extra))
    return items


def _items_match(total: Decimal, items: list[LineItem], fields: dict) -> bool | None:
    amounts = [i.amount for i in items if i.amount is not None]
    if not items or len(amounts) != len(items):
        return None
    base = sum(amounts, Decimal(0))
    fee = to_decimal(fields.get("delivery_fee")) or Decimal(0)
    tax = to_decimal(fields.get("tax")) or Decimal(0)
    discount = abs(to_decimal(fields.get("discount")) or Decimal(0))
    tolerance = Decimal("0.02") * max(len(items), 1)
    combos = {
        base,
        base + fee,
        base - discount,
        base + fee - discount,
        base + fee + tax - discount,
        base + tax,
    }
    return any(abs(total - c) <= tolerance for c in combos)


def build_document(
    fields: dict[str, Any],
    *,
    method: str,
    category: str,
    vendor: dict | None,
    fallback_vendor: str | None,
    fallback_date: str | None,
    hint_currency: str | None,
    doubts: list[str],
) -> ParsedDocument:
    """The validated ParsedDocument; ``doubts`` make it needs_review."""
    problems = list(doubts)
    vendor_name = (
        (vendor or {}).get("vendor_name") or _text(fields.get("vendor_name")) or (fallback_vendor)
    )
    if not vendor_name:
        problems.append("vendor not identified")
    total = to_decimal(fields.get("total_amount"))
    currency = normalize_currency(fields.get("currency"), hint_currency)
    if fields.get("currency") and currency is None:
        problems.append("currency is not an ISO 4217 code")
    if currency is None and total is not None:
        currency = hint_currency if hint_currency in ISO_4217 else None
        problems.append("currency missing" + ("; used the vendor's currency" if currency else ""))
    invoice_date = iso_date(fields.get("invoice_date"))
    if fields.get("invoice_date") and invoice_date is None:
        problems.append("invoice_date is not a date")
    if invoice_date is None and fallback_date:
        invoice_date = fallback_date
    items = _line_items(fields.get("items"))
    status = "needs_review" if problems else "parsed"
    if total is None:
        status = "skipped"
        problems.append("no amount to pay found")
    elif total == 0:
        status = "skipped"
        problems.append("amount to pay is zero")
    else:
        if total < 0:
            total = -total
            problems.append("negative amount (refund or money received)")
            status = "needs_review"
        match = _items_match(total, items, fields)
        if match is False:
            status = "needs_review"
            problems.append("line items do not add up to the total")
    extras = {k: v for k, v in fields.items() if k not in _BASE and k != "items"}
    kept = ("brand", "description", "unit", "category")
    detail_items = [
        {
            "name": i.name,
            "price": i.unit_price if i.unit_price is not None else i.amount,
            "quantity": i.quantity,
            **{k: v for k, v in i.extra.items() if k in kept},
        }
        for i in items
    ]
    details_input = {**fields, "items": detail_items}
    out_fields: dict[str, Any] = {
        "category": category,
        "vendor_id": (vendor or {}).get("vendor_id"),
        "details": detail_row(category, details_input, vendor_name=vendor_name or ""),
    }
    for key in ("document_type", "orders", "direction", "payment_status", "llm"):
        if extras.get(key) is not None:
            out_fields[key] = extras[key]
    doc = ParsedDocument(
        kind="retail",
        confidence=_confidence(status, method, problems),
        language=_text(fields.get("language")),
        gross_amount=to_decimal(fields.get("gross_amount")),
        prepaid_amount=to_decimal(fields.get("prepaid_amount")),
        document_type="receipt",
        vendor_name=vendor_name,
        total_amount=total,
        currency=currency,
        invoice_date=invoice_date,
        due_date=iso_date(fields.get("due_date")),
        payment_reference=None,
        order_id=_text(fields.get("order_id")),
        line_items=items,
        method=_method_of(method),
        extractor=method,
        status=status,  # type: ignore[arg-type]
        fields=out_fields,
        problems=problems,
    )
    return check_amount(doc)


def _confidence(status: str, extractor: str, problems: list[str]) -> float:
    """A coarse 0..1 score: markup > rules > model, less for each doubt."""
    if status in ("skipped", "failed"):
        return 0.0
    base = 0.95 if extractor == "schema.org" else 0.85
    if "gemini" in extractor:
        base = 0.8
    return round(max(0.1, base - 0.15 * len(problems)), 2)


def _method_of(extractor: str) -> Method:
    """The coarse method of a detailed extractor name (``schema.org+gemini`` -> llm)."""
    if "gemini" in extractor:
        return "llm"
    return "markup" if extractor == "schema.org" else "rules"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None
