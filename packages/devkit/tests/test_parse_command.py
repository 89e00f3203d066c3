"""`paypulse parse FILE` prints one JSON object with the same fields for every input kind."""

import json

import pytest

from infra.workspace import ROOT
from paypulse_devkit.cli import main
from paypulse_devkit.demo_invoices import demo_hyresavi_series

CORPUS = ROOT / "tests/fixtures"
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
    assert result["method"] == "hyresavi-template"


def test_schema_org_html(capsys):
    path = CORPUS / "retail-emails" / "gmail-markup-google-examples" / "order-basic.jsonld.html"
    code, result, _ = run(capsys, path, "--category", "miscellaneous")
    assert code == 0 and set(result) >= FIELDS
    assert result["method"] == "schema.org" and result["kind"] == "retail"
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
