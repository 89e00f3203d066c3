"""PDF text with coordinates (pymupdf): words per page, grouped into visual rows and cells.

Two-column layouts (labels left, amounts right) come out of extractors in different orders; pairing
a label with its amount by the row they share on the page does not depend on that order.
``read_pdf`` raises a ``PdfParseError`` whose ``reason`` says why a document cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from paypulse_common.errors import InvoiceParseError

Reason = Literal["corrupt", "encrypted", "empty", "not_an_invoice", "incomplete"]

MAX_PAGES = 20  # invoices are short; a 500-page upload is not read to the end


class PdfParseError(InvoiceParseError):
    """A document that cannot become an invoice; ``reason`` is what the caller records."""

    reason: Reason = "corrupt"
    default_message = "Invoice could not be parsed"


class CorruptPdfError(PdfParseError):
    reason = "corrupt"
    default_message = "The file is not a readable PDF"


class EncryptedPdfError(PdfParseError):
    reason = "encrypted"
    default_message = "The PDF needs a password"


class EmptyPdfError(PdfParseError):
    reason = "empty"
    default_message = "The PDF has no text (scanned image or blank pages)"


class NotAnInvoiceError(PdfParseError):
    reason = "not_an_invoice"
    default_message = "The document has no amount to pay"


class IncompleteInvoiceError(PdfParseError):
    reason = "incomplete"
    default_message = "The invoice lacks a field the row needs"


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    page: int

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Cell:
    """Words of one row that sit close together (one column of a table)."""

    words: tuple[Word, ...]

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


@dataclass(frozen=True)
class Row:
    """Words sharing a baseline on one page, left to right."""

    page: int
    words: tuple[Word, ...]

    @property
    def y(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @cached_property
    def cells(self) -> tuple[Cell, ...]:
        """Split where the horizontal gap is wider than about two spaces."""
        cells: list[Cell] = []
        current = [self.words[0]]
        for word in self.words[1:]:
            prev = current[-1]
            gap = word.x0 - prev.x1
            if gap > max(prev.height, word.height) * 0.9:
                cells.append(Cell(tuple(current)))
                current = [word]
            else:
                current.append(word)
        cells.append(Cell(tuple(current)))
        return tuple(cells)


@dataclass(frozen=True)
class PdfText:
    """Words of every page read, in reading order per page."""

    pages: tuple[tuple[Word, ...], ...]
    page_count: int  # pages in the file (may exceed len(pages) when capped)
    repaired: bool = False  # mupdf had to rebuild a broken file (truncated, bad xref)
    attachments: tuple[tuple[str, bytes], ...] = ()  # embedded e-invoice XML (Factur-X ...)

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for page in self.pages for row in group_rows(page))

    @cached_property
    def text(self) -> str:
        """One line per visual row, pages in order."""
        return "\n".join(row.text for row in self.rows)


def group_rows(words: tuple[Word, ...] | list[Word], tolerance: float = 0.35) -> list[Row]:
    """Group one page's words into rows: a word joins a row when its bottom edge lies within
    ``tolerance`` x its height of the row's bottom edge. Rows top to bottom, words left to right."""
    rows: list[list[Word]] = []
    bottoms: list[float] = []
    for word in sorted(words, key=lambda w: (w.y1, w.x0)):
        if rows and abs(word.y1 - bottoms[-1]) <= max(word.height, 1.0) * tolerance:
            rows[-1].append(word)
        else:
            rows.append([word])
            bottoms.append(word.y1)
    return [Row(r[0].page, tuple(sorted(r, key=lambda w: w.x0))) for r in rows]


def read_pdf(data: bytes, *, max_pages: int = MAX_PAGES) -> PdfText:
    """Open ``data`` and extract its words; raise Corrupt/Encrypted/EmptyPdfError."""
    import pymupdf  # lazy: only the PDF path pays for it

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    if b"%PDF-" not in data[:1024]:
        raise CorruptPdfError("The file has no PDF header")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # FileDataError, EmptyFileError, mupdf's FzError*
        raise CorruptPdfError() from exc
    try:
        if doc.needs_pass:
            raise EncryptedPdfError()
        if doc.page_count == 0:
            raise CorruptPdfError("The PDF has no pages")
        from paypulse_parsers.einvoice.pdf_attachment import embedded_xml

        attachments = tuple(embedded_xml(doc))
        pages: list[tuple[Word, ...]] = []
        try:
            for number in range(min(doc.page_count, max_pages)):
                page = doc.load_page(number)
                pages.append(
                    tuple(
                        Word(w[4], w[0], w[1], w[2], w[3], number)
                        for w in page.get_text("words", sort=False)
                        if w[4].strip()
                    )
                )
        except Exception as exc:  # mupdf raises its own FzError* types for broken content
            raise CorruptPdfError("A page could not be read") from exc
        if not any(pages) and not attachments:
            raise CorruptPdfError() if doc.is_repaired else EmptyPdfError()
        return PdfText(tuple(pages), doc.page_count, bool(doc.is_repaired), attachments)
    finally:
        doc.close()
