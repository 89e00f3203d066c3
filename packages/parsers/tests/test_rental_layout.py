"""Rows, cells, amounts and dates: the pieces the rental templates are built from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from paypulse_parsers.pdf_text import Row, Word, group_rows
from paypulse_parsers.rental.amounts import currency_in, parse_amount, to_int
from paypulse_parsers.rental.dates import first_date
from paypulse_parsers.rental.layout import amount_rows, split_inline


def _w(text: str, x0: float, y1: float, height: float = 10, width: float | None = None) -> Word:
    return Word(text, x0, y1 - height, x0 + (width or 6 * len(text)), y1, 0)


def test_words_on_one_baseline_form_a_row_whatever_their_order() -> None:
    words = [_w("245,00", 470, 201), _w("Kallvatten", 60, 216), _w("Hyra", 60, 200),
             _w("10", 455, 200.5), _w("187,00", 480, 216.8, height=12)]  # fmt: skip
    rows = group_rows(words)
    assert [r.text for r in rows] == ["Hyra 10 245,00", "Kallvatten 187,00"]
    assert [c.text for c in rows[0].cells] == ["Hyra", "10 245,00"]


def test_rows_further_apart_than_the_tolerance_stay_apart() -> None:
    rows = group_rows([_w("A", 60, 200), _w("B", 60, 205)])
    assert [r.text for r in rows] == ["A", "B"]


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("10 245,00", "10245.00", None),
        ("10 245 kr", "10245", "SEK"),
        ("10\u00a0245:-", "10245", "SEK"),
        ("$4.11", "4.11", "USD"),
        ("€ 2.321,00", "2321.00", "EUR"),
        ("1,234.56", "1234.56", None),
        ("29.99 € TTC", "29.99", "EUR"),
        ("Rs 1939", "1939", "INR"),
        ("-250,00", "-250.00", None),
        ("€ -9,32", "-9.32", "EUR"),
    ],
)
def test_amounts(text: str, value: str, currency: str | None) -> None:
    money = parse_amount(text)
    assert money is not None and money.value == Decimal(value) and money.currency == currency


@pytest.mark.parametrize("text", ["Hyra", "2024-03-31", "21 %", "1.00 kg", "", "avser 2302"])
def test_not_amounts(text: str) -> None:
    assert parse_amount(text) is None


def test_whole_units_round_half_up() -> None:
    assert (to_int(Decimal("10245.00")), to_int(Decimal("99.50")), to_int(Decimal("-3"))) == (
        10245,
        100,
        -3,
    )


def test_inline_labels_keep_digits_that_belong_to_the_label() -> None:
    assert split_inline("Moms: 86") == ("Moms", parse_amount("86"))
    assert split_inline("Retroaktiv hyra avser 2302 150,00") == (
        "Retroaktiv hyra avser 2302",
        parse_amount("150,00"),
    )
    assert split_inline("Kontraktsnummer 1234") is None


def test_a_row_with_two_label_amount_pairs() -> None:
    row = Row(0, (_w("Exclusief", 60, 100), _w("BTW", 112, 100), _w("€ 593,36", 200, 100),
                  _w("Subtotaal", 330, 100), _w("€ 717,97", 450, 100)))  # fmt: skip
    pairs = amount_rows([row])
    assert [(p.label, p.money.value) for p in pairs] == [
        ("Exclusief BTW", Decimal("593.36")),
        ("Subtotaal", Decimal("717.97")),
    ]


@pytest.mark.parametrize(
    ("text", "month_first", "expected"),
    [
        ("Förfallodatum: 2024-03-31", False, date(2024, 3, 31)),
        ("31/12/2017", False, date(2017, 12, 31)),
        ("03/20/2023", False, date(2023, 3, 20)),
        ("04/05/2023", True, date(2023, 4, 5)),
        ("04/05/2023", False, date(2023, 5, 4)),
        ("8-9-2022", False, date(2022, 9, 8)),
        ("21.05.14", False, date(2014, 5, 21)),
        ("August 3 , 2014", False, date(2014, 8, 3)),
        ("Jan 31, 2022", False, date(2022, 1, 31)),
        ("7. Mai 2014", False, date(2014, 5, 7)),
        ("le 05 Juillet 2015", False, date(2015, 7, 5)),
        ("19 april 2014", False, date(2014, 4, 19)),
        ("29 maart 2014", False, date(2014, 3, 29)),
    ],
)
def test_dates(text: str, month_first: bool, expected: date) -> None:
    assert first_date(text, month_first=month_first) == expected


def test_no_date_in_numbers_that_are_not_dates() -> None:
    assert first_date("Kontraktsnummer 1234-5-1101, 2023 kvm") is None


def test_currency_in_text() -> None:
    assert (currency_in("Total EUR"), currency_in("Summa 100 kr"), currency_in("Total")) == (
        "EUR",
        "SEK",
        None,
    )
