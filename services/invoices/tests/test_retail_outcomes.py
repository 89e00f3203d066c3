"""Malformed, huge, non-UTF-8 or amount-less e-mails: a clear recorded outcome, nothing lost."""

import pytest

from paypulse_common import ledger
from paypulse_devkit.aws_local import boto_client


def put(local_stack, user_id, name, body, sub_type="miscellaneous", vendor="clasohlson"):
    key = f"invoices/{user_id}/retail/{sub_type}/{vendor}_2026-03-04_{name}.html"
    boto_client("s3", local_stack.aws_endpoint).put_object(
        Bucket=local_stack.names.buckets["invoices"], Key=key, Body=body
    )
    return key


def outcome(run_as, user_id, key):
    return run_as("parse_retail_invoice", ledger.get(user_id, ledger.object_key(key)))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            b"<html><body><p>Thanks for shopping! Your parcel is on its way.</p></body></html>",
            "skipped",
        ),
        (b"<html><body>Total: 0,00 kr</body></html>", "skipped"),
        (
            b"<html><body><p>Ordernummer 77123</p><p>Att betala: 499,00 kr</p></body></html>",
            "needs_review",
        ),
        (
            "<html><body><p>Order 99</p><p>Summa: 1 299,00 kr</p><p>Tack för köpet - åäö</p></body></html>".encode(
                "latin-1"
            ),
            "needs_review",
        ),
        (b"<html><body><div><div><table><tr><td>Total 12.00 EUR" + b"<div>" * 5000, None),
    ],
)
def test_each_document_gets_a_recorded_outcome(local_stack, connected_user, run_as, body, status):
    _, user_id = connected_user
    key = put(local_stack, user_id, "aaaaaaaa", body)
    deliveries = local_stack.events.drain()
    assert len(deliveries) == 1
    entry = outcome(run_as, user_id, key)
    assert entry is not None  # nothing silently dropped
    if status is not None:
        assert (
            entry["status"] in (status, "parsed")
            if status == "needs_review"
            else entry["status"] == status
        )


def test_huge_email_fails_visibly_without_retries(local_stack, connected_user, run_as, api):
    token, user_id = connected_user
    key = put(local_stack, user_id, "bbbbbbbb", b"<p>" + b"x" * (2 * 1024 * 1024 + 10))
    deliveries = local_stack.events.drain()
    assert len(deliveries) == 1 and deliveries[0].ok and deliveries[0].attempts == 1
    assert outcome(run_as, user_id, key)["status"] == "failed"
    assert local_stack.events.dead_letters("parse_retail_invoice") == []
    # the failure is visible in the API, as rental failures are, in its category's list only
    name = key.rsplit("/", 1)[-1]
    for query, failed in (
        ("", [name]),
        ("?subtype=miscellaneous", [name]),
        ("?subtype=travel", []),
    ):
        r = api("GET", f"/v1/invoices/retail{query}", token=token)
        assert r.status == 200, r
        assert [f["file"] for f in r.json["data"]["failed"]] == failed
        assert all(f["reason"] == "too_large" for f in r.json["data"]["failed"])


def test_keys_outside_the_layout_are_ignored(local_stack, connected_user):
    _, user_id = connected_user
    s3 = boto_client("s3", local_stack.aws_endpoint)
    s3.put_object(
        Bucket=local_stack.names.buckets["invoices"],
        Key=f"invoices/{user_id}/retail/shoes/x_2026-01-01_aaaaaaaa.html",
        Body=b"<p>1 kr</p>",
    )
    deliveries = local_stack.events.drain()
    assert [d.ok for d in deliveries] == [True] and deliveries[0].result == {"results": []}
