"""Dates as invoices print them: ISO, 31/12/2017, 8-9-2022, 21.05.14, "August 3 , 2014",
"7. Mai 2014", "02 Juillet 2015", "3 de marzo de 2025", "3. března 2025" (CLDR month names of
sv da nb fi de nl fr es it pt pl cs el en)."""

from __future__ import annotations

import re
from datetime import date

from paypulse_parsers.cldr import MONTHS

# CLDR month names of the 14 languages, plus the ASCII spellings invoices use without accents.
_MONTHS = {**MONTHS, "maerz": 3, "fevrier": 2, "aout": 8, "sept": 9, "decembre": 12}
_MONTH_NAME = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")
_DAY_MONTH = re.compile(
    rf"(?<!\w)(\d{{1,2}})\.?\s+(?:de\s+)?({_MONTH_NAME})\.?,?\s+(?:de\s+)?(\d{{4}})(?!\d)", re.I
)
_MONTH_DAY = re.compile(rf"(?<!\w)({_MONTH_NAME})\.?\s+(\d{{1,2}})\s*,?\s*(\d{{4}})(?!\d)", re.I)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, *, month_first: bool = False) -> list[tuple[int, date]]:
    """Every date in ``text`` with its position. ``month_first`` reads 03/04/2023 as US style."""
    found: list[tuple[int, date]] = []
    for m in _ISO.finditer(text):
        if d := _make(int(m[1]), int(m[2]), int(m[3])):
            found.append((m.start(), d))
    for m in _NUMERIC.finditer(text):
        first, second, year = int(m[1]), int(m[3]), int(m[4])
        if len(m[4]) == 2:
            year += 2000
        day, month = (second, first) if month_first and m[2] == "/" else (first, second)
        if month > 12 and day <= 12:
            day, month = month, day
        if d := _make(year, month, day):
            found.append((m.start(), d))
    for m in _DAY_MONTH.finditer(text):
        if d := _make(int(m[3]), _MONTHS[m[2].lower()], int(m[1])):
            found.append((m.start(), d))
    for m in _MONTH_DAY.finditer(text):
        if d := _make(int(m[3]), _MONTHS[m[1].lower()], int(m[2])):
            found.append((m.start(), d))
    return sorted(found, key=lambda item: item[0])


def first_date(text: str, *, month_first: bool = False) -> date | None:
    dates = find_dates(text, month_first=month_first)
    return dates[0][1] if dates else None
