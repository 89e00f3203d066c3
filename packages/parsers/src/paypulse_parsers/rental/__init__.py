"""Rental invoice PDFs: ``parse_pdf`` (hyresavi template, generic fallback), ``to_rental_row``."""

from paypulse_parsers.pdf_text import (
    CorruptPdfError,
    EmptyPdfError,
    EncryptedPdfError,
    IncompleteInvoiceError,
    NotAnInvoiceError,
    PdfParseError,
)
from paypulse_parsers.rental.parse import parse_pdf
from paypulse_parsers.rental.row import to_rental_row

__all__ = [
    "CorruptPdfError",
    "EmptyPdfError",
    "EncryptedPdfError",
    "IncompleteInvoiceError",
    "NotAnInvoiceError",
    "PdfParseError",
    "parse_pdf",
    "to_rental_row",
]
