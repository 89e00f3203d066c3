"""The RentalInvoices item the iOS app decodes (ios-contract §2.4), without UserID/InvoiceID."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from paypulse_parsers.document import ParsedDocument
from paypulse_parsers.pdf_text import IncompleteInvoiceError
from paypulse_parsers.rental.amounts import to_int
from paypulse_parsers.rental.hyresavi import STANDARD_ROWS

RESERVED = frozenset({"UserID", "InvoiceID", "OCR", "Due Date", "due_date_month", "due_date_year",
                      "Total Amount", "Filename", *STANDARD_ROWS})  # fmt: skip


def _amount_text(value: Decimal) -> str:
    return str(to_int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def to_rental_row(doc: ParsedDocument, *, filename_stem: str) -> dict[str, Any]:
    """Every field the app requires, always: ``OCR`` str ("" when none), ``Due Date``
    "DD-MM-YYYY", ``due_date_month`` "1".."12", ``due_date_year`` "YYYY", ``Total Amount`` int,
    ``Hyra``/``Kallvatten``/``Varmvatten``/``El``/``Moms`` int (0 when absent), ``Filename``; other
    amount rows as strings under their printed labels. The month is the due date's month.
    Raises ``IncompleteInvoiceError`` (reason "incomplete") without a due date or total.
    """
    if doc.due_date is None or doc.total_amount is None:
        raise IncompleteInvoiceError()
    due = date.fromisoformat(doc.due_date)
    row: dict[str, Any] = {
        "OCR": doc.payment_reference or "",
        "Due Date": due.strftime("%d-%m-%Y"),
        "due_date_month": str(due.month),
        "due_date_year": str(due.year),
        "Total Amount": to_int(doc.total_amount),
        "Filename": filename_stem,
    }
    for name in STANDARD_ROWS:
        value = doc.fields.get(name)
        row[name] = to_int(Decimal(value)) if isinstance(value, Decimal | int) else 0
    for label, value in doc.fields.items():
        if label not in RESERVED and isinstance(value, Decimal):
            row[label] = _amount_text(value)
    return row
