"""Documents that cannot become a rental row fail with a precise reason (never a partial row)."""

from __future__ import annotations

from datetime import date

import pymupdf
import pytest

from paypulse_common.errors import InvoiceParseError
from paypulse_devkit.demo_invoices import hyresavi_pdf, make_ocr
from paypulse_parsers.rental import PdfParseError, parse_pdf

AES_256: int = pymupdf.PDF_ENCRYPT_AES_256  # type: ignore[attr-defined]
GOOD = hyresavi_pdf(due=date(2024, 3, 31), rent=10245, cold_water=150, ocr=make_ocr("123456789"))


def _doc_bytes(*texts: str, **save: object) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    for i, text in enumerate(texts):
        page.insert_text((60, 80 + 20 * i), text, fontname="helv", fontsize=11)
    if not texts:
        page.draw_rect((50, 50, 200, 200), color=(0, 0, 0), fill=(0.5, 0.5, 0.5))
    return doc.tobytes(**save)


ENCRYPTED = _doc_bytes(
    "Hyresavi", "Totalt att betala: 100,00",
    encryption=AES_256, user_pw="tenant", owner_pw="landlord",
)  # fmt: skip
CASES = {
    "not_a_pdf": (b"<html><body>hyresavi</body></html>", "corrupt"),
    "zero_bytes": (b"", "corrupt"),
    "header_then_garbage": (b"%PDF-1.7\n\x00\x01garbage" * 20, "corrupt"),
    "truncated_header": (GOOD[:300], "corrupt"),
    "truncated_half": (GOOD[: len(GOOD) // 2], "corrupt"),
    "encrypted": (ENCRYPTED, "encrypted"),
    "no_text": (_doc_bytes(), "empty"),
    "letter_without_amount": (
        _doc_bytes(
            "Välkommen till ditt nya hem!",
            "Tvättstugan öppnar 2024-04-01.",
            "Lägenhet 1101, 3 rum och kök, 74 kvm",
        ),
        "not_an_invoice",
    ),
    "hyresavi_word_but_no_total": (
        _doc_bytes("Hyresavi", "Förfallodatum: 2024-03-31", "Hyra ingår i avtalet"),
        "not_an_invoice",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("template", ["hyresavi", None])
def test_unreadable_documents_fail_with_their_reason(name: str, template: str | None) -> None:
    data, reason = CASES[name]
    with pytest.raises(PdfParseError) as caught:
        parse_pdf(data, filename=f"{name}.pdf", template=template)
    assert caught.value.reason == reason
    assert isinstance(caught.value, InvoiceParseError)
    assert caught.value.code == "INVOICE_PARSE_ERROR" and caught.value.http_status == 500


def test_the_intact_file_parses() -> None:
    # The truncated cases above are slices of this file: it is the cut that breaks them.
    assert parse_pdf(GOOD, filename="good.pdf").status == "parsed"


def test_owner_password_only_is_readable() -> None:
    data = _doc_bytes(
        "Hyresavi", "Förfallodatum: 2024-03-31", "Totalt att betala: 100,00",
        encryption=AES_256, owner_pw="landlord", permissions=0,
    )  # fmt: skip
    doc = parse_pdf(data, filename="x.pdf")
    assert doc.total_amount == 100 and doc.due_date == "2024-03-31"
