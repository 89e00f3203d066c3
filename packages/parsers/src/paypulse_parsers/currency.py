"""Currency of an amount from its marker (ISO code, symbol, local name) and the document's
evidence (its language, the sender's domain, ISO codes printed elsewhere).

Symbols and home currencies come from CLDR (``cldr.py``); ``EXTRA_MARKERS`` are spellings CLDR
does not list as symbols but invoices print. A marker that several currencies share ("kr", "$",
"Rs", "¥") is resolved from the evidence; without evidence the first CLDR reading is returned as
uncertain, which makes the result ``needs_review``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paypulse_parsers.cldr import HOME_CURRENCY, SYMBOLS

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
EXTRA_MARKERS: dict[str, tuple[str, ...]] = {
    "kr": ("SEK", "NOK", "DKK", "ISK"),
    "kr.": ("DKK", "ISK", "SEK", "NOK"),
    "kronor": ("SEK",),
    "kroner": ("DKK", "NOK"),
    "krónur": ("ISK",),
    ":-": ("SEK",),
    ",-": ("SEK", "NOK", "DKK", "CZK"),
    "$": ("USD", "CAD", "AUD", "NZD", "MXN", "SGD", "HKD"),
    "us$": ("USD",),
    "ca$": ("CAD",),
    "a$": ("AUD",),
    "au$": ("AUD",),
    "nz$": ("NZD",),
    "rs": ("INR", "PKR", "LKR", "NPR"),
    "rs.": ("INR", "PKR", "LKR", "NPR"),
    "₨": ("INR", "PKR", "LKR", "NPR"),
    "fr.": ("CHF",),
    "sfr.": ("CHF",),
    "chf": ("CHF",),
    "¥": ("JPY", "CNY"),
    "￥": ("JPY",),
    "kc": ("CZK",),
    "zl": ("PLN",),
    "euro": ("EUR",),
    "euros": ("EUR",),
    "eur": ("EUR",),
    "lei": ("RON",),
}
# Country-code domains that settle a shared marker.
_TLD_CURRENCY = {
    "se": "SEK", "no": "NOK", "dk": "DKK", "is": "ISK", "ca": "CAD", "au": "AUD", "nz": "NZD",
    "in": "INR", "pk": "PKR", "lk": "LKR", "np": "NPR", "mx": "MXN", "sg": "SGD", "hk": "HKD",
    "jp": "JPY", "cn": "CNY", "ch": "CHF", "cz": "CZK", "pl": "PLN", "hu": "HUF", "br": "BRL",
    "uk": "GBP", "us": "USD",
}  # fmt: skip
_LANGUAGE_CURRENCY = {**HOME_CURRENCY, "en": None}  # English alone does not say which "$"


@dataclass(frozen=True)
class Evidence:
    """What the document says about its currency beyond the marker next to an amount."""

    language: str | None = None
    tld: str | None = None  # the sender's country-code top-level domain
    codes: frozenset[str] = field(default_factory=frozenset)  # ISO codes printed anywhere
    hint: str | None = None  # the vendor configuration's currency


def readings(marker: str) -> tuple[str, ...]:
    """Every ISO code a marker may mean (empty when it is not a currency marker)."""
    m = marker.strip()
    if m.upper() in ISO_4217 and (m.isupper() or len(m) == 3):
        return (m.upper(),)
    if m in SYMBOLS:
        base = SYMBOLS[m]
        extra = EXTRA_MARKERS.get(m.lower(), ())
        return tuple(dict.fromkeys((*extra, *base)))
    return EXTRA_MARKERS.get(m.lower(), ())


def resolve(marker: str | None, evidence: Evidence | None = None) -> tuple[str | None, bool]:
    """(ISO code, certain?) for a marker written next to an amount."""
    if not marker:
        return None, False
    options = readings(marker)
    if not options:
        return None, False
    if len(options) == 1:
        return options[0], True
    ev = evidence or Evidence()
    for candidate in (ev.hint, _TLD_CURRENCY.get(ev.tld or "")):
        if candidate in options:
            return candidate, True
    printed = [c for c in options if c in ev.codes]
    if len(printed) == 1:
        return printed[0], True
    by_language = _LANGUAGE_CURRENCY.get(ev.language or "")
    if by_language in options:
        return by_language, True
    return options[0], False


def sender_tld(sender: str | None) -> str | None:
    """``billing@shop.co.uk`` -> ``uk``; None without an address."""
    if not sender or "@" not in sender:
        return None
    domain = sender.rpartition("@")[2].strip(" >").lower()
    tld = domain.rpartition(".")[2]
    return tld if tld.isalpha() and len(tld) == 2 else None
