"""Deterministic extraction from the compacted text (no LLM): the amount to pay, currency,
date, order id. Labels are ranked so the amount to pay wins over gross totals and sub-totals;
one e-mail holding several orders (one "Order total" per order section) sums them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from paypulse_parsers import labels
from paypulse_parsers.cldr import MONTHS
from paypulse_parsers.currency import ISO_4217, Evidence, sender_tld
from paypulse_parsers.language import detect_language
from paypulse_parsers.retail.money import Money, find_money

_WEAK = "|".join(re.escape(w) for w in labels.words("weak"))
# (rank, pattern): the label starts the line (after up to two words for the amount to pay).
_LABELS: list[tuple[int, labels.Searcher]] = [
    (100, labels.pattern("due", anchored=True, lead_words=2)),
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
    (80, labels.pattern("gross", anchored=True, lead_words=1)),
    (60, re.compile(rf"^(?:{_WEAK})\s*(?::|$|\t|(?=[$€£¥₹\d-])|(?=[A-Z]{{3}}\s?\d))", re.I)),
]
_PREPAID = labels.pattern("prepaid", anchored=True, lead_words=1)
_NOT_TOTAL = labels.pattern("not_total")
_TAX = labels.pattern("tax")
_INCLUDING = labels.pattern("including")
_INCOMING = re.compile(r"\byou\s+received\s+a\s+payment\b|\brefund(?:ed)?\b|\båterbetal", re.I)
# The lookahead on the labels' first letters fails most positions with one test instead of
# trying every alternative there (the pattern scans the whole e-mail).
_ORDER_LABEL = re.compile(
    r"(?=[obrcitfk])(?:ordernummer|ordernr\.?|order\s*(?:#|no\.?|number|id|nr\.?)?|bokningsnummer|"
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
_ISSUE_LABEL = labels.pattern("issue_date")
_ORDER_DATE_LABEL = labels.pattern("order_date")
_DUE_DATE_LABEL = labels.pattern("due_date")
_ANY_DATE_LABEL = re.compile(
    r"(?<!\w)(?:date|datum|dato|data|fecha|päiväys|päivämäärä|ημερομηνία)(?!\w)\s*:?", re.I
)
# A month is any word looked up in the CLDR table afterwards: a 250-name alternation tried at
# every position would dominate the parse time.
_WORD = r"[^\W\d_]{3,12}"
_DATE_PATTERNS = [
    (re.compile(r"\b(?P<y>20\d\d|19\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"), "ymd"),
    (
        re.compile(
            r"(?<!\w)(?P<d>\d{1,2})\.?\s+(?:de\s+)?(?P<mon>" + _WORD
            + r")\.?,?\s+(?:de\s+)?(?P<y>\d{4})\b"
        ),
        "dmy",
    ),
    (
        re.compile(
            r"(?<!\w)(?P<mon>" + _WORD + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b"
        ),
        "mdy",
    ),
    (re.compile(r"(?<![\d.])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>20\d\d)\b"), "num"),
]  # fmt: skip


@dataclass
class _Candidate:
    rank: int
    money: Money
    line: int
    section: str | None  # the order id the amount belongs to (the last one seen above it)


def _month(name: str) -> int | None:
    name = name.lower().rstrip(".")
    return 9 if name == "sept" else MONTHS.get(name)


def find_dates(text: str, *, month_first: bool = False) -> list[tuple[int, str]]:
    """(position, ISO date) of every recognisable date in ``text``; ``month_first`` reads
    numeric dates written with slashes as US month/day (the document's locale decides)."""
    found = []
    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            try:
                if kind == "num":
                    a, b = int(m.group("a")), int(m.group("b"))
                    day, month = (b, a) if month_first and m.group("sep") == "/" else (a, b)
                    if month > 12 >= day:
                        day, month = month, day
                elif kind == "ymd":
                    day, month = int(m.group("d")), int(m.group("m"))
                else:
                    month_number = _month(m.group("mon"))
                    if month_number is None:
                        continue
                    day, month = int(m.group("d")), month_number
                found.append((m.start(), date(int(m.group("y")), month, day).isoformat()))
            except ValueError:
                continue
    return sorted(found)


def _without_dates(text: str) -> str:
    """Dates blanked out (``12.03.2024`` must not read as the amount 12.03)."""
    for position, _value in reversed(_date_spans(text)):
        start, end = position
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _date_spans(text: str) -> list[tuple[tuple[int, int], str]]:
    return [((m.start(), m.end()), m.group(0)) for p, kind in _DATE_PATTERNS
            for m in p.finditer(text) if (kind != "dmy" and kind != "mdy")
            or _month(m.group("mon")) is not None]  # fmt: skip


def _amount_near(lines: list[str], i: int, after: int, hint: Evidence) -> Money | None:
    """The first currency-marked amount after the label on line i, else on the next 2 lines."""
    for j, segment in enumerate([lines[i][after:], *lines[i + 1 : i + 3]]):
        if j and _label_rank(segment) is not None:
            return None  # the next line is another label: this label has no value
        hits = [h for h in find_money(_without_dates(segment), hint) if h.marked]
        if hits:
            return hits[0]
    return None


def _label_rank(line: str) -> tuple[int, int] | None:
    stripped = line.lstrip(" \t>-*•|:·")
    for rank, pattern in _LABELS:
        m = pattern.search(stripped)
        if not m:
            continue
        window = stripped[: m.end() + 12]
        # words of the label itself ("Netto a pagare") do not exclude it
        if _NOT_TOTAL.search(stripped[: m.start()] + " " + stripped[m.end() : m.end() + 12]):
            return None
        tax = _TAX.search(window)
        if tax and not _INCLUDING.search(window[: tax.start()]):
            return None
        return rank, m.end() + (len(line) - len(stripped))
    return None


_DIGIT = re.compile(r"\d")
_CODE_NEAR_NUMBER = re.compile(r"\b([A-Z]{3})(?=\s?[\d-])|(?<=\d)\s?([A-Z]{3})\b")


def evidence_of(text: str, *, hint_currency: str | None, sender: str | None) -> Evidence:
    """The document's currency evidence: language, sender domain, ISO codes next to numbers."""
    codes = {a or b for a, b in _CODE_NEAR_NUMBER.findall(text[:20000])}
    return Evidence(
        language=detect_language(text),
        tld=sender_tld(sender),
        codes=frozenset(codes & ISO_4217),
        hint=hint_currency.upper() if hint_currency else None,
    )


def _pick(candidates: list[_Candidate]) -> tuple[int, Decimal, Money, list[dict] | None]:
    """(rank, total, the money it came from, per-order totals) of the best-ranked label."""
    best_rank = max(c.rank for c in candidates)
    best = [c for c in candidates if c.rank == best_rank]
    sections = {c.section for c in best}
    if best_rank == 80 and len(sections) > 1 and None not in sections:
        per_section = {c.section: c.money for c in best}  # last total of each order
        total = sum((m.amount for m in per_section.values()), Decimal(0))
        orders = [{"order_id": s, "total_amount": m.amount} for s, m in per_section.items()]
        return best_rank, total, list(per_section.values())[-1], orders
    amounts = [c.money.amount for c in best]
    common = max(set(amounts), key=lambda a: (amounts.count(a), amounts[::-1].index(a) * -1))
    chosen = next(c.money for c in reversed(best) if c.money.amount == common)
    return best_rank, chosen.amount, chosen, None


def _document_currency(text: str, evidence: Evidence) -> str | None:
    """The one currency the document's marked amounts agree on, else None."""
    found = {m.currency for m in find_money(_without_dates(text[:20000]), evidence) if m.currency}
    return found.pop() if len(found) == 1 else None


def rule_fields(
    text: str, *, hint_currency: str | None, sender: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Extraction fields from compacted text and the reasons the result is not confident."""
    lines = text.split("\n")
    evidence = evidence_of(text, hint_currency=hint_currency, sender=sender)
    doubts: list[str] = []
    candidates: list[_Candidate] = []
    prepaid: list[Money] = []
    section: str | None = None
    # An amount and an order number need a digit: a line without one on it or on the two lines
    # below has no candidate, so the label patterns are not tried there (most of an e-mail).
    digits = [_DIGIT.search(line) is not None for line in lines] + [False, False]
    for i, line in enumerate(lines):
        if not (digits[i] or digits[i + 1] or digits[i + 2]):
            continue
        for order in _ORDER_LABEL.finditer(line) if digits[i] else ():
            if order.group(0).lower().startswith("order") and re.search(r"\d", order.group("id")):
                section = order.group("id")
        stripped = line.lstrip(" \t>-*•|:·")
        paid = _PREPAID.search(stripped)
        if paid:
            money = _amount_near(lines, i, paid.end() + len(line) - len(stripped), evidence)
            if money is not None:
                prepaid.append(money)
            continue
        found = _label_rank(line)
        if not found:
            continue
        rank, end = found
        money = _amount_near(lines, i, end, evidence)
        if money is not None:
            candidates.append(_Candidate(rank, money, i, section))
    fields: dict[str, Any] = {"language": evidence.language}
    if candidates:
        best_rank, total, chosen, orders = _pick(candidates)
        if orders:
            fields["orders"] = orders
        if best_rank < 100 and prepaid and not orders:
            paid_total = sum((abs(m.amount) for m in prepaid), Decimal(0))
            if 0 < paid_total <= abs(total):  # gross printed with a deposit, no amount due
                fields["gross_amount"], fields["prepaid_amount"] = abs(total), paid_total
                total = abs(total) - paid_total
        fields["total_amount"] = abs(total)
        currency, explicit = chosen.currency, chosen.explicit
        if currency is None:
            currency = _document_currency(text, evidence) or hint_currency
            doubts.append("currency not written next to the amount")
        elif not explicit:
            doubts.append("currency symbol shared by several currencies; no evidence settles it")
        fields["currency"] = currency
        if best_rank < 80:
            doubts.append("amount taken from a weak label (total/payment)")
        if _INCOMING.search(text[:2000]):
            fields["direction"] = "incoming"
            doubts.append("the e-mail reports money received or refunded, not a purchase")
    fields["vendor_name"] = text_vendor(text)
    fields["order_id"] = _order_id(text)
    month_first = evidence.language == "en" and "USD" in (fields.get("currency"), evidence.hint)
    fields["invoice_date"] = _labelled_date(text, _ISSUE_LABEL, month_first) or _invoice_date(
        text, month_first
    )
    fields["due_date"] = _labelled_date(text, _DUE_DATE_LABEL, month_first)
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


def _labelled_date(
    text: str, label: labels.Searcher, month_first: bool, *, not_after: frozenset[int] = frozenset()
) -> str | None:
    """The first date written right after a label of ``label``'s kind (a label that ends where
    one in ``not_after`` ends, e.g. "date" of "Due date", does not count)."""
    for m in label.finditer(text, 0, 30_000):
        if m.end() in not_after or m.end() - 1 in not_after:
            continue
        dates = find_dates(text[m.end() : m.end() + 40], month_first=month_first)
        if dates and dates[0][0] < 6:
            return dates[0][1]
    return None


def _invoice_date(text: str, month_first: bool = False) -> str | None:
    """An order date, then a bare "Date:" label, then the first date not labelled as a due,
    delivery or order date."""
    skip = [m.end() for m in _DUE_DATE_LABEL.finditer(text)]
    for label in (_ORDER_DATE_LABEL, _ANY_DATE_LABEL):
        found = _labelled_date(text, label, month_first, not_after=frozenset(skip))
        if found:
            return found
    head = text[:5000]
    for position, value in find_dates(head, month_first=month_first):
        if not any(0 <= position - end < 6 for end in skip):
            return value
    return None
