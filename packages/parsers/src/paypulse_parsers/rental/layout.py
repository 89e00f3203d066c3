"""Pairing labels with values by where they sit on the page: the same row, or the cell below."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from paypulse_parsers.pdf_text import Cell, Row
from paypulse_parsers.rental.amounts import Money, parse_amount

_HAS_LETTER = re.compile(r"[^\W\d_]")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class AmountRow:
    """A label and the amount printed on its row (rightmost amount before the next label)."""

    label: str
    money: Money
    row_index: int


def clean_label(text: str) -> str:
    """'Hyra*' / '(Kallvatten):' / ' Moms : ' -> bare label text."""
    return re.sub(r"\s+", " ", text.replace("*", "").replace("(", "").replace(")", "")).strip(" :")


def split_inline(text: str) -> tuple[str, Money] | None:
    """'Moms: 86' / 'Subtotal $ 112.00' / 'Hyra 10 245,00' -> (label, amount); None otherwise."""
    if not _HAS_DIGIT.search(text):
        return None
    if ":" in text:
        label, _, value = text.rpartition(":")
        money = parse_amount(value)
        if money and _HAS_LETTER.search(label):
            return clean_label(label), money
    words = text.split()
    for k in range(1, len(words)):
        label, value = " ".join(words[:k]), " ".join(words[k:])
        if not _HAS_LETTER.search(label):
            continue
        money = parse_amount(value)
        if money and (money.has_decimals or money.currency):
            return clean_label(label), money
    return None


def amount_rows(rows: Sequence[Row]) -> list[AmountRow]:
    """Every (label, amount) pair, in page order; rows may hold several pairs."""
    pairs: list[AmountRow] = []
    for index, row in enumerate(rows):
        label: str | None = None
        money: Money | None = None
        for cell in row.cells:
            value = parse_amount(cell.text)
            if value is not None:
                if label is not None:
                    money = value
                continue
            if label is not None and money is not None:
                pairs.append(AmountRow(label, money, index))
            money = None
            inline = split_inline(cell.text)
            if inline:
                pairs.append(AmountRow(inline[0], inline[1], index))
                label = None
            else:
                label = clean_label(cell.text)
        if label is not None and money is not None:
            pairs.append(AmountRow(label, money, index))
    return pairs


def cells_below(rows: Sequence[Row], index: int, cell: Cell, *, max_rows: int = 2) -> list[Cell]:
    """Cells in the next rows of the same page that overlap ``cell`` horizontally (a header
    over its value), nearest first, no further than about three line heights."""
    row = rows[index]
    height = max(w.height for w in cell.words)
    found: list[Cell] = []
    for below in rows[index + 1 : index + 1 + max_rows]:
        if below.page != row.page or below.top - row.y > height * 3:
            break
        found.extend(c for c in below.cells if c.x0 < cell.x1 + 2 and c.x1 > cell.x0 - 2)
    return found
