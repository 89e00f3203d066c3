"""Deterministic extraction from the compacted text (no LLM): the amount to pay, currency,
date, order id. Labels are ranked so the amount to pay wins over gross totals and sub-totals;
one e-mail holding several orders (one "Order total" per order section) sums them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from paypulse_parsers.retail.money import Money, find_money

# (rank, pattern) — the pattern must match at the start of a line (or be a sentence pattern).
_LABELS: list[tuple[int, re.Pattern[str]]] = [
    (
        100,
        re.compile(
            r"^(?:total\s+charged(?:\s+to)?|amount\s+(?:to\s+pay|due|charged|paid)|balance\s+due|"
            r"total\s+(?:due|to\s+pay|paid)|(?:summa\s+|totalt\s+|belopp\s+)?att\s+betala|"
            r"totalt\s+betalt|betalt\s+belopp|du\s+betalade|charged(?:\s+to)?)\b",
            re.I,
        ),
    ),
    (
        95,
        re.compile(
            r"\b(?:you(?:'ve|\s+have)?\s+(?:sent|paid)\s+a\s+(?:total|payment)\s+of|"
            r"you(?:'ve)?\s+authori[sz]ed\s+a\s+payment\s+of|you\s+submitted\s+an\s+order\s+amounting\s+to|"
            r"you\s+received\s+a\s+payment\s+of|you\s+have\s+donated|you\s+donated|"
            r"you\s+(?:were|will\s+be)\s+charged)\b",
            re.I,
        ),
    ),
    (
        80,
        re.compile(
            r"^(?:order\s+total|grand\s+total|total\s+amount|totalbelopp|totalsumma|summa\s+totalt|"
            r"totalt(?:\s+inkl\.?\s*moms)?|total\s+(?:price|cost|fare)|totalt?\s+pris|total\s*\((?:inkl|incl)[^)]*\)|total\s+(?:inkl|incl)\w*\.?"
            r"(?:\s+(?:moms|vat|tax))?|totalpris|slutsumma|att\s+betala\s+totalt|invoice\s+total)\b",
            re.I,
        ),
    ),
    (60, re.compile(r"^(?:total|summa|belopp|amount)\s*(?::|$|\t|(?=[$€£¥\d-]))", re.I)),
    (40, re.compile(r"^(?:payment|betalning)\s*(?::|$|\t|(?=[$€£¥\d-]))", re.I)),
]
_NOT_TOTAL = re.compile(
    r"sub\s*-?total|delsumma|before\s+(?:vat|tax)|excl|exkl|ex\.?\s+moms|varav|tax\s+amount|"
    r"savings|discount|rabatt|funding\s+sources|points",
    re.I,
)
_INCOMING = re.compile(r"\byou\s+received\s+a\s+payment\b|\brefund(?:ed)?\b|\båterbetal", re.I)
_ORDER_LABEL = re.compile(
    r"(?:ordernummer|ordernr\.?|order\s*(?:#|no\.?|number|id|nr\.?)?|bokningsnummer|"
    r"booking\s+(?:reference|number|ref\.?)|reservation\s+(?:number|code)|confirmation\s+(?:number|code)|"
    r"invoice\s+(?:id|number|no\.?)|fakturanummer|receipt\s*(?:#|number|no\.?)|kvittonummer|"
    r"bokningsreferens|transaction\s+id)\s*[:#]?\s*#?\s*(?P<id>[A-Z0-9][A-Z0-9-]{3,40})",
    re.I,
)
_ORDER_RANK = (
    "order",
    "ordern",
    "bokning",
    "booking",
    "reservation",
    "confirmation",
    "invoice",
    "faktura",
    "receipt",
    "kvitto",
    "transaction",
)
_DATE_LABEL = re.compile(
    r"(?:placed\s+on|order\s+date|orderdatum|order\s+placed|invoice\s+date|fakturadatum|"
    r"köpdatum|datum|date|transaction\s+date|purchase\s+date|issued|utfärdad|bokningsdatum)\s*:?\s*",
    re.I,
)
_EN_MONTHS = "january february march april may june july august september october november december"
_SV_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december"
_MONTHS = {
    **{m: i + 1 for i, m in enumerate(_EN_MONTHS.split())},
    **{m: i + 1 for i, m in enumerate(_SV_MONTHS.split())},
}
_MON = "|".join(sorted({*_MONTHS, *(m[:3] for m in _MONTHS), "sept"}, key=len, reverse=True))
_DATE_PATTERNS = [
    (re.compile(r"\b(?P<y>20\d\d|19\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"), "ymd"),
    (
        re.compile(r"\b(?P<d>\d{1,2})\.?\s+(?P<mon>" + _MON + r")\.?,?\s+(?P<y>\d{4})\b", re.I),
        "dmy",
    ),
    (
        re.compile(
            r"\b(?P<mon>" + _MON + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b", re.I
        ),
        "mdy",
    ),
    (re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>20\d\d)\b"), "dmy_num"),
]


@dataclass
class _Candidate:
    rank: int
    money: Money
    line: int
    section: str | None  # the order id the amount belongs to (the last one seen above it)


def _month(name: str) -> int | None:
    name = name.lower().rstrip(".")
    if name == "sept":
        return 9
    for full, number in _MONTHS.items():
        if full == name or full[:3] == name:
            return number
    return None


def find_dates(text: str) -> list[tuple[int, str]]:
    """(position, ISO date) of every recognisable date in ``text``."""
    found = []
    for pattern, _kind in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            try:
                month = int(m.group("m")) if "m" in pattern.groupindex else _month(m.group("mon"))
                if month is None:
                    continue
                found.append(
                    (m.start(), date(int(m.group("y")), month, int(m.group("d"))).isoformat())
                )
            except ValueError:
                continue
    return sorted(found)


def _amount_near(lines: list[str], i: int, after: int, hint: str | None) -> Money | None:
    """The first currency-marked amount after the label on line i, else on the next 2 lines."""
    for j, segment in enumerate([lines[i][after:], *lines[i + 1 : i + 3]]):
        if j and _label_rank(segment) is not None:
            return None  # the next line is another label: this label has no value
        hits = [h for h in find_money(segment, hint) if h.marked]
        if hits:
            return hits[0]
    return None


def _label_rank(line: str) -> tuple[int, int] | None:
    stripped = line.lstrip(" \t>-*•|:·")
    for rank, pattern in _LABELS:
        m = pattern.search(stripped)
        if not m:
            continue
        if _NOT_TOTAL.search(stripped[: m.end() + 12]):
            return None
        return rank, m.end() + (len(line) - len(stripped))
    return None


def rule_fields(text: str, *, hint_currency: str | None) -> tuple[dict[str, Any], list[str]]:
    """Extraction fields from compacted text and the reasons the result is not confident."""
    lines = text.split("\n")
    doubts: list[str] = []
    candidates: list[_Candidate] = []
    section: str | None = None
    for i, line in enumerate(lines):
        for order in _ORDER_LABEL.finditer(line):
            if order.group(0).lower().startswith("order") and re.search(r"\d", order.group("id")):
                section = order.group("id")
        found = _label_rank(line)
        if not found:
            continue
        rank, end = found
        money = _amount_near(lines, i, end, hint_currency)
        if money is not None:
            candidates.append(_Candidate(rank, money, i, section))
    fields: dict[str, Any] = {}
    if candidates:
        best_rank = max(c.rank for c in candidates)
        best = [c for c in candidates if c.rank == best_rank]
        sections = {c.section for c in best}
        if best_rank == 80 and len(sections) > 1 and None not in sections:
            per_section = {c.section: c.money for c in best}  # last total of each order
            total = sum((m.amount for m in per_section.values()), Decimal(0))
            chosen = list(per_section.values())[-1]
            fields["orders"] = [
                {"order_id": s, "total_amount": m.amount} for s, m in per_section.items()
            ]
        else:
            amounts = [c.money.amount for c in best]
            common = max(
                set(amounts), key=lambda a: (amounts.count(a), amounts[::-1].index(a) * -1)
            )
            chosen = next(c.money for c in reversed(best) if c.money.amount == common)
            total = chosen.amount
        fields["total_amount"] = abs(total)
        currency = chosen.currency
        explicit = chosen.explicit
        if currency is None:
            currency = hint_currency
            doubts.append("currency not written next to the amount; used the vendor's currency")
        elif not explicit:
            doubts.append("currency inferred from a symbol or 'kr' and the vendor's hint")
        fields["currency"] = currency
        if best_rank < 80:
            doubts.append("amount taken from a weak label (total/payment)")
        if _INCOMING.search(text[:2000]):
            fields["direction"] = "incoming"
            doubts.append("the e-mail reports money received or refunded, not a purchase")
    fields["vendor_name"] = text_vendor(text)
    fields["order_id"] = _order_id(text)
    fields["invoice_date"] = _invoice_date(text)
    if not fields["order_id"]:
        doubts.append("no order id found")
    if not fields["invoice_date"]:
        doubts.append("no date found")
    return fields, doubts


_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}\s*[-\u2013]\s*)?(?:\d{4})?,?\s+"
    r"(?P<name>[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,2}?)(?=[.,]|\s*\(|\s+(?:Inc|Ltd|AB|LLC|GmbH|All)\b|$)",
    re.I | re.M,
)
_SHOP_DOMAIN = re.compile(r"\b[A-Z][A-Za-z0-9-]+\.(?:com|co\.uk|se|de|fr|nl|es|it|no|dk|fi)\b")


def text_vendor(text: str) -> str | None:
    """The sender brand written in the e-mail: the copyright holder, else the most frequent
    shop domain (``Amazon.co.uk``). None when neither appears."""
    holders = [m.group("name").strip().rstrip(".,") for m in _COPYRIGHT.finditer(text)]
    if holders:
        return max(set(holders), key=holders.count)
    domains = _SHOP_DOMAIN.findall(text)
    return max(set(domains), key=domains.count) if domains else None


def _order_id(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for m in _ORDER_LABEL.finditer(text):
        ident = m.group("id")
        if not re.search(r"\d", ident):
            continue
        label = m.group(0).lower()
        rank = next((i for i, w in enumerate(_ORDER_RANK) if label.startswith(w)), len(_ORDER_RANK))
        if best is None or rank < best[0]:
            best = (rank, ident)
    return best[1] if best else None


def _invoice_date(text: str) -> str | None:
    for m in _DATE_LABEL.finditer(text):
        window = text[m.end() : m.end() + 40]
        dates = find_dates(window)
        if dates and dates[0][0] < 5:
            return dates[0][1]
    dates = find_dates(text[:5000])
    return dates[0][1] if dates else None
