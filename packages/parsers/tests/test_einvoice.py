"""Structured e-invoices (CII / UBL, standalone, embedded in a PDF, attached to an e-mail) against
the values read from the XML upstream (tests/fixtures/corpus/e-invoices/*/expected.json)."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest

from paypulse_parsers.einvoice import MAX_XML_BYTES, parse_einvoice, read_einvoice
from paypulse_parsers.einvoice.xml_safety import UnsafeXmlError, parse_xml
from paypulse_parsers.rental import parse_pdf
from paypulse_parsers.retail import extract_retail

EINVOICES = Path(__file__).resolve().parent / "fixtures" / "corpus" / "e-invoices"
CII_MIN = EINVOICES / "akretion-factur-x" / "factur-x-minimum.xml"
FACTURX_PDF = EINVOICES / "akretion-factur-x" / "invoice_EN16931.pdf"


def _cases() -> list[tuple[str, Path, dict]]:
    cases = []
    for expected in sorted(EINVOICES.glob("*/expected.json")):
        for name, exp in json.loads(expected.read_text(encoding="utf-8")).items():
            path = expected.parent / name
            if not name.startswith("_") and path.is_file():
                cases.append((f"{expected.parent.name}/{name}", path, exp))
    return cases


CASES = _cases()


def test_every_copied_einvoice_is_scored():
    assert len(CASES) == 40  # 41 upstream, less the 3 MB split-payment UBL not copied


def _read(path: Path):
    if path.suffix == ".pdf":
        return parse_pdf(path.read_bytes(), filename=path.name)
    doc = parse_einvoice(path.read_bytes())
    assert doc is not None
    return doc


@pytest.mark.parametrize(("case", "path", "exp"), CASES, ids=[c[0] for c in CASES])
def test_einvoice_fields_match_the_xml(case, path, exp):
    doc = _read(path)
    assert doc.method == "xml"
    assert doc.extractor == exp["syntax"].lower()
    payable = Decimal(str(exp["total"]))
    # sign convention: credit notes state positive amounts; the result is owed to the customer
    signed = -payable if exp["doc_type"] == "credit_note" else payable
    assert doc.total_amount == signed
    assert doc.document_type == exp["doc_type"]
    assert doc.fields["type_code"] == exp["type_code"]
    assert doc.gross_amount == Decimal(str(exp.get("gross", exp["total"])))
    if "prepaid" in exp:
        assert doc.prepaid_amount == Decimal(str(exp["prepaid"]))
    assert doc.currency == exp["currency"]
    assert doc.invoice_date == exp["date"]
    assert doc.invoice_number == exp["number"]
    if payable == 0:
        assert doc.status == "skipped"  # fully prepaid: nothing to pay
    elif signed < 0 and exp["doc_type"] != "credit_note":
        assert doc.status == "needs_review"  # prepayments above the gross
    else:
        assert (doc.status, doc.confidence) == ("parsed", 0.99), doc.problems


def test_factur_x_pdf_reads_the_embedded_xml_not_the_text():
    doc = parse_pdf(FACTURX_PDF.read_bytes(), filename="f.pdf", template="hyresavi")
    assert (doc.method, doc.fields["embedded_file"]) == ("xml", "factur-x.xml")
    assert doc.due_date == "2026-03-02" and doc.vendor_name == "LE FOURNISSEUR"
    assert [i.name for i in doc.line_items][:1] == ["PRESTATION SUPPORT"]


def test_inconsistent_totals_need_review():
    xml = CII_MIN.read_text(encoding="utf-8-sig")
    broken = re.sub(r"<ram:DuePayableAmount>[^<]+<", "<ram:DuePayableAmount>99.00<", xml)
    doc = parse_einvoice(broken.encode())
    assert doc is not None and doc.total_amount == Decimal("99.00")
    assert doc.status == "needs_review" and doc.confidence < 0.9


def test_missing_payable_is_computed_from_gross_and_prepaid_and_flagged():
    xml = CII_MIN.read_text(encoding="utf-8-sig")
    stripped = re.sub(r"<ram:DuePayableAmount>[^<]+</ram:DuePayableAmount>", "", xml)
    doc = parse_einvoice(stripped.encode())
    assert doc is not None and doc.total_amount == Decimal("104.90")
    assert doc.status == "needs_review"


BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
&lol2;</rsm:CrossIndustryInvoice>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"""


@pytest.mark.parametrize("data", [BOMB, XXE], ids=["entity-expansion", "external-entity"])
def test_dtd_and_entities_are_refused(data):
    with pytest.raises(UnsafeXmlError):
        parse_xml(data)
    assert parse_einvoice(data) is None


def test_oversized_and_malformed_xml_are_refused():
    with pytest.raises(UnsafeXmlError):
        parse_xml(b"<a>" + b" " * MAX_XML_BYTES + b"</a>")
    assert parse_einvoice(CII_MIN.read_bytes()[:500]) is None  # truncated: not well-formed


def test_other_xml_is_not_an_einvoice():
    assert read_einvoice(b"<Invoice><ID>1</ID></Invoice>") is None  # no UBL namespace
    assert parse_einvoice(b"<html><body>Total 5 EUR</body></html>") is None


def _mail(body_total: str, attachment: tuple[str, str, bytes] | None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Billing <billing@fournisseur.fr>"
    msg["Subject"] = "Votre facture"
    msg["Date"] = "Mon, 02 Feb 2026 10:00:00 +0100"
    msg.set_content(f"Bonjour,\nTotal: {body_total} EUR\n")
    if attachment:
        name, ctype, data = attachment
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


@pytest.mark.parametrize(
    "attachment",
    [
        ("factur-x.xml", "application/xml", CII_MIN.read_bytes()),
        ("invoice.pdf", "application/pdf", FACTURX_PDF.read_bytes()),
    ],
    ids=["xml", "factur-x-pdf"],
)
def test_einvoice_attachment_beats_the_body_total(attachment):
    raw = _mail("250,00", attachment)
    doc = asyncio.run(extract_retail(raw, content_type="message/rfc822", category="utility"))
    assert (doc.method, doc.kind, doc.total_amount) == ("xml", "retail", Decimal("104.90"))
    assert doc.fields["attachment"] == attachment[0]
    assert doc.fields["category"] == "utility"


def test_mail_without_attachment_still_reads_the_body():
    doc = asyncio.run(extract_retail(_mail("250,00", None), content_type="message/rfc822"))
    assert doc.method != "xml" and doc.total_amount == Decimal("250.00")


def test_standalone_xml_through_retail_extraction():
    doc = asyncio.run(extract_retail(CII_MIN.read_bytes(), content_type="text/xml"))
    assert doc.method == "xml" and doc.total_amount == Decimal("104.90")


def test_factur_x_pdf_becomes_a_rental_row_without_extra_amount_rows():
    from paypulse_parsers.rental import to_rental_row

    doc = parse_pdf(FACTURX_PDF.read_bytes(), filename="f.pdf")
    row = to_rental_row(doc, filename_stem="f")
    assert row["Total Amount"] == 105 and row["Due Date"] == "02-03-2026"
    assert set(row) == {"OCR", "Due Date", "due_date_month", "due_date_year", "Total Amount",
                        "Filename", "Hyra", "Kallvatten", "Varmvatten", "El", "Moms"}  # fmt: skip
