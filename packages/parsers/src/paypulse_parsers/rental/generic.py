"""Generic PDF invoice extraction for senders without a template: amount to pay, due date, invoice
date, payment reference, currency, order id and vendor where the labels allow. Always
``needs_review``: a person (or a template) confirms it before anyone relies on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from paypulse_parsers import labels, ocr
from paypulse_parsers.document import ParsedDocument
from paypulse_parsers.language import detect_language
from paypulse_parsers.pdf_text import Cell, NotAnInvoiceError, PdfText, Row
from paypulse_parsers.rental.amounts import Money, currency_in, dominant_currency, parse_amount
from paypulse_parsers.rental.dates import find_dates
from paypulse_parsers.rental.layout import amount_rows, cells_below

METHOD = "generic-pdf"


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_WEAK = "|".join(re.escape(w) for w in labels.words("weak") if w not in ("payment", "sum"))
# (priority, label pattern): lower priority wins; ties go to the largest amount.
_AMOUNT_LABELS = (
    (0, labels.pattern("due")),
    (1, labels.pattern("gross")),
    (2, _re(rf"^(?:{_WEAK})\b")),
)
_NOT_TOTAL = labels.pattern("not_total")
_TAX = labels.pattern("tax")
_INCLUDING = labels.pattern("including")
_INVOICE_DATE_LABELS = (
    labels.pattern("issue_date"),
    _re(r"(facture|invoice|rechnung|faktura)\b.*?\b(du|of|vom|från)\b"),
    _re(r"^(date|datum|data|dato|fecha)\b|\b(date|datum)\s*:"),
    labels.pattern("order_date"),
)
_DUE_DATE_LABELS = (labels.pattern("due_date"),)


def _label_priority(label: str) -> int | None:
    """The priority of an amount label; None for other and excluded labels (the words of the
    label itself, "Netto a pagare", do not exclude it)."""
    for priority, pattern in _AMOUNT_LABELS:
        m = pattern.search(label)
        if m:
            return None if _excluded(label[: m.start()] + " " + label[m.end() :]) else priority
    return None


def _excluded(label: str) -> bool:
    """A sub-total, net or tax line (a tax word counts unless "incl." stands before it)."""
    if _NOT_TOTAL.search(label):
        return True
    tax = _TAX.search(label)
    return bool(tax and not _INCLUDING.search(label[: tax.start()]))


_REFERENCE_LABELS = _re(
    r"\bocr\b|betalningsreferens|referensnummer|payment reference|communication|"
    r"betalingskenmerk|kenmerk|verwendungszweck|référence de paiement"
)
_ORDER_LABELS = _re(r"order ?(id|no\.?|number|nr\.?|nummer)|bestellnummer|booking id")
_INVOICE_NUMBER_LABELS = _re(
    r"invoice (no\.?|number|nr\.?|#)|factuurnummer|rechnungs-?nr\.?|rechnungsnummer|"
    r"facture n°|fakturanummer|^invoice\b"
)
_SWEDISH = _re(r"förfallodatum|att betala|bankgiro|plusgiro|\bmoms\b")
_OCR_HASH = re.compile(r"(?<!\d)(\d{2,25})\s?#")
_DIGITS = re.compile(r"(?<![\w/])(\d[\d ]{2,28}\d)(?![\w/])")
_TOKEN = re.compile(r"#?\s*([A-Z0-9][A-Z0-9_/\-]*\d[A-Z0-9_/\-]*)", re.IGNORECASE)
_LEGAL_FORM = re.compile(
    r"\b(AB|Inc\.?|B\.V\.|BV|N\.V\.|AG|GmbH|Ltd\.?|Limited|LLC|SAS|S\.A\.S\.|SARL|Sarl|Oy|"
    r"A/S|ASA|spółka akcyjna|sp\. z o\.o\.|Pvt\.? Ltd\.?)(?=$|[\s,.])"
)
_NOT_VENDOR = _re(r"^(attn|c/o|to|bill|ship)\b|registered|regd|office|capital|kapital")


def _labelled(rows: tuple[Row, ...], pattern: labels.Searcher) -> Iterator[tuple[int, int, str]]:
    """(row index, cell index, text after the label) for each cell whose text matches."""
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.cells):
            found = pattern.search(cell.text)
            if found:
                yield i, j, cell.text[found.end() :]


def _value_texts(rows: tuple[Row, ...], i: int, j: int, rest: str) -> Iterator[str]:
    """Where a label's value may be: after it in its cell, the next cells, the cells below."""
    yield rest
    cells: tuple[Cell, ...] = rows[i].cells
    yield from (c.text for c in cells[j + 1 :])
    yield from (c.text for c in cells_below(rows, i, cells[j]))


