"""Amounts and currencies in free text: number formats (``1 234,50``, ``1,234.50``, ``499:-``),
ISO 4217 codes, symbols ($ € £ ¥) and ``kr`` resolved with the vendor's hint currency."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Active ISO 4217 alphabetic codes.
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    ZWG""".split()  # noqa: SIM905
)
_DOLLAR = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD"})
_KRONA = frozenset({"SEK", "NOK", "DKK", "ISK"})
_YEN = frozenset({"JPY", "CNY"})
SYMBOLS = {"£": "GBP", "€": "EUR", "$": "USD", "¥": "JPY", "zł": "PLN", "₹": "INR", "₺": "TRY"}

_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.,'\u2019]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_CODES = r"[A-Z]{3}"
_PRE = r"(?P<pre>US\$|[$€£¥₹₺]|\b(?:" + _CODES + r"|kr\.?|Kr\.?|SEK)(?=\s?[\d-]))"
_POST = r"(?P<post>:-|,-|\s?(?:kr\b\.?|kronor\b|SEK\b|zł|[€$£¥]|" + _CODES + r"\b))"
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


def resolve_currency(marker: str | None, hint: str | None) -> tuple[str | None, bool]:
    """(ISO code, explicit?) for a marker written next to an amount; the hint breaks ties."""
    hint = (hint or "").upper() or None
    if not marker:
        return None, False
    m = marker.strip().rstrip(".")
    if m in ("US$",):
        return "USD", True
    if m.upper() in ISO_4217 and m.isupper():
        return m.upper(), True
    if m in (":-", ",-") or m.lower() in ("kr", "kronor"):
        return (hint if hint in _KRONA else "SEK"), hint in _KRONA
    if m == "$":
        return (hint if hint in _DOLLAR else "USD"), hint in _DOLLAR or hint is None
    if m == "¥":
        return (hint if hint in _YEN else "JPY"), hint in _YEN
    if m in SYMBOLS:
        return SYMBOLS[m], True
    return None, False


def find_money(text: str, hint: str | None = None) -> list[Money]:
    """Every amount in ``text`` with its currency (explicit marker, else None)."""
    found: list[Money] = []
    for m in MONEY.finditer(text):
        pre, post = m.group("pre"), (m.group("post") or "").strip() or None
        if (
            pre
            and pre.upper() not in ISO_4217
            and pre not in SYMBOLS
            and pre not in ("US$",)
            and (pre.lower().rstrip(".") != "kr")
        ):
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
            cur, exp = resolve_currency(marker, hint)
            if cur and (currency is None or exp):
                currency, explicit = cur, explicit or exp
        marked = bool(pre or post) or bool(re.search(r"[.,]\d{2}$", m.group("num")))
        found.append(Money(num, currency, explicit, marked, m.start(), m.end()))
    return found


def to_decimal(value: object) -> Decimal | None:
    """Decimal from a JSON/markup value (number or string such as ``"$70.00"``)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        hits = find_money(value)
        if hits:
            return hits[0].amount
        return parse_number(value)
    return None


def currency_in(value: str, hint: str | None = None) -> str | None:
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
    cur, _ = resolve_currency(v, hint)
    return cur
