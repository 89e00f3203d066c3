"""Search strings built for the rental fetchers."""

from __future__ import annotations

from datetime import date

import pytest

from paypulse_gmail.query import from_clause, gmail_date, quoted, rental_query


def test_single_sender_and_quoted_subject():
    assert rental_query("kundservice@wallenstam.se", "Hyresavi") == (
        'from:kundservice@wallenstam.se subject:"Hyresavi"'
    )


def test_several_senders_are_ored_and_deduplicated():
    query = rental_query(["a@landlord.se", "B@Landlord.se", "a@landlord.se"], "Hyresavi")
    assert query == '(from:a@landlord.se OR from:b@landlord.se) subject:"Hyresavi"'


def test_date_window():
    query = rental_query("x@y.se", "Hyresavi", after=date(2025, 7, 1), before=date(2025, 8, 1))
    assert query.endswith("after:2025/07/01 before:2025/08/01")


def test_subject_phrase_loses_inner_quotes_and_extra_spaces():
    assert quoted(' Avi  "juli" ') == '"Avi juli"'
    assert rental_query("x@y.se", "Hyresavi för juli").endswith('subject:"Hyresavi för juli"')


@pytest.mark.parametrize("bad", ["", "a b@c.se", 'x"@y.se', "(x@y.se", []])
def test_invalid_senders_are_rejected(bad):
    with pytest.raises(ValueError):
        from_clause(bad)


def test_empty_subject_is_rejected():
    with pytest.raises(ValueError):
        rental_query("x@y.se", ' " ')


def test_gmail_date_pads():
    assert gmail_date(date(2026, 1, 5)) == "2026/01/05"