def _amount(text: PdfText) -> tuple[Money, str] | None:
    rows = text.rows
    candidates: list[tuple[int, Money, str]] = []
    for pair in amount_rows(rows):
        priority = _label_priority(pair.label)
        if priority is not None:
            candidates.append((priority, pair.money, pair.label))
    if not candidates:  # a label with its amount below it (table headers)
        for priority, pattern in _AMOUNT_LABELS:
            for i, j, _rest in _labelled(rows, pattern):
                label = rows[i].cells[j].text
                if _label_priority(label) != priority:
                    continue
                for cell in cells_below(rows, i, rows[i].cells[j]):
                    money = parse_amount(cell.text)
                    if money is not None:
                        candidates.append((priority, money, label))
                        break
    if not candidates:
        return None
    best = min(c[0] for c in candidates)
    _, money, label = max((c for c in candidates if c[0] == best), key=lambda c: c[1].value)
    return money, label


def _date(text: PdfText, patterns: tuple[labels.Searcher, ...], month_first: bool) -> date | None:
    rows = text.rows
    for pattern in patterns:
        for i, j, rest in _labelled(rows, pattern):
            for value in _value_texts(rows, i, j, rest):
                found = find_dates(value, month_first=month_first)
                if found:
                    return found[0][1]
    return None


def payment_reference(text: PdfText) -> str | None:
    hashed = _OCR_HASH.search(text.text)
    if hashed and ocr.is_valid(hashed[1]):
        return hashed[1]
    rows = text.rows
    for i, j, rest in _labelled(rows, _REFERENCE_LABELS):
        for value in _value_texts(rows, i, j, rest):
            found = _DIGITS.search(value)
            if found:
                return ocr.normalize(found[1])
    return None


def _token_after(text: PdfText, pattern: re.Pattern[str]) -> str | None:
    rows = text.rows
    for i, j, rest in _labelled(rows, pattern):
        for value in _value_texts(rows, i, j, rest.lstrip(" :.")):
            found = _TOKEN.match(value.strip(" :"))
            if found:
                return found[1]
    return None


def _vendor(text: PdfText) -> str | None:
    for row in text.rows:
        if row.page > 0:
            break
        for cell in row.cells:
            if _NOT_VENDOR.search(cell.text):
                continue
            # "Sold By : X Ltd." / "X AG - street - city": keep the part naming the company
            for part in re.split(r":|\s[-\u2013|]\s", cell.text):
                if _LEGAL_FORM.search(part) and not _NOT_VENDOR.search(part):
                    return part.strip(" ,")
    return None


def parse(text: PdfText) -> ParsedDocument:
    """Extract what the labels give; raise NotAnInvoiceError when no amount to pay is found."""
    amount = _amount(text)
    if amount is None:
        raise NotAnInvoiceError()
    money, label = amount
    full = text.text
    currency = money.currency or currency_in(label) or dominant_currency(full)
    if currency is None and _SWEDISH.search(full):
        currency = "SEK"  # Swedish bills often print bare amounts ("10 245,00")
    month_first = currency == "USD"
    invoice_date = _date(text, _INVOICE_DATE_LABELS, month_first)
    due = _date(text, _DUE_DATE_LABELS, month_first)
    reference = payment_reference(text)
    problems = ["no_template"]
    if currency is None:
        problems.append("currency_missing")
    if due is None:
        problems.append("due_date_missing")
    fields: dict[str, object] = {"amount_label": label}
    invoice_number = _token_after(text, _INVOICE_NUMBER_LABELS)
    if invoice_number:
        fields["invoice_number"] = invoice_number
    return ParsedDocument(
        kind="unknown",
        vendor_name=_vendor(text),
        total_amount=money.value,
        currency=currency,
        invoice_date=invoice_date.isoformat() if invoice_date else None,
        due_date=due.isoformat() if due else None,
        payment_reference=reference,
        order_id=_token_after(text, _ORDER_LABELS),
        line_items=[],
        method="rules",
        extractor=METHOD,
        confidence=0.5,
        language=detect_language(full),
        status="needs_review",
        fields=fields,
        problems=problems,
    )
