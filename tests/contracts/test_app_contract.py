"""The strict decoder itself must reject what the app's JSONDecoder rejects."""

import pytest

from paypulse_devkit import app_contract as app

GOOD_RENTAL = {
    "InvoiceID": "Invoice_1",
    "Filename": "Hyresavi_1",
    "Hyra": 9000,
    "El": 100,
    "Kallvatten": 50,
    "Varmvatten": 60,
    "Total Amount": 9210,
    "due_date_month": "3",
    "due_date_year": "2026",
    "Due Date": "31-03-2026",
    "Moms": 0,
    "OCR": "1234567897",
}


def test_accepts_a_good_rental_invoice():
    app.decode(app.RentalInvoice, GOOD_RENTAL)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("Moms"),
        lambda d: d.update(OCR=None),
        lambda d: d.update(Hyra="9000"),
        lambda d: d.update(Hyra=9000.5),
        lambda d: d.update(Hyra=True),
        lambda d: d.update(due_date_month=3),
    ],
)
def test_rejects_what_swift_would(mutate):
    bad = dict(GOOD_RENTAL)
    mutate(bad)
    with pytest.raises(app.ContractError):
        app.decode(app.RentalInvoice, bad)


def test_counts_need_all_eight_keys():
    counts = dict.fromkeys(app.RETAIL_SUB_TYPES, 0)
    app.decode(app.RetailInvoiceCountsResponse, counts)
    counts.pop("travel")
    with pytest.raises(app.ContractError):
        app.decode(app.RetailInvoiceCountsResponse, counts)


def test_optional_currency_and_double_amounts():
    base = {"InvoiceID": "r1", "invoice_date": "2026-01-02", "total_amount": 12, "vendor_name": "V"}
    app.decode(app.RetailInvoiceBase, base)
    app.decode(app.RetailInvoiceBase, {**base, "currency": None, "total_amount": 1.5})
    with pytest.raises(app.ContractError):
        app.decode(app.RetailInvoiceBase, {**base, "vendor_name": None})


def test_envelopes():
    assert app.decode_success(
        app.InvoiceCountModel, {"message": "m", "code": 200, "data": {"invoiceCount": 2}}
    )
    assert (
        app.decode_success(app.InvoiceCountModel, {"message": "m", "code": 200, "data": None})
        is None
    )
    with pytest.raises(app.ContractError):
        app.decode_success(None, {"message": "m"})
    assert app.decode_error({"error": {"code": "X", "message": "m"}}) == ("X", "m")
    with pytest.raises(app.ContractError):
        app.decode_error({"message": "Not Found"})


def test_sub_types_are_the_apps_raw_values_in_its_order():
    """Read from the iOS contract itself, so the list is not restated here."""
    import re
    from pathlib import Path

    doc = (
        Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "ios-contract.md"
    ).read_text()
    start = doc.index("`RetailInvoiceSubType` raw values")
    sentence = doc[start : doc.index("(used", start)]
    assert tuple(re.findall(r"`([a-z-]+)`", sentence)) == app.RETAIL_SUB_TYPES
