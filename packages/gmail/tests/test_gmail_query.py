"""Search strings built from vendor configurations for the fetchers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paypulse_gmail.query import from_clause, quoted, utc_midnight, vendor_query

JAN = {"after": date(2024, 1, 1), "before": date(2024, 2, 1)}


def vendor(senders, keywords):
    return {"sender_patterns": senders, "subject_keywords": keywords}


def test_single_sender_and_quoted_subject():
    assert vendor_query(vendor(["kundservice@wallenstam.se"], ["Hyresavi"]), **JAN) == (
        'from:kundservice@wallenstam.se subject:"Hyresavi" after:1704067200 before:1706745600'
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
        'subject:"confirmed")) after:1704067200 before:1706745600'
    )


def test_keyword_object_defaults_to_or():
    query = vendor_query(vendor(["a@b.se"], {"keywords": ["x", "y"]}), **JAN)
    assert query.startswith('from:a@b.se (subject:"x" OR subject:"y") ')


def test_no_keywords_means_sender_only():
    assert vendor_query(vendor(["a@b.se"], []), **JAN) == (
        "from:a@b.se after:1704067200 before:1706745600"
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


def test_utc_midnight_is_epoch_seconds():
    assert utc_midnight(date(2024, 1, 1)) == "1704067200"


def test_the_query_selects_the_vendors_mail_of_whole_utc_days_on_the_local_gmail():
    """Run the built query through the local Gmail's search (word matching, dates as Gmail
    reads them): ``YYYY/MM/DD`` would be midnight PST and miss mail of 1 January 00:00-08:00
    UTC."""
    from paypulse_devkit.gmail_api import matches, parse_query
    from paypulse_devkit.mailbox import Mailbox, compose_message

    box = Mailbox()
    owner = "tenant@gmail.com"

    def mail(sent: datetime, subject: str = "Hyresavi", sender: str = "kundservice@x.se") -> str:
        raw = compose_message(sender=sender, to=owner, subject=subject, sent=sent, text="Hej")
        return box.add_raw(raw)

    early = mail(datetime(2024, 1, 1, 3, 0, tzinfo=UTC))
    late = mail(datetime(2024, 1, 31, 23, 30, tzinfo=UTC))
    mail(datetime(2024, 2, 1, 0, 0, tzinfo=UTC))  # the exclusive end
    mail(datetime(2023, 12, 31, 23, 59, tzinfo=UTC))
    mail(datetime(2024, 1, 10, tzinfo=UTC), subject="Hyresavier för januari")  # another word
    mail(datetime(2024, 1, 10, tzinfo=UTC), sender="kundservice@y.se")
    tree = parse_query(vendor_query(vendor(["kundservice@x.se"], ["hyresavi"]), **JAN))
    assert {m.id for m in box.messages(owner) if matches(tree, m)} == {early, late}
