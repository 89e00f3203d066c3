"""Mutated real documents (seeded, so a failure reproduces): no input crashes an extractor.
Retail extraction and the e-invoice reader never raise; the PDF parser raises only its
PdfParseError; every result keeps its invariants (status, method, bounded finite amount)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from decimal import Decimal
from pathlib import Path

import pytest

from paypulse_parsers.document import MAX_AMOUNT, ParsedDocument
from paypulse_parsers.einvoice import parse_einvoice
from paypulse_parsers.pdf_text import PdfParseError
from paypulse_parsers.rental import parse_pdf
from paypulse_parsers.retail import extract_retail

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
SEEDS = {
    "html": CORPUS / "retail-emails/gmail-markup-google-examples/order-basic.jsonld.html",
    "amazon": CORPUS / "retail-emails/beancount-import-gmail/uk_amazon_email/sample_html/"
    "amazon-order-2021-11-24.html",
    "eml": CORPUS / "retail-emails/beancount-import-gmail/sample_emails/html.eml",
    "cii": CORPUS / "e-invoices/akretion-factur-x/factur-x-minimum.xml",
    "ubl": CORPUS / "e-invoices/gobl-ubl/peppol_credit-note.xml",
    "pdf": CORPUS / "pdf-invoices/invoice2data/compare/FlipkartInvoice.pdf",
    "facturx": CORPUS / "e-invoices/akretion-factur-x/invoice_EN16931.pdf",
}
JUNK = [b"\x00", b"\xff\xfe", b"<", b"</td>", b"=3D", b"\\n", b"\xe2\x82\xac", b"1e38", b"-",
        b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"<script>", b"9" * 40, b"Total: ", b"kr"]  # fmt: skip


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not buf:
            break
        at = rng.randrange(len(buf))
        op = rng.randrange(5)
        if op == 0:
            buf[at] = rng.randrange(256)
        elif op == 1:
            buf[at:at] = rng.choice(JUNK)
        elif op == 2:
            del buf[at : at + rng.randint(1, 200)]
        elif op == 3:
            chunk = buf[at : at + rng.randint(1, 500)]
            buf[at:at] = chunk * rng.randint(1, 5)
        else:
            del buf[at:]  # truncation
    return bytes(buf)


def _check(doc: ParsedDocument) -> None:
    assert doc.status in ("parsed", "needs_review", "skipped", "failed")
    assert doc.method in ("xml", "markup", "rules", "llm")
    assert 0.0 <= doc.confidence <= 1.0
    if doc.total_amount is not None:
        assert doc.total_amount.is_finite() and abs(doc.total_amount) < MAX_AMOUNT
        if doc.status == "parsed":
            assert doc.total_amount == doc.total_amount.quantize(Decimal("0.01"))
    doc.to_json()


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_mutated_inputs_never_crash(name):
    original = SEEDS[name].read_bytes()
    rng = random.Random(f"paypulse-{name}")
    rounds = 12 if name in ("pdf", "facturx") else 30
    for _ in range(rounds):
        data = _mutate(original, rng)
        if name in ("pdf", "facturx"):
            with contextlib.suppress(PdfParseError):  # a clear refusal is allowed
                _check(parse_pdf(data, filename="m.pdf", template=None))
            continue
        if name in ("cii", "ubl"):
            found = parse_einvoice(data)
            if found is not None:
                _check(found)
        ctype = "message/rfc822" if name == "eml" else "text/html"
        _check(asyncio.run(extract_retail(data, content_type=ctype)))
