"""Gemini extraction through google-genai with structured output. google.genai is imported only
here, inside the call, so the markup/rules path never pays for it."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from paypulse_common import metrics
from paypulse_common.errors import DependencyError
from paypulse_parsers.retail.categories import response_schema

MAX_PROMPT_CHARS = 60_000  # compacted text beyond this is cut (a long e-mail is still ~15k tokens)

_ROLES = {
    "food-delivery": "You extract food delivery orders.",
    "clothing": "You extract clothing and shoe orders.",
    "technology": "You extract technology and electronics orders.",
    "subscriptions": "You extract subscription receipts and invoices.",
    "grocery": "You extract grocery receipts.",
    "utility": "You extract utility bills.",
    "miscellaneous": "You extract retail order confirmations and receipts.",
    "travel": "You extract travel bookings and tickets.",
}
_CATEGORY_RULES = {
    "food-delivery": ["The delivery fee is not an item.", "discount is 0 when there is none."],
    "clothing": ["The delivery fee is not an item.", "A missing brand is the vendor name."],
    "technology": ["The delivery fee is not an item.", "notes: any other useful free text."],
    "subscriptions": ["duration: the billing period (month or date range)."],
    "grocery": [
        "unit: kg, pcs or liter (default pcs).",
        "category: produce, dairy, ... (default miscellaneous).",
    ],
    "utility": ["usage_details: e.g. '450 kWh' (empty when unknown)."],
    "miscellaneous": ["A Kindle book: item name = book title, category 'Books'."],
    "travel": ["One travel_details entry per leg.", "booking_reference: the booking code/PNR."],
}
_SHARED_RULES = [
    "Extract ALL fields.",
    "total_amount is the amount the customer pays (after discounts, incl. delivery and tax).",
    "invoice_date is the order/invoice date as YYYY-MM-DD.",
    "Amounts are plain numbers without currency symbols; currency is an ISO 4217 code.",
    "Missing strings are null; missing numbers are 0.",
]


@dataclass(frozen=True)
class GeminiSettings:
    api_key: str
    model: str = "gemini-2.5-flash-lite"
    base_url: str | None = None


def build_prompt(text: str, *, vendor: dict | None, category: str) -> str:
    """Instructions + vendor hints + the compacted e-mail text."""
    hints = (vendor or {}).get("parser_hints") or {}
    name = (vendor or {}).get("vendor_name")
    lines = [_ROLES.get(category, _ROLES["miscellaneous"])]
    intro = f"Parse this {name} email" if name else "Parse this order e-mail"
    if hints.get("vendor_desc"):
        intro += f" ({hints['vendor_desc']})"
    lines.append(intro + ".")
    if hints.get("language") == "sv":
        lines.append("This email is in Swedish.")
    if hints.get("items_desc"):
        lines.append(f"Items are {hints['items_desc']}.")
    if hints.get("currency"):
        lines.append(
            f"Amounts written with 'kr', ':-' or '$' are in {hints['currency']} unless stated."
        )
    lines.append("Instructions:")
    lines += [f"- {rule}" for rule in _SHARED_RULES + _CATEGORY_RULES.get(category, [])]
    translations = hints.get("field_translations") or {}
    if translations:
        lines.append("Look for these keywords:")
        lines += [f"- {sv} = {en}" for sv, en in translations.items()]
    lines.append("E-mail text:")
    lines.append(text[:MAX_PROMPT_CHARS])
    return "\n".join(lines)


async def gemini_fields(
    text: str, *, vendor: dict | None, category: str, settings: GeminiSettings
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(fields returned by the model, call info). Raises DependencyError when the call fails
    with a retryable status (429/5xx/network); other API errors raise ValueError."""
    from google import genai
    from google.genai import errors, types

    http_options = types.HttpOptions(base_url=settings.base_url) if settings.base_url else None
    client = genai.Client(api_key=settings.api_key, http_options=http_options)
    prompt = build_prompt(text, vendor=vendor, category=category)
    config = types.GenerateContentConfig(
        temperature=0.1,
        response_mime_type="application/json",
        response_schema=response_schema(category),
    )
    metrics.count(metrics.GEMINI_CALLS)
    try:
        response = await client.aio.models.generate_content(
            model=settings.model, contents=prompt, config=config
        )
    except errors.APIError as exc:
        if exc.code == 429 or (exc.code or 0) >= 500:
            raise DependencyError(f"Gemini failed with status {exc.code}") from exc
        raise ValueError(f"Gemini refused the request (status {exc.code})") from exc
    except (OSError, TimeoutError) as exc:
        raise DependencyError("Gemini could not be reached") from exc
    finally:
        with contextlib.suppress(Exception):  # closing must not hide the result
            await client.aio.aclose()
    metrics.count(
        metrics.GEMINI_TOKENS, getattr(response.usage_metadata, "total_token_count", 0) or 0
    )
    raw = response.text or ""
    try:
        data = json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValueError("Gemini answered with invalid JSON") from exc
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if not isinstance(data, dict):
        raise ValueError("Gemini answered with a non-object")
    usage = response.usage_metadata
    info = {
        "model": settings.model,
        "prompt_chars": len(prompt),
        "prompt_tokens": getattr(usage, "prompt_token_count", None),
    }
    return data, info
