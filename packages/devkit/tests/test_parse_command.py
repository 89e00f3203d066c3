"""`paypulse parse FILE` prints one JSON object with the same fields for every input kind."""

import json
from pathlib import Path

import pytest

from paypulse_devkit.cli import main
from paypulse_devkit.demo_invoices import demo_hyresavi_series

CORPUS = Path(__file__).resolve().parents[2] / "parsers" / "tests" / "fixtures" / "corpus"
FIELDS = {
    "kind",
    "vendor_name",
    "total_amount",
    "currency",
    "invoice_date",
    "due_date",
    "payment_reference",
    "order_id",
    "line_items",
    "method",
    "status",
    "extractor",
    "confidence",
    "document_type",
    "gross_amount",
    "prepaid_amount",
    "invoice_number",
    "language",
}


def run(capsys, *args):
    code = main(["parse", *map(str, args)])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def test_hyresavi_pdf(tmp_path, capsys):
    invoice = demo_hyresavi_series(1, seed=11)[0]
    path = tmp_path / invoice.filename
    path.write_bytes(invoice.pdf)
    code, result, _ = run(capsys, path)
    assert code == 0 and set(result) >= FIELDS
    assert result["kind"] == "rental" and result["currency"] == "SEK"
    assert result["total_amount"] == invoice.expected["Total Amount"]
    assert result["payment_reference"] == invoice.expected["OCR"]
    assert result["extractor"] == "hyresavi-template"


def test_schema_org_html(capsys):
    path = CORPUS / "retail-emails" / "gmail-markup-google-examples" / "order-basic.jsonld.html"
    code, result, _ = run(capsys, path, "--category", "miscellaneous")
    assert code == 0 and set(result) >= FIELDS
    assert result["method"] == "markup" and result["kind"] == "retail"
    assert result["total_amount"] is not None and len(result["currency"]) == 3


def test_eml_and_txt(tmp_path, capsys):
    eml = CORPUS / "retail-emails" / "beancount-import-gmail" / "sample_emails" / "html.eml"
    code, result, _ = run(capsys, eml)
    assert set(result) >= FIELDS and code in (0, 1)
    txt = tmp_path / "receipt.txt"
    txt.write_text("Order #A-1001\nTotal: 249.00 SEK\nDate: 2026-03-04\n")
    code, result, _ = run(capsys, txt)
    assert code == 0 and result["total_amount"] == 249 and result["currency"] == "SEK"


def test_corrupt_pdf_fails_clearly(tmp_path, capsys):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7 nothing here")
    code, result, _ = run(capsys, path)
    assert code == 1 and result["status"] == "failed" and result["reason"] == "corrupt"


@pytest.mark.parametrize("name", ["missing.pdf", "notes.docx"])
def test_bad_paths(tmp_path, capsys, name):
    path = tmp_path / name
    if name.endswith(".docx"):
        path.write_bytes(b"x")
    code, result, err = run(capsys, path)
    assert code == 2 and result is None and "paypulse parse" in err


def test_einvoice_xml_and_factur_x_pdf(capsys):
    folder = CORPUS / "e-invoices" / "akretion-factur-x"
    code, result, _ = run(capsys, folder / "ubl-21-en16931.xml")
    assert code == 0 and set(result) >= FIELDS
    assert (result["method"], result["extractor"]) == ("xml", "ubl")
    assert (result["total_amount"], result["gross_amount"], result["prepaid_amount"]) == (
        208.03,
        308.03,
        100,
    )
    code, result, _ = run(capsys, folder / "invoice_EN16931.pdf")
    assert code == 0 and (result["method"], result["extractor"]) == ("xml", "cii")
    assert result["invoice_number"] == "F20260023"


def test_credit_note_is_negative(capsys):
    code, result, _ = run(capsys, CORPUS / "e-invoices" / "gobl-ubl" / "peppol_credit-note.xml")
    assert code == 0 and result["document_type"] == "credit_note"
    assert result["total_amount"] == -2178


def test_xml_that_is_not_an_einvoice_is_refused(tmp_path, capsys):
    path = tmp_path / "x.xml"
    path.write_text("<note>hi</note>")
    code, result, err = run(capsys, path)
    assert code == 2 and result is None and err
