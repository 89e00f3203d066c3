"""Structured e-invoices: CII (Factur-X / ZUGFeRD / XRechnung) and UBL 2.1, as standalone XML or
embedded in a PDF/A-3. Read exactly, never from the rendered text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paypulse_parsers.einvoice.xml_safety import MAX_XML_BYTES, UnsafeXmlError, local, parse_xml

if TYPE_CHECKING:
    from paypulse_parsers.document import ParsedDocument
    from paypulse_parsers.einvoice.model import EInvoice

__all__ = [
    "MAX_XML_BYTES",
    "UnsafeXmlError",
    "looks_like_einvoice",
    "parse_einvoice",
    "read_einvoice",
]

_ROOTS = {"CrossIndustryInvoice": "CII", "Invoice": "UBL", "CreditNote": "UBL"}
_MARKERS = (b"CrossIndustryInvoice", b"urn:oasis:names:specification:ubl:schema:xsd:")


def looks_like_einvoice(data: bytes) -> bool:
    """Cheap sniff: an XML document naming the CII or UBL root namespace near its start."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and any(m in head for m in _MARKERS)


def read_einvoice(data: bytes) -> EInvoice | None:
    """The e-invoice in ``data``; None when it is XML of another kind. Raises UnsafeXmlError."""
    root = parse_xml(data)
    syntax = _ROOTS.get(local(root.tag))
    if syntax == "CII":
        from paypulse_parsers.einvoice.cii import read_cii

        return read_cii(root)
    if syntax == "UBL" and "ubl:schema" in root.tag:
        from paypulse_parsers.einvoice.ubl import read_ubl

        return read_ubl(root)
    return None


def parse_einvoice(data: bytes) -> ParsedDocument | None:
    """ParsedDocument (method ``xml``) of a CII/UBL document; None when ``data`` is not one."""
    try:
        found = read_einvoice(data)
    except UnsafeXmlError:
        return None
    return found.to_document() if found is not None else None
