"""``extract_retail``: e-invoice attachment → schema.org markup → rules → Gemini, each validated.

Gemini is the fallback for what structure and rules cannot settle: it is asked only when the
rules' result (merged with any partial markup) is not ``parsed``, i.e. no amount, a currency
that is missing or guessed, a weak label, money received, no order id or no date. A settled
e-mail is stored from the rules with the line items the markup gave (none otherwise), and costs
no model call. Gemini's answer goes through the same ``build_document`` validation."""

from __future__ import annotations

import logging
import re
from typing import Any

from paypulse_common.errors import DependencyError
from paypulse_parsers.document import ParsedDocument
from paypulse_parsers.language import detect_language
from paypulse_parsers.retail.categories import detail_row, normalize_category
from paypulse_parsers.retail.email_input import EmailInput, read_input
from paypulse_parsers.retail.gemini import GeminiSettings, gemini_fields
from paypulse_parsers.retail.html_document import HtmlDocument, parse_html, plain_text
from paypulse_parsers.retail.jsonld import parse_jsonld_block
from paypulse_parsers.retail.money import to_decimal
from paypulse_parsers.retail.rules import rule_fields
from paypulse_parsers.retail.schema_org import from_objects
from paypulse_parsers.retail.validation import build_document

log = logging.getLogger(__name__)


def read_document(
    document: bytes | str, content_type: str = "text/html"
) -> tuple[EmailInput, HtmlDocument]:
    """Decoded input and its parsed/compacted form (also used by benchmarks and the CLI)."""
    source = read_input(document, content_type)
    parsed = parse_html(source.body) if source.is_html else plain_text(source.body)
    if source.plain and not re.search(r"\d", parsed.text):  # an image-only HTML part
        alternative = plain_text(source.plain)
        parsed = HtmlDocument(alternative.text, parsed.title, parsed.jsonld, parsed.microdata)
    return source, parsed


def _sender_vendor(sender: str | None) -> str | None:
    if not sender:
        return None
    name = sender.partition("<")[0]
    name = name.strip().strip('"').strip()
    if name:
        return name
    domain = re.search(r"@([\w.-]+)", sender)
    if not domain:
        return None
    labels = domain.group(1).lower().split(".")
    return labels[-2].capitalize() if len(labels) >= 2 else labels[0].capitalize()


def _merge(primary: dict[str, Any], secondary: dict[str, Any]) -> dict[str, Any]:
    """``primary`` values win unless empty."""
    merged = dict(secondary)
    for key, value in primary.items():
        if value not in (None, "", [], {}):
            merged[key] = value
    return merged


def _cross_check(
    fields: dict[str, Any], rules: dict[str, Any], rule_doubts: list[str]
) -> list[str]:
    """A doubt when confident rules read a different amount to pay than the model."""
    strong = rules.get("total_amount") is not None and not any(
        d.startswith(("amount", "currency")) for d in rule_doubts
    )
    model_total = to_decimal(fields.get("total_amount"))
    if strong and model_total is not None and abs(model_total) != rules["total_amount"]:
        return ["the model's amount differs from the labelled total in the text"]
    return []


def settled(doc: ParsedDocument) -> bool:
    """Structure or rules settled the document: an amount and currency with no doubt left
    (every doubt makes a result needs_review). Anything else is worth a model call."""
    return doc.status == "parsed"


async def extract_retail(
    document: bytes | str,
    *,
    content_type: str = "text/html",
    vendor: dict | None = None,
    category: str | None = None,
    gemini: GeminiSettings | None = None,
) -> ParsedDocument:
    """Extract one retail document (HTML, .eml or text). Never raises on bad input: the result's
    status says parsed / needs_review / skipped (nothing to pay) / failed. Raises
    DependencyError only when Gemini is configured and failed in a retryable way."""
    try:
        return await _extract(document, content_type, vendor, category, gemini)
    except DependencyError:
        raise
    except Exception as exc:
        log.warning("retail extraction failed: %s", type(exc).__name__)
        return ParsedDocument(
            kind="retail",
            vendor_name=(vendor or {}).get("vendor_name"),
            total_amount=None,
            currency=None,
            invoice_date=None,
            due_date=None,
            payment_reference=None,
            order_id=None,
            method="rules",
            extractor="none",
            status="failed",
            problems=[f"unexpected {type(exc).__name__} while parsing"],
        )


