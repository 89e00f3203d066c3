"""Search strings built from vendor configurations for the fetchers."""

from __future__ import annotations

from datetime import date

import pytest

from paypulse_gmail.query import from_clause, gmail_date, quoted, vendor_query

JAN = {"after": date(2024, 1, 1), "before": date(2024, 2, 1)}


def vendor(senders, keywords):
    return {"sender_patterns": senders, "subject_keywords": keywords}


def test_single_sender_and_quoted_subject():
    assert vendor_query(vendor(["kundservice@wallenstam.se"], ["Hyresavi"]), **JAN) == (
        'from:kundservice@wallenstam.se subject:"Hyresavi" after:2024/01/01 before:2024/02/01'
    )


def test_several_senders_are_ored_and_deduplicated():
    query = vendor_query(
        vendor(["a@landlord.se", "B@Landlord.se", "a@landlord.se"], ["Avi"]), **JAN
    )
    assert query.startswith('(from:a@landlord.se OR from:b@landlord.se) subject:"Avi"')


def test_mixed_or_and_and_keywords():
    dbrand = vendor(
        ["robots@dbrand.com"],
        ["Receipt for Order #", {"keywords": ["Order #", "confirmed"], "logic": "AND"}],
    )
    assert vendor_query(dbrand, **JAN) == (
        'from:robots@dbrand.com (subject:"Receipt for Order #" OR (subject:"Order #" '
        'subject:"confirmed")) after:2024/01/01 before:2024/02/01'
    )


def test_keyword_object_defaults_to_or():
    query = vendor_query(vendor(["a@b.se"], {"keywords": ["x", "y"]}), **JAN)
    assert query.startswith('from:a@b.se (subject:"x" OR subject:"y") ')


def test_no_keywords_means_sender_only():
    assert vendor_query(vendor(["a@b.se"], []), **JAN) == (
        "from:a@b.se after:2024/01/01 before:2024/02/01"
    )


def test_subject_phrase_loses_inner_quotes_and_extra_spaces():
    assert quoted(' Avi  "juli" ') == '"Avi juli"'


@pytest.mark.parametrize("bad", ["", "a b@c.se", 'x"@y.se', "(x@y.se", []])
def test_invalid_senders_are_rejected(bad):
    with pytest.raises(ValueError):
        from_clause(bad)


def test_empty_subject_is_rejected():
    with pytest.raises(ValueError):
        vendor_query(vendor(["x@y.se"], [' " ']), **JAN)


def test_gmail_date_pads():
    assert gmail_date(date(2026, 1, 5)) == "2026/01/05"
