"""Amounts and currencies in free text: number formats (``1 234,50``, ``1,234.50``,
``1.234,50``, ``1'234.50``, ``499:-``), ISO 4217 codes, symbols and local names (``kr``, ``Kč``,
``zł``, ``Ft``, ``Rs``, ``₹``, ``Fr.``, ``R$`` ...) resolved with the document's evidence
(``paypulse_parsers.currency``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from paypulse_parsers.currency import ISO_4217, Evidence, resolve

__all__ = ["ISO_4217", "Evidence", "Money", "find_money", "parse_number", "to_decimal"]

_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.,'\u2019]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_CODES = r"[A-Z]{3}"
_PRE = (
    r"(?P<pre>(?:US|CA|AU|NZ|A|R)\$|[$€£¥￥₹₺₨₴]|\b(?:"
    + _CODES
    + r"|[Kk]r\.?|Rs\.?|S?Fr\.|Kč|zł|EUR|Eur)(?=\s?[\d-]))"
)
_POST = (
    r"(?P<post>:-|,-(?!\d)|\s?(?:[Kk]r\b\.?|kronor\b|kroner\b|Kč|K[čc]\b|zł|z[łl]\b|Ft\b|"
    r"Rs\b\.?|S?Fr\.|lei\b|[Ee]uros?\b|[€$£¥￥₹₺₴]|" + _CODES + r"\b))"
)
MONEY = re.compile(
    r"(?<![\w.,])(?P<sign>[-\u2212\u2013])?\s?"
    + _PRE
    + r"?\s?(?P<sign2>[-\u2212\u2013])?\s?(?P<num>"
    + _NUMBER
    + r")"
    + _POST
    + r"?(?![\d])"
)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str | None  # ISO code, or None when the text carries no marker at all
    explicit: bool  # an ISO code or an unambiguous symbol was written next to the number
    marked: bool  # any currency marker (code, symbol, kr, :-) or two decimals
    start: int
    end: int


def parse_number(text: str) -> Decimal | None:
    """``1 234,50`` / ``1,234.50`` / ``1.234,50`` / ``499`` → Decimal; None when not a number."""
    raw = re.sub(r"[\s\u00a0\u202f'\u2019]", "", text.strip())
    raw = raw.replace("\u2212", "-").replace("\u2013", "-")
    if not raw:
        return None
    if "," in raw and "." in raw:
        dec = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if dec == "," else ",", "").replace(",", ".")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 else head.replace(",", "") + "." + tail
    elif raw.count(".") > 1 or (raw.count(".") == 1 and len(raw.rpartition(".")[2]) == 3):
        raw = raw.replace(".", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _evidence(hint: Evidence | str | None) -> Evidence:
    if isinstance(hint, Evidence):
        return hint
    return Evidence(hint=hint.upper() if hint else None)


def find_money(text: str, hint: Evidence | str | None = None) -> list[Money]:
    """Every amount in ``text`` with its currency (``explicit`` when the marker is certain)."""
    found: list[Money] = []
    evidence = _evidence(hint)
    for m in MONEY.finditer(text):
        pre, post = m.group("pre"), (m.group("post") or "").strip() or None
        if pre and pre.isupper() and len(pre) == 3 and pre not in ISO_4217:
            pre = None
        if post and post.isupper() and len(post) == 3 and post not in ISO_4217:
            post = None
        num = parse_number(m.group("num"))
        if num is None:
            continue
        if m.group("sign") or m.group("sign2"):
            num = -num
        currency, explicit = None, False
        for marker in (post, pre):
            cur, exp = resolve(marker, evidence)
            if cur and (currency is None or exp):
                currency, explicit = cur, explicit or exp
        marked = bool(pre or post) or bool(re.search(r"[.,]\d{2}$", m.group("num")))
        found.append(Money(num, currency, explicit, marked, m.start(), m.end()))
    return found


# https://schema.org/price: "Use '.' (FULL STOP) rather than ',' to indicate a decimal point";
# exponents appear in machine-written values ("1e38") and must not read as "1".
_PLAIN_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*$")


def to_decimal(value: object) -> Decimal | None:
    """Decimal from a JSON/markup value (number or string such as ``"$70.00"``)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        if _PLAIN_NUMBER.match(value):  # schema.org / JSON numbers: "." is the decimal point
            number = Decimal(value.strip())
            return number if number.is_finite() else None
        hits = find_money(value)
        if hits:
            return hits[0].amount
        return parse_number(value)
    return None


def currency_in(value: str, hint: Evidence | str | None = None) -> str | None:
    """The currency written in a string such as ``"$70.00"`` or ``"8,50 €"``."""
    for hit in find_money(value, hint):
        if hit.currency:
            return hit.currency
    return None


def normalize_currency(value: object, hint: str | None = None) -> str | None:
    """An ISO 4217 code from a code, symbol or ``kr``; None when unknown."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip()
    if v.upper() in ISO_4217:
        return v.upper()
    cur, _ = resolve(v, _evidence(hint))
    return cur
