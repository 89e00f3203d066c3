"""The hyresavi template on generated rent notices, and the row the iOS app decodes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pymupdf
import pytest

from paypulse_devkit.demo_invoices import demo_hyresavi_series, hyresavi_pdf, make_ocr
from paypulse_parsers.pdf_text import read_pdf
from paypulse_parsers.rental import IncompleteInvoiceError, parse_pdf, to_rental_row

OCR = make_ocr("130679810")
APP_FIELDS = {
    "OCR": str,
    "Due Date": str,
    "due_date_month": str,
    "due_date_year": str,
    "Total Amount": int,
    "Hyra": int,
    "Kallvatten": int,
    "Varmvatten": int,
    "El": int,
    "Moms": int,
    "Filename": str,
}


def _expected(kwargs: dict[str, Any]) -> dict[str, Any]:
    due: date = kwargs["due"]
    retro = kwargs.get("retro_rows", ())
    parts = ("rent", "cold_water", "hot_water", "electricity")
    total = sum(kwargs.get(k, 0) for k in parts) + sum(a for _, a in retro)
    total += kwargs.get("vat") or 0
    row = {
        "OCR": kwargs["ocr"],
        "Due Date": due.strftime("%d-%m-%Y"),
        "due_date_month": str(due.month),
        "due_date_year": str(due.year),
        "Total Amount": total,
        "Filename": "Hyresavi_test",
        "Hyra": kwargs["rent"],
        "Kallvatten": kwargs.get("cold_water", 0),
        "Varmvatten": kwargs.get("hot_water", 0),
        "El": kwargs.get("electricity", 0),
        "Moms": kwargs.get("vat") or 0,
    }
    row.update({label: str(amount) for label, amount in retro})
    return row


BASE: dict[str, Any] = {"due": date(2024, 3, 31), "rent": 10245, "ocr": OCR}
VARIANTS: dict[str, dict[str, Any]] = {
    "all_rows_no_vat": {"cold_water": 187, "hot_water": 312, "electricity": 455},
    "with_vat": {"cold_water": 187, "hot_water": 312, "electricity": 455, "vat": 114},
    "no_water_rows": {"electricity": 455},
    "no_electricity_row": {"cold_water": 187, "hot_water": 312},
    "rent_only": {},
    "retro_rows": {
        "cold_water": 150,
        "retro_rows": [("Retroaktiv hyra avser 2302", 410), ("Retroaktiv hyra avser 2303", 410)],
    },
    "two_pages": {
        "cold_water": 150,
        "hot_water": 200,
        "electricity": 300,
        "vat": 75,
        "retro_rows": [("Retroaktiv hyra avser 2402", 385)],
        "two_pages": True,
    },
    "kr_amounts": {"rent": 12345, "cold_water": 1234, "amount_style": "kr"},
    "other_landlord": {"cold_water": 99, "landlord": "Bostadsbolaget Väst AB"},
    "credit_row": {"cold_water": 120, "retro_rows": [("Retroaktiv hyra avser 2401", -250)]},
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_generated_variants_parse_to_the_expected_row(name: str) -> None:
    kwargs = {**BASE, **VARIANTS[name]}
    doc = parse_pdf(hyresavi_pdf(**kwargs), filename="Hyresavi_test.pdf")

    assert doc.extractor == "hyresavi-template"
    assert (doc.status, doc.problems) == ("parsed", [])
    assert doc.kind == "rental" and doc.currency == "SEK"
    assert doc.vendor_name == kwargs.get("landlord", "Wallenstam AB")
    assert doc.payment_reference == OCR
    assert doc.due_date == "2024-03-31"
    assert to_rental_row(doc, filename_stem="Hyresavi_test") == _expected(kwargs)


def test_two_page_variant_really_has_two_pages() -> None:
    pdf = hyresavi_pdf(**{**BASE, **VARIANTS["two_pages"]})
    assert read_pdf(pdf).page_count == 2
    assert parse_pdf(pdf, filename="x.pdf").fields["pages"] == 2


def test_row_has_every_app_field_with_its_type_and_no_keys() -> None:
    doc = parse_pdf(hyresavi_pdf(**{**BASE, **VARIANTS["rent_only"]}), filename="a.pdf")
    row = to_rental_row(doc, filename_stem="Hyresavi_1")
    assert set(row) == set(APP_FIELDS)  # no UserID / InvoiceID: the service adds them
    for key, kind in APP_FIELDS.items():
        assert type(row[key]) is kind, key
    assert row["due_date_month"] == "3" and row["Due Date"] == "31-03-2024"


def test_month_is_the_due_dates_month_unpadded() -> None:
    doc = parse_pdf(hyresavi_pdf(**{**BASE, "due": date(2025, 1, 2)}), filename="a.pdf")
    row = to_rental_row(doc, filename_stem="x")
    assert (row["due_date_month"], row["due_date_year"], row["Due Date"]) == (
        "1",
        "2025",
        "02-01-2025",
    )


def test_demo_series_parses_to_its_expected_rows() -> None:
    series = demo_hyresavi_series(12, start=date(2023, 1, 1), seed=7)
    assert len(series) == 12
    for invoice in series:
        doc = parse_pdf(invoice.pdf, filename=invoice.filename)
        assert doc.status == "parsed", (invoice.filename, doc.problems)
        row = to_rental_row(doc, filename_stem=invoice.filename.removesuffix(".pdf"))
        assert row == invoice.expected
        assert invoice.filename == f"Hyresavi_{row['OCR']}.pdf"
    dues = [i.due for i in series]
    assert dues == sorted(dues) and len({(d.year, d.month) for d in dues}) == 12
    rows = [i.expected for i in series]
    assert any(r["Moms"] for r in rows) and any(not r["Moms"] for r in rows)
    assert any(r["El"] == 0 for r in rows) and len({r["Hyra"] for r in rows}) == 2
    assert any(k.startswith("Retroaktiv hyra") for r in rows for k in r)
    assert any(read_pdf(i.pdf).page_count == 2 for i in series)


def test_demo_series_is_deterministic_for_a_seed() -> None:
    a = demo_hyresavi_series(3, start=date(2024, 1, 1), seed=11)
    b = demo_hyresavi_series(3, start=date(2024, 1, 1), seed=11)
    c = demo_hyresavi_series(3, start=date(2024, 1, 1), seed=12)
    assert [i.expected for i in a] == [i.expected for i in b]
    assert [i.filename for i in a] == [i.filename for i in b]
    assert [i.expected for i in a] != [i.expected for i in c]


def test_default_series_ends_this_month() -> None:
    series = demo_hyresavi_series(2)
    today = date.today()
    assert (series[-1].due.year, series[-1].due.month) == (today.year, today.month)


Item = tuple[float, float, str, float]


def _pdf(items: list[Item]) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    for x, y, text, size in items:
        page.insert_text((x, y), text, fontname="helv", fontsize=size)
    return doc.tobytes()


def test_labels_pair_with_amounts_by_row_not_by_text_order() -> None:
    # All labels are written first, then the amounts bottom-up, one of them a little lower
    # and larger: the text stream order is not the row order.
    labels = ["Hyra", "Kallvatten", "Varmvatten", "El enligt mätare"]
    amounts = ["9 876,00", "123,00", "234,00", "345,00"]
    items: list[Item] = [(60, 80, "Hyresavi", 18), (300, 110, "Förfallodatum: 2024-05-31", 10)]
    items += [(60, 200 + 16 * i, label, 10) for i, label in enumerate(labels)]
    items += [(470, 200 + 16 * i + (1.5 if i == 2 else 0), amounts[i], 10 if i != 1 else 12)
              for i in reversed(range(4))]  # fmt: skip
    items += [(60, 290, "Totalt att betala:", 11), (460, 290, "10 578,00", 11)]
    items += [(60, 330, f"{OCR} #", 11)]
    pdf = _pdf(items)
    stream_order = pymupdf.open(stream=pdf).load_page(0).get_text()
    assert stream_order.index("El enligt") < stream_order.index("9 876,00")

    doc = parse_pdf(pdf, filename="x.pdf")
    assert doc.status == "parsed", doc.problems
    row = to_rental_row(doc, filename_stem="x")
    assert (row["Hyra"], row["Kallvatten"], row["Varmvatten"], row["El"]) == (9876, 123, 234, 345)
    assert row["Total Amount"] == 10578


def test_mervardesskatt_row_is_the_vat_when_there_is_no_moms_line() -> None:
    items: list[Item] = [(60, 80, "Hyresavi", 18), (300, 110, "Förfallodatum: 2024-05-31", 10)]
    items += [(60, 200, "Hyra", 10), (470, 200, "1 000,00", 10)]
    items += [(60, 216, "El enligt mätare", 10), (470, 216, "400,00", 10)]
    items += [(60, 232, "Mervärdesskatt 25%", 10), (470, 232, "100,00", 10)]
    items += [
        (60, 260, "Totalt att betala:", 11),
        (460, 260, "1 500,00", 11),
        (60, 300, f"{OCR} #", 11),
    ]
    doc = parse_pdf(_pdf(items), filename="x.pdf")
    assert doc.status == "parsed", doc.problems
    assert doc.fields["Moms"] == Decimal("100.00")
    assert to_rental_row(doc, filename_stem="x")["Moms"] == 100


def test_bad_check_digit_and_rows_that_do_not_add_up_need_review() -> None:
    bad_ocr = OCR[:-1] + str((int(OCR[-1]) + 1) % 10)
    items: list[Item] = [(60, 80, "Hyresavi", 18), (300, 110, "Förfallodatum: 2024-05-31", 10)]
    items += [(60, 200, "Hyra", 10), (470, 200, "1 000,00", 10)]
    items += [(60, 260, "Totalt att betala:", 11), (460, 260, "1 200,00", 11)]
    items += [(60, 300, f"{bad_ocr} #", 11)]
    doc = parse_pdf(_pdf(items), filename="x.pdf")
    assert doc.status == "needs_review"
    assert set(doc.problems) == {"ocr_check_digit_invalid", "rows_do_not_add_up"}


def test_missing_due_date_needs_review_and_gives_no_partial_row() -> None:
    items: list[Item] = [
        (60, 80, "Hyresavi", 18),
        (60, 200, "Hyra", 10),
        (470, 200, "1 000,00", 10),
    ]
    items += [(60, 260, "Totalt att betala:", 11), (460, 260, "1 000,00", 11)]
    items += [(60, 300, f"{OCR} #", 11)]
    doc = parse_pdf(_pdf(items), filename="x.pdf")
    assert doc.status == "needs_review" and "due_date_missing" in doc.problems
    with pytest.raises(IncompleteInvoiceError) as caught:
        to_rental_row(doc, filename_stem="x")
    assert caught.value.reason == "incomplete" and caught.value.code == "INVOICE_PARSE_ERROR"


def test_without_template_a_hyresavi_goes_the_generic_way() -> None:
    doc = parse_pdf(
        hyresavi_pdf(**{**BASE, **VARIANTS["with_vat"]}), filename="a.pdf", template=None
    )
    assert (doc.extractor, doc.status) == ("generic-pdf", "needs_review")
    assert doc.total_amount == Decimal("11313.00")
    assert (doc.due_date, doc.payment_reference, doc.currency) == ("2024-03-31", OCR, "SEK")


def test_unknown_template_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown template"):
        parse_pdf(hyresavi_pdf(**BASE), filename="a.pdf", template="nope")


def test_to_json_is_plain() -> None:
    data = parse_pdf(hyresavi_pdf(**{**BASE, **VARIANTS["with_vat"]}), filename="a.pdf").to_json()
    assert data["total_amount"] == 11313 and data["fields"]["Moms"] == 114
    assert data["payment_reference"] == OCR and data["due_date"] == "2024-03-31"


def test_total_printed_under_its_label_is_found() -> None:
    items: list[Item] = [(60, 80, "Hyresavi", 18), (300, 110, "Förfallodatum: 2024-05-31", 10)]
    items += [(60, 200, "Hyra", 10), (470, 200, "1 000,00", 10)]
    items += [(60, 200 + 16, "Kallvatten", 10), (470, 216, "100,00", 10)]
    items += [(360, 260, "Totalt att betala:", 11), (380, 276, "1 100,00", 11)]
    items += [(60, 320, f"{OCR} #", 11)]
    doc = parse_pdf(_pdf(items), filename="x.pdf")
    assert (doc.extractor, doc.status) == ("hyresavi-template", "parsed"), doc.problems
    assert to_rental_row(doc, filename_stem="x")["Total Amount"] == 1100
