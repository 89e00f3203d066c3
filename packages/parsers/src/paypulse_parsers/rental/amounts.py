"""Money in invoice text: "10 245,00", "10 245 kr", "$4.11", "€ 2.321,00", "29.99 € TTC"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from paypulse_parsers.currency import ISO_4217, resolve

_MARKER = (
    r"(?:(?:us|ca|au|nz|r)\$|kr\.?|kronor|kroner|sek|eur|euros?|usd|gbp|inr|rs\.?|pln|zł|z[łl]|"
    r"nok|dkk|chf|s?fr\.|czk|kč|huf|ft|brl|[$€£₹¥]|:-)"
)
_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"""^\s*(?P<sign>[-\u2212\u2013])?\s*(?P<pre>{_MARKER})?\s*(?P<sign2>[-\u2212\u2013])?\s*
    (?P<number>{_NUMBER})
    \s*(?P<post>{_MARKER})?\s*(?:ttc|ht|inkl\.?\s*moms|inkl\.?\s*mva|incl\.?\s*vat)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_DIGIT = re.compile(r"\d")
_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_SYMBOL_IN_TEXT = re.compile(r"[$€£₹]|(?<![A-Za-z])(?:kr|Rs|zł|Kč|Ft|CHF|R\$)(?![A-Za-z])")


@dataclass(frozen=True, slots=True)
class Money:
    value: Decimal
    currency: str | None  # ISO 4217 when the text carried a marker
    has_decimals: bool  # "1 939,00" vs "1939" (plain integers may be quantities or ids)


def parse_number(text: str) -> Decimal:
    """'10 245,00' / '2.321,00' / '1,234.56' / '29.99' / "1'234" -> Decimal."""
    digits = re.sub(r"[ \u00a0\u202f']", "", text)
    dot, comma = digits.rfind("."), digits.rfind(",")
    decimal_at = max(dot, comma)
    if decimal_at >= 0 and (dot < 0 or comma < 0):
        # one kind of mark: repeated, or followed by exactly three digits -> thousands separator
        mark = digits[decimal_at]
        if digits.count(mark) > 1 or len(digits) - decimal_at - 1 == 3:
            decimal_at = -1
    if decimal_at >= 0:
        whole = re.sub(r"[.,]", "", digits[:decimal_at])
        return Decimal(f"{whole}.{digits[decimal_at + 1 :]}")
    return Decimal(re.sub(r"[.,]", "", digits))


def parse_amount(text: str) -> Money | None:
    """The amount when ``text`` is nothing but an amount (with optional currency), else None."""
    match = _AMOUNT.match(text) if _DIGIT.search(text) else None
    if not match:
        return None
    number = match["number"]
    value = parse_number(number)
    if match["sign"] or match["sign2"]:
        value = -value
    marker = match["pre"] or match["post"] or ""
    return Money(
        value=value,
        currency=resolve(marker)[0],
        has_decimals=bool(re.search(r"[.,]\d{1,2}$", number)),
    )


def to_int(value: Decimal) -> int:
    """Whole currency units (SEK without öre), half rounded up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _codes(text: str) -> list[str]:
    return [c for c in _CODE_IN_TEXT.findall(text) if c in ISO_4217]


def currency_in(text: str) -> str | None:
    """The first currency code or symbol in ``text``."""
    codes = _codes(text)
    if codes:
        return codes[0]
    symbol = _SYMBOL_IN_TEXT.search(text)
    return resolve(symbol[0])[0] if symbol else None


def dominant_currency(text: str) -> str | None:
    """The currency mentioned most often in ``text`` (codes and symbols)."""
    counts: dict[str, int] = {}
    for code in _codes(text):
        counts[code] = counts.get(code, 0) + 1
    for found in _SYMBOL_IN_TEXT.finditer(text):
        iso = resolve(found[0])[0]
        if iso:
            counts[iso] = counts.get(iso, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None
