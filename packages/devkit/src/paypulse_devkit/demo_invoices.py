"""Generated Swedish rent notices ("hyresavi" PDFs) for the demo mailbox, tests and benchmarks.

Laid out like the real one: two columns (labels left, amounts right-aligned), "Förfallodatum:
YYYY-MM-DD", "Moms: N" when there is VAT, "Totalt att betala:" and the OCR number followed by " #".
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from paypulse_parsers.ocr import luhn_check_digit

AmountStyle = Literal["decimals", "kr"]

_PAGE = (595, 842)  # A4 in points
_LEFT, _RIGHT = 60, 535
_MONTHS_SV = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip


@dataclass
class DemoInvoice:
    due: date
    pdf: bytes
    filename: str  # "Hyresavi_<ocr>.pdf"
    expected: dict[str, Any] = field(default_factory=dict)  # to_rental_row(...) of this PDF


def make_ocr(seed_digits: str) -> str:
    """A valid 10-digit OCR: the first nine digits of ``seed_digits`` (zero-padded) + Luhn digit."""
    payload = ("".join(ch for ch in seed_digits if ch.isdigit()) + "0" * 9)[:9]
    return payload + luhn_check_digit(payload)


def format_amount(value: int, style: AmountStyle = "decimals") -> str:
    """10245 -> '10 245,00' (decimals) or '10 245 kr' (kr)."""
    grouped = f"{value:,}".replace(",", " ")
    return f"{grouped},00" if style == "decimals" else f"{grouped} kr"


def hyresavi_pdf(
    *,
    due: date,
    rent: int,
    cold_water: int = 0,
    hot_water: int = 0,
    electricity: int = 0,
    vat: int | None = None,
    ocr: str,
    retro_rows: Sequence[tuple[str, int]] = (),
    two_pages: bool = False,
    landlord: str = "Wallenstam AB",
    amount_style: AmountStyle = "decimals",
) -> bytes:
    """One rent notice as PDF bytes. Rows whose amount is 0 are left out (as landlords do);
    the total is the sum of all rows plus ``vat``. With ``two_pages`` the retroactive rows and
    the payment part (total, OCR) are on page 2."""
    import pymupdf  # lazy: devkit users without PDFs never load it

    total = rent + cold_water + hot_water + electricity + sum(a for _, a in retro_rows) + (vat or 0)
    period = due + timedelta(days=1)
    doc = pymupdf.open()
    page = doc.new_page(width=_PAGE[0], height=_PAGE[1])

    def text(p: Any, x: float, y: float, s: str, size: float = 10, bold: bool = False) -> None:
        p.insert_text((x, y), s, fontname="hebo" if bold else "helv", fontsize=size)

    def right(p: Any, y: float, s: str, size: float = 10, bold: bool = False) -> None:
        width = pymupdf.get_text_length(s, fontname="hebo" if bold else "helv", fontsize=size)
        text(p, _RIGHT - width, y, s, size, bold)

    def header(p: Any, page_no: int) -> None:
        text(p, _LEFT, 70, "Hyresavi", 20, bold=True)
        right(p, 66, landlord, 12, bold=True)
        right(p, 80, "Box 1234, 401 23 Göteborg", 8)
        right(p, 92, "Org.nr 556052-3497", 8)
        text(p, _LEFT, 130, "Anna Andersson", 10)
        text(p, _LEFT, 143, "Exempelgatan 3 lgh 1101", 10)
        text(p, _LEFT, 156, "412 58 Göteborg", 10)
        text(p, 330, 130, f"Avidatum: {(due - timedelta(days=20)).isoformat()}", 9)
        text(p, 330, 143, f"Förfallodatum: {due.isoformat()}", 9, bold=True)
        text(p, 330, 156, f"Period: {_MONTHS_SV[period.month - 1]} {period.year}", 9)
        text(p, 330, 169, "Kontraktsnummer: 1234-5-1101", 9)
        if two_pages:
            right(p, 810, f"Sida {page_no} ({2})", 8)

    def rows(p: Any, y: float, items: Sequence[tuple[str, int]]) -> float:
        for label, amount in items:
            text(p, _LEFT, y, label)
            right(p, y, format_amount(amount, amount_style))
            y += 16
        return y

    header(page, 1)
    text(page, _LEFT, 215, "Specifikation", 11, bold=True)
    right(page, 215, "Belopp", 11, bold=True)
    page.draw_line((_LEFT, 221), (_RIGHT, 221), width=0.5)
    charges = [("Hyra", rent), ("Kallvatten", cold_water), ("Varmvatten", hot_water)]
    charges.append(("El enligt mätare", electricity))
    y = rows(page, 240, [(label, amount) for label, amount in charges if amount])
    if two_pages:
        text(page, _LEFT, y + 20, "Specifikationen fortsätter på nästa sida.", 8)
        page = doc.new_page(width=_PAGE[0], height=_PAGE[1])
        header(page, 2)
        y = 240
    y = rows(page, y, list(retro_rows))
    if vat:
        text(page, _LEFT, y, f"Moms: {vat}")
        y += 16
    page.draw_line((_LEFT, y - 8), (_RIGHT, y - 8), width=0.5)
    text(page, _LEFT, y + 8, "Totalt att betala:", 11, bold=True)
    right(page, y + 8, format_amount(total, amount_style), 11, bold=True)
    text(page, _LEFT, y + 50, "Betalas till bankgiro 5050-1055", 9)
    text(page, _LEFT, y + 64, "Ange OCR-nummer vid betalning.", 9)
    text(page, _LEFT, y + 110, f"{ocr} #", 11)
    text(page, 250, y + 110, f"{format_amount(total, 'decimals')} #", 11)
    text(page, 400, y + 110, "5050-1055 #", 11)
    data = doc.tobytes(garbage=1, deflate=True)
    doc.close()
    return data


def _expected(
    *,
    due: date,
    ocr: str,
    total: int,
    rent: int,
    cold: int,
    hot: int,
    el: int,
    vat: int | None,
    retro: Sequence[tuple[str, int]],
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "OCR": ocr,
        "Due Date": due.strftime("%d-%m-%Y"),
        "due_date_month": str(due.month),
        "due_date_year": str(due.year),
        "Total Amount": total,
        "Filename": f"Hyresavi_{ocr}",
        "Hyra": rent,
        "Kallvatten": cold,
        "Varmvatten": hot,
        "El": el,
        "Moms": vat or 0,
    }
    row.update({label: str(amount) for label, amount in retro})
    return row


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def demo_hyresavi_series(
    months: int = 12, *, start: date | None = None, seed: int = 7
) -> list[DemoInvoice]:
    """``months`` monthly notices, due at each month's end from ``start``'s month (default: the
    series ends this month). Rent rises once (with a retroactive row the month after), water
    and electricity vary, some months lack the electricity row or carry VAT, one has two pages.
    The same ``seed`` and ``start`` give the same invoices."""
    rng = random.Random(seed)
    if start is None:
        today = date.today()
        index = today.year * 12 + today.month - 1 - (months - 1)
        start = date(index // 12, index % 12 + 1, 1)
    base_rent = rng.randrange(8_900, 11_900, 5)
    raise_at = rng.randrange(2, max(3, months - 1)) if months > 3 else months
    raised = round(base_rent * 1.041)
    invoices: list[DemoInvoice] = []
    for n in range(months):
        index = start.year * 12 + start.month - 1 + n
        due = _month_end(index // 12, index % 12 + 1)
        rent = raised if n >= raise_at else base_rent
        cold = rng.randrange(90, 260)
        hot = rng.randrange(140, 420)
        el = 0 if n % 5 == 3 else rng.randrange(180, 720)
        vat = round(el * 0.25) if el and n % 3 == 1 else None
        retro: list[tuple[str, int]] = []
        if n == raise_at:
            previous = _month_end((index - 1) // 12, (index - 1) % 12 + 1)
            retro.append((f"Retroaktiv hyra avser {previous:%y%m}", raised - base_rent))
        ocr = make_ocr(f"1{rng.randrange(10, 99)}{due:%y%m}{n:02d}")
        style: AmountStyle = "kr" if n % 4 == 2 else "decimals"
        pdf = hyresavi_pdf(
            due=due,
            rent=rent,
            cold_water=cold,
            hot_water=hot,
            electricity=el,
            vat=vat,
            ocr=ocr,
            retro_rows=retro,
            two_pages=n == months - 2,
            amount_style=style,
        )
        total = rent + cold + hot + el + sum(a for _, a in retro) + (vat or 0)
        expected = _expected(
            due=due, ocr=ocr, total=total, rent=rent, cold=cold, hot=hot, el=el, vat=vat,
            retro=retro,
        )  # fmt: skip
        invoices.append(
            DemoInvoice(due=due, pdf=pdf, filename=f"Hyresavi_{ocr}.pdf", expected=expected)
        )
    return invoices
