"""Rules path units: number formats, currency resolution with the vendor's hint, label ranking."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from paypulse_common.categories import RETAIL_SUB_TYPES
from paypulse_parsers.currency import Evidence
from paypulse_parsers.retail.categories import detail_row, response_schema
from paypulse_parsers.retail.money import find_money, normalize_currency, parse_number
from paypulse_parsers.retail.rules import rule_fields, text_vendor


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1.234", "1234"),
        ("12,5", "12.5"),
        ("499", "499"),
        ("1\u00a0099,00", "1099.00"),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "hint", "currency", "explicit"),
    [
        ("£5.00", None, "GBP", True),
        ("€5,00", None, "EUR", True),
        ("5.00 PLN", None, "PLN", True),
        ("$5.00", None, "USD", False),  # "$" alone: USD, CAD, AUD ... uncertain
        ("$5.00", "CAD", "CAD", True),
        ("$5.00", "SEK", "USD", False),
        ("499 kr", "NOK", "NOK", True),
        ("499 kr", None, "SEK", False),
        ("499:-", "SEK", "SEK", True),
        ("¥500", None, "JPY", False),
        ("Fr. 12.50", None, "CHF", True),
        ("CHF 1'234.50", None, "CHF", True),
        ("12,50 Kč", None, "CZK", True),
        ("12 500 Ft", None, "HUF", True),
        ("R$ 12,50", None, "BRL", True),
        ("₹1,234.00", None, "INR", True),
        ("48,97 zł", None, "PLN", True),
        ("Rs. 1,234.00", None, "INR", False),  # also PKR, LKR, NPR
        ("Rs. 1,234.00", Evidence(tld="pk"), "PKR", True),
        ("Rs. 1,234.00", Evidence(codes=frozenset({"LKR"})), "LKR", True),
        ("199 kr", Evidence(language="da"), "DKK", True),
        ("$19.90", Evidence(tld="nz"), "NZD", True),
    ],
)
def test_currency_resolution(text, hint, currency, explicit):
    [money] = find_money(text, hint)
    assert (money.currency, money.explicit) == (currency, explicit)


def test_normalize_currency():
    assert normalize_currency("usd") == "USD"
    assert normalize_currency("kr", "DKK") == "DKK"
    assert normalize_currency("Euros") == "EUR"
    assert normalize_currency("Dollars") is None
    assert normalize_currency("XYZ") is None


@pytest.mark.parametrize(
    ("text", "total", "order_id", "day"),
    [
        (
            "Ordernummer: 123456\nDelsumma\t1 099,00 kr\nFrakt\t0,00 kr\n"
            "Totalt inkl. moms\t1 099,00 kr\nVarav moms\t219,80 kr\nOrderdatum 2025-01-02",
            "1099.00",
            "123456",
            "2025-01-02",
        ),
        (
            "Total (inkl. moms)\t2 499 kr\nRabatt\t-200 kr\nAtt betala\t2 299 kr\n"
            "Order 98765432\n14 mars 2025",
            "2299",
            "98765432",
            "2025-03-14",
        ),
        (
            "Receipt #2456-7788\nDate paid January 5, 2025\nSubtotal $25.00\n"
            "Discount -$5.00\nAmount paid $20.00",
            "20.00",
            "2456-7788",
            "2025-01-05",
        ),
        ("Booking reference: ABC123\nTotal price\nEUR 129.99\n", "129.99", "ABC123", None),
    ],
)
def test_amount_to_pay_order_id_and_date(text, total, order_id, day):
    fields, _ = rule_fields(text, hint_currency="SEK")
    assert fields["total_amount"] == Decimal(total)
    assert fields["order_id"] == order_id
    assert fields["invoice_date"] == day


def test_confident_only_with_strong_label_and_certain_currency():
    fields, doubts = rule_fields(
        "Order #A-1234\nDate: 2025-01-02\nTotal\n$9.00", hint_currency="SEK"
    )
    assert fields["currency"] == "USD"
    assert "amount taken from a weak label (total/payment)" in doubts
    fields, doubts = rule_fields(
        "Order #A-1234\nDate: 2025-01-02\nGrand total: 9,00 €", hint_currency=None
    )
    assert doubts == [] and fields["currency"] == "EUR"


def test_no_currency_marker_uses_the_hint_with_a_doubt():
    fields, doubts = rule_fields("Att betala: 349,00", hint_currency="SEK")
    assert fields["currency"] == "SEK"
    assert "currency not written next to the amount" in doubts


def test_text_vendor():
    assert text_vendor("x\nCopyright © 1999-2021 PayPal. All rights reserved.") == "PayPal"
    assert text_vendor("©1995-2021, eBay (UK) Limited") == "eBay"
    assert text_vendor("Your Account | Amazon.co.uk\nVisit Amazon.co.uk") == "Amazon.co.uk"
    assert text_vendor("nothing here") is None


@pytest.mark.parametrize("category", RETAIL_SUB_TYPES)
def test_response_schema_per_category(category):
    schema = response_schema(category)
    assert schema["type"] == "OBJECT"
    assert schema["required"] == [
        "vendor_name",
        "total_amount",
        "currency",
        "invoice_date",
        "order_id",
    ]
    assert len(schema["properties"]) > 5


def test_detail_rows_follow_the_app_models():
    data = {"items": [{"name": "Jeans", "price": "499.0", "quantity": "2.0"}, {"price": 1}]}
    clothing = detail_row("clothing", data, vendor_name="Zalando")
    assert clothing == {
        "tax": Decimal(0),
        "delivery_fee": Decimal(0),
        "items": [{"name": "Jeans", "price": Decimal("499.0"), "quantity": 2, "brand": "Zalando"}],
    }
    assert type(clothing["items"][0]["quantity"]) is int
    food = detail_row(
        "food_delivery", {"items": [{"name": "Soup", "quantity": 0.5}]}, vendor_name="F"
    )
    assert food["items"][0]["quantity"] == Decimal("0.5") and food["discount"] == 0
    travel = detail_row("travel", {"order_id": "PNR1", "travel_details": [{}]}, vendor_name="SAS")
    assert travel == {
        "transport_type": "other",
        "transport_company": "SAS",
        "booking_reference": "PNR1",
        "travel_details": [{"departure_location": "", "arrival_location": ""}],
        "passengers": [],
    }
    assert detail_row("subscriptions", {"duration": "2025-01"}, vendor_name="A") == {
        "duration": "2025-01"
    }
    assert detail_row("utility", {}, vendor_name="E.ON")["provider"] == "E.ON"
    assert detail_row("unknown", {}, vendor_name="X")["items"] == []  # → miscellaneous


def _label_layouts() -> list[tuple[str, str]]:
    """The amount to pay on the label's line, or one or two lines below it, among digit-free
    filler lines (labels are only tried where a digit is within reach: this pins that window)."""
    labels = ["Amount due", "Att betala", "Zu zahlen", "Do zapłaty", "Net à payer"]
    filler = ["Thank you for your order", "Questions? Write to us", "Kind regards"]
    cases = []
    for label, gap in itertools.product(labels, (0, 1, 2)):
        below = filler[: gap - 1] if gap else []
        amount = "EUR 1.234,50" if gap != 1 else "1.234,50 EUR"
        lines = [*filler, f"{label}:" + (f" {amount}" if gap == 0 else ""), *below]
        if gap:
            lines.append(amount)
        cases.append((f"{label}-{gap}", "\n".join([*lines, *filler, "Order number: 5566778"])))
    return cases


@pytest.mark.parametrize(("name", "text"), _label_layouts(), ids=lambda v: v[:20])
def test_amount_on_the_label_line_or_up_to_two_lines_below(name, text):
    fields, _ = rule_fields(text, hint_currency=None)
    assert (fields["total_amount"], fields["currency"]) == (Decimal("1234.50"), "EUR"), name
    assert fields["order_id"] == "5566778"


def test_an_amount_three_lines_below_its_label_is_not_taken():
    text = "Amount due:\nThank you\nKind regards\nSee you soon\nEUR 12,00"
    fields, _ = rule_fields(text, hint_currency=None)
    assert fields.get("total_amount") is None


ORDER_LABELS = ["Ordernummer", "Ordernr.", "Order #", "Order no.", "Order number", "Order ID",
                "Bokningsnummer", "Booking reference", "Reservation code", "Confirmation number",
                "Invoice number", "Fakturanummer", "Receipt #", "Kvittonummer",
                "Bokningsreferens", "Transaction ID"]  # fmt: skip


@pytest.mark.parametrize("label", ORDER_LABELS)
@pytest.mark.parametrize("case", [str, str.upper, str.lower])
def test_order_labels_in_any_letter_case(label, case):
    """The order-label scan is guarded by its labels' first letters (case-blind): every label,
    upper, lower or as printed, after other text on the line, still gives its id."""
    text = f"Thank you\nYour details: {case(label)}: AB-20250314\nTotal: EUR 5,00"
    fields, _ = rule_fields(text, hint_currency=None)
    assert fields["order_id"] == "AB-20250314"