def _einvoice(source: EmailInput) -> ParsedDocument | None:
    """An attached (or the given) CII/UBL e-invoice, also inside a Factur-X PDF: it beats any
    total printed in the body."""
    from paypulse_parsers.einvoice import looks_like_einvoice, parse_einvoice

    for name, _ctype, data in source.attachments:
        if looks_like_einvoice(data):
            doc = parse_einvoice(data)
        elif data[:5] == b"%PDF-":
            doc = _pdf_einvoice(data)
        else:
            continue
        if doc is not None:
            if name:
                doc.fields["attachment"] = name
            return doc
    return None


def _pdf_einvoice(data: bytes) -> ParsedDocument | None:
    from paypulse_parsers.einvoice import parse_einvoice
    from paypulse_parsers.pdf_text import PdfParseError, read_pdf

    try:
        text = read_pdf(data, max_pages=1)
    except PdfParseError:
        return None
    for _name, xml in text.attachments:
        doc = parse_einvoice(xml)
        if doc is not None:
            return doc
    return None


def _as_retail(doc: ParsedDocument, category: str, vendor: dict | None) -> ParsedDocument:
    """An e-invoice result with the retail fields the detail tables need."""
    doc.kind = "retail"
    doc.vendor_name = (vendor or {}).get("vendor_name") or doc.vendor_name
    items = [
        {"name": i.name, "price": i.unit_price if i.unit_price is not None else i.amount,
         "quantity": i.quantity}
        for i in doc.line_items
    ]  # fmt: skip
    data = {
        "items": items,
        "tax": doc.fields["einvoice"]["tax"],
        "invoice_number": doc.invoice_number,
    }
    doc.fields.update(
        category=category,
        vendor_id=(vendor or {}).get("vendor_id"),
        details=detail_row(category, data, vendor_name=doc.vendor_name or ""),
    )
    return doc


async def _extract(
    document: bytes | str,
    content_type: str,
    vendor: dict | None,
    category: str | None,
    gemini: GeminiSettings | None,
) -> ParsedDocument:
    source, parsed = read_document(document, content_type)
    structured = _einvoice(source) if source.attachments else None
    if structured is not None:
        chosen = normalize_category(category or (vendor or {}).get("invoice_sub_type"))
        return _as_retail(structured, chosen, vendor)
    hints = (vendor or {}).get("parser_hints") or {}
    hint_currency = hints.get("currency")
    objects = [o for block in parsed.jsonld for o in parse_jsonld_block(block)] + parsed.microdata
    markup = from_objects(objects)
    markup_fields, markup_category = markup if markup else ({}, None)
    chosen = normalize_category(
        category or (vendor or {}).get("invoice_sub_type") or markup_category
    )
    common: dict[str, Any] = {
        "category": chosen,
        "vendor": vendor,
        "fallback_vendor": _sender_vendor(source.sender),
        "fallback_date": source.date,
        "hint_currency": hint_currency,
    }
    if markup_fields.get("total_amount") is not None:
        markup_fields.setdefault("language", detect_language(parsed.text))
        return build_document(markup_fields, method="schema.org", doubts=source.problems, **common)
    prefix = "schema.org+" if markup_fields else ""
    fields, rule_doubts = rule_fields(
        parsed.text, hint_currency=hint_currency, sender=source.sender
    )
    merged = _merge(markup_fields, fields) if markup_fields else fields
    if merged.get("order_id"):
        rule_doubts = [d for d in rule_doubts if d != "no order id found"]
    if merged.get("invoice_date") or source.date:
        rule_doubts = [d for d in rule_doubts if d != "no date found"]
    doubts = list(source.problems)
    by_rules = build_document(
        merged, method=prefix + "rules", doubts=doubts + rule_doubts, **common
    )
    if gemini is None or settled(by_rules) or not parsed.text.strip():
        return by_rules
    try:
        answer, info = await gemini_fields(
            parsed.text, vendor=vendor, category=chosen, settings=gemini
        )
    except ValueError as exc:  # an answer that cannot be used: the rules' result, recorded
        doubts.append(f"gemini: {exc}")
        return build_document(
            merged, method=prefix + "rules", doubts=doubts + rule_doubts, **common
        )
    answer["llm"] = info
    from_model = _merge(markup_fields, answer) if markup_fields else answer
    doubts += _cross_check(from_model, fields, rule_doubts)
    return build_document(from_model, method=prefix + "gemini", doubts=doubts, **common)
