"""The Swedish rent notice ("hyresavi") template.

Rows Hyra, Kallvatten, Varmvatten, El (e.g. "El enligt mätare") and Moms ("Moms: N" or
"Mervärdesskatt 25%") are read by the row they share with their amount; every other amount row
between the first breakdown row and "Totalt att betala" is kept under its own label (e.g.
"Retroaktiv hyra avser 2302"). OCR: ten digits followed by " #" (or after an "OCR" label), Luhn
checked. Förfallodatum is the due date.
"""

from __future__ import annotations

import re
from decimal import Decimal

from paypulse_parsers import ocr
from paypulse_parsers.document import LineItem, ParsedDocument
from paypulse_parsers.pdf_text import PdfText
from paypulse_parsers.rental.amounts import currency_in, parse_amount
from paypulse_parsers.rental.dates import first_date
from paypulse_parsers.rental.layout import AmountRow, amount_rows, clean_label

METHOD = "hyresavi-template"
STANDARD_ROWS = ("Hyra", "Kallvatten", "Varmvatten", "El", "Moms")

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Hyra", re.compile(r"^hyra\b", re.I)),
    ("Kallvatten", re.compile(r"^kallvatten", re.I)),
    ("Varmvatten", re.compile(r"^varmvatten", re.I)),
    ("El", re.compile(r"^(el\b|elförbrukning|elektricitet|hushållsel)", re.I)),
    ("Moms", re.compile(r"^moms\b", re.I)),
    ("Mervärdesskatt", re.compile(r"^mervärdesskatt", re.I)),
)
_BREAKDOWN_START = re.compile(r"^(hyra|kallvatten|varmvatten|el\b|retroaktiv|moms|mervärdes)", re.I)
_TOTAL = re.compile(r"totalt? att betala|att betala totalt|summa att betala", re.I)
_NOT_A_ROW = re.compile(
    r"ocr|bankgiro|plusgiro|datum|sida|kundnummer|avinummer|lägenhet|objekt|fakturanummer", re.I
)
_DUE = re.compile(r"förfallodatum:?\s*(.{6,20})", re.I)
_OCR_HASH = re.compile(r"(?<!\d)(\d{10})\s?#")
_OCR_LABEL = re.compile(r"\bocr\b[^0-9]{0,20}((?:\d\s?){10})(?!\d)", re.I)
_INVOICE_DATE = re.compile(
    r"(?:fakturadatum|avidatum|utskriftsdatum|utskrivet):?\s*(.{6,20})", re.I
)
_LANDLORD = re.compile(r"^[^\W\d][\w&.,' -]*?\b(?:AB|HB|KB)(?: \(publ\))?$")


def matches(text: PdfText) -> bool:
    """A hyresavi: says so, or has both Förfallodatum and Totalt att betala."""
    lowered = text.text.lower()
    return "hyresavi" in lowered or ("förfallodatum" in lowered and "att betala" in lowered)


def _kind(label: str) -> str | None:
    for name, pattern in _KINDS:
        if pattern.search(label):
            return name
    return None


def _landlord(text: PdfText) -> str | None:
    for row in text.rows:
        if row.page > 0:
            break
        for cell in row.cells:
            if _LANDLORD.match(cell.text):
                return cell.text
    return None


def _ocr(full: str) -> str | None:
    found = _OCR_HASH.search(full) or _OCR_LABEL.search(full)
    return ocr.normalize(found[1]) if found else None


def _breakdown(pairs: list[AmountRow], total_row: int | None) -> list[AmountRow]:
    start = next((p.row_index for p in pairs if _BREAKDOWN_START.search(p.label)), None)
    if start is None:
        return []
    return [
        p
        for p in pairs
        if p.row_index >= start
        and (total_row is None or p.row_index < total_row)
        and p.label
        and not _TOTAL.search(p.label)
        and not _NOT_A_ROW.search(p.label)
    ]


def _total_below(text: PdfText) -> AmountRow | None:
    """ "Totalt att betala:" with its amount on the next line (a boxed total)."""
    rows = text.rows
    for index, row in enumerate(rows):
        if not _TOTAL.search(row.text):
            continue
        height = max(w.height for w in row.words)
        for below in rows[index + 1 : index + 3]:
            if below.page != row.page or below.top - row.y > height * 3:
                break
            for cell in below.cells:
                money = parse_amount(cell.text)
                if money is not None:
                    return AmountRow(clean_label(row.text), money, index)
    return None


def parse(text: PdfText) -> ParsedDocument:
    """Read a hyresavi; ``total_amount`` is None when no "Totalt att betala" amount was found."""
    full = text.text
    pairs = amount_rows(text.rows)
    total = next((p for p in pairs if _TOTAL.search(p.label)), None) or _total_below(text)
    rows = _breakdown(pairs, total.row_index if total else None)
    problems: list[str] = []

    sums: dict[str, Decimal] = {}
    extras: dict[str, Decimal] = {}
    moms_rows: list[Decimal] = []
    vat_rows: list[tuple[str, Decimal]] = []
    for pair in rows:
        kind = _kind(pair.label)
        if kind == "Moms":
            moms_rows.append(pair.money.value)
        elif kind == "Mervärdesskatt":
            vat_rows.append((pair.label, pair.money.value))
        elif kind is not None:
            sums[kind] = sums.get(kind, Decimal(0)) + pair.money.value
        else:
            extras[pair.label] = extras.get(pair.label, Decimal(0)) + pair.money.value
    if moms_rows:
        sums["Moms"] = sum(moms_rows, Decimal(0))
        extras.update(vat_rows)  # "Moms:" wins; the Mervärdesskatt row is kept as it was printed
    elif vat_rows:
        sums["Moms"] = sum((v for _, v in vat_rows), Decimal(0))

    if total is not None:
        charges = sum(
            (p.money.value for p in rows if _kind(p.label) not in ("Moms", "Mervärdesskatt")),
            Decimal(0),
        )
        moms = sums.get("Moms", Decimal(0))
        if total.money.value not in (charges, charges + moms) and rows:
            problems.append("rows_do_not_add_up")

    due_match = _DUE.search(full)
    due = first_date(due_match[1]) if due_match else None
    if due is None:
        problems.append("due_date_missing")
    reference = _ocr(full)
    if reference is None:
        problems.append("ocr_missing")
    elif not ocr.is_valid(reference):
        problems.append("ocr_check_digit_invalid")
    if "Hyra" not in sums:
        problems.append("hyra_missing")
    invoice_date_match = _INVOICE_DATE.search(full)
    invoice_date = first_date(invoice_date_match[1]) if invoice_date_match else None

    return ParsedDocument(
        kind="rental",
        vendor_name=_landlord(text),
        total_amount=total.money.value if total else None,
        currency=(total.money.currency if total else None) or currency_in(full) or "SEK",
        invoice_date=invoice_date.isoformat() if invoice_date else None,
        due_date=due.isoformat() if due else None,
        payment_reference=reference,
        order_id=None,
        line_items=[LineItem(name=p.label, amount=p.money.value) for p in rows],
        method="rules",
        extractor=METHOD,
        confidence=0.95,
        status="needs_review" if problems or total is None else "parsed",
        fields={**sums, **extras},
        problems=problems,
    )
