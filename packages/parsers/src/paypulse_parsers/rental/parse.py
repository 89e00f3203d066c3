"""``parse_pdf``: bytes of a PDF -> ParsedDocument, by template when one matches, else generic."""

from __future__ import annotations

from paypulse_parsers.document import ParsedDocument, check_amount
from paypulse_parsers.language import detect_language
from paypulse_parsers.pdf_text import CorruptPdfError, NotAnInvoiceError, PdfText, read_pdf
from paypulse_parsers.rental import generic, hyresavi

TEMPLATES = ("hyresavi",)


def _embedded_einvoice(text: PdfText) -> ParsedDocument | None:
    """The embedded CII/UBL invoice beats anything read from the rendered text."""
    from paypulse_parsers.einvoice import parse_einvoice

    for name, xml in text.attachments:
        doc = parse_einvoice(xml)
        if doc is not None:
            doc.fields["embedded_file"] = name
            if text.pages:  # the XML may omit BT-83 and the language
                doc.payment_reference = doc.payment_reference or generic.payment_reference(text)
                doc.language = doc.language or detect_language(text.text)
            return doc
    return None


def parse_pdf(data: bytes, *, filename: str, template: str | None = "hyresavi") -> ParsedDocument:
    """Parse one invoice PDF.

    ``template`` names the layout the sender is configured with (vendor_configs); ``None`` goes
    straight to generic extraction. An embedded e-invoice (Factur-X/ZUGFeRD/XRechnung XML)
    is read instead of the text whatever the template. A document that does not match its template is extracted
    generically and marked ``needs_review``. ``filename`` is recorded in ``fields["filename"]``.
    Raises ``PdfParseError`` (an ``InvoiceParseError``) with ``reason`` corrupt, encrypted, empty
    or not_an_invoice (a damaged file that mupdf had to repair and that yields no amount is
    "corrupt"); ``ValueError`` for an unknown template name.
    """
    if template is not None and template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; known: {', '.join(TEMPLATES)}")
    text = read_pdf(data)
    doc: ParsedDocument | None = _embedded_einvoice(text)
    if doc is not None:
        doc.fields.setdefault("filename", filename)
        doc.fields.setdefault("pages", text.page_count)
        return check_amount(doc)
    if template == "hyresavi" and hyresavi.matches(text):
        doc = hyresavi.parse(text)
        if doc.total_amount is None:
            doc = None  # looked like a hyresavi but has no total: let the generic path try
    try:
        if doc is None:
            doc = generic.parse(text)
            if template is not None:
                doc.problems.append(f"template_{template}_did_not_match")
        if doc.total_amount is None:
            raise NotAnInvoiceError()
    except NotAnInvoiceError as exc:
        if text.repaired:  # a truncated file lost its amounts: say so, not "not an invoice"
            raise CorruptPdfError("The PDF is damaged") from exc
        raise
    if text.repaired:
        doc.problems.append("pdf_repaired")
        doc.status = "needs_review"
    doc.fields.setdefault("filename", filename)
    doc.fields.setdefault("pages", text.page_count)
    return check_amount(doc)
