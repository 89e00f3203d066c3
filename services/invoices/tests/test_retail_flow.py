"""Retail: demo order e-mails → ingest → parse (S3 trigger) → counts, lists, details, delete."""

from datetime import UTC, datetime, timedelta

import pytest

from paypulse_common.categories import RETAIL_SUB_TYPES
from paypulse_devkit import app_contract as app
from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.demo_retail import demo_orders

RANGE = {
    "start_date": f"{datetime.now(UTC).date() - timedelta(days=10):%Y-%m-%d}",
    "end_date": f"{datetime.now(UTC).date():%Y-%m-%d}",
}


def ingest(api, local_stack, token, body=None):
    r = api("POST", "/v1/invoices/retail/ingest", token=token, json_body=body or RANGE)
    assert r.status == 200, r
    deliveries = local_stack.events.drain()
    return r.json["data"], deliveries


def test_ingest_parse_and_read_back(api, local_stack, connected_user, demo_mail):
    token, _ = connected_user
    data, deliveries = ingest(api, local_stack, token)
    assert data["totalEmailsFound"] == 5 and sum(data["byVendor"].values()) == 5
    assert data["errors"] == []
    assert [d.ok for d in deliveries if d.function == "parse_retail_invoice"] == [True] * 5

    r = api("GET", "/v1/invoices/retail?counts=true", token=token)
    counts = app.decode_success(app.RetailInvoiceCountsResponse, r.json)
    assert list(counts) == list(RETAIL_SUB_TYPES)
    assert counts["clothing"] == counts["travel"] == counts["food-delivery"] == 1
    assert counts["technology"] == counts["subscriptions"] == 1 and counts["grocery"] == 0

    expected = {o.vendor_id: o.expected for o in demo_orders()}
    for order in demo_orders():
        r = api("GET", f"/v1/invoices/retail?subtype={order.sub_type}", token=token)
        listing = app.decode_success(app.RetailInvoiceByYearResponse, r.json)
        assert listing["invoiceCount"] == 1
        ((year, items),) = listing["invoices"].items()
        item = items[0]
        assert year == item["invoice_date"][:4]
        assert item["total_amount"] == pytest.approx(expected[order.vendor_id]["total"])
        assert item["currency"] == expected[order.vendor_id]["currency"]
        r = api(
            "GET",
            f"/v1/invoices/retail?subtype={order.sub_type}&invoice-id={item['InvoiceID']}",
            token=token,
        )
        detail = app.decode_success(app.obj({"invoiceDetails": {"type": "object"}}), r.json)[
            "invoiceDetails"
        ]
        app.decode(app.DETAIL_MODELS[order.sub_type], detail)

    r = api("GET", "/v1/invoices/retail", token=token)
    grouped = app.decode_success(app.RetailInvoiceByYearResponse, r.json)
    assert set(grouped["invoices"]) == {o.sub_type for o in demo_orders()}


def test_same_email_twice_is_one_invoice(api, local_stack, connected_user, demo_mail):
    token, user_id = connected_user
    ingest(api, local_stack, token)
    data, deliveries = ingest(api, local_stack, token)
    assert sum(data["byVendor"].values()) == 0 and deliveries == []
    # the same e-mail uploaded again under another key: parsed, recognised as a duplicate
    s3 = boto_client("s3", local_stack.aws_endpoint)
    bucket = local_stack.names.buckets["invoices"]
    key = next(
        o["Key"]
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"invoices/{user_id}/retail/clothing/")[
            "Contents"
        ]
    )
    body = s3.get_object(Bucket=bucket, Key=key)
    s3.put_object(
        Bucket=bucket,
        Key=key.replace(".html", "").rsplit("_", 1)[0] + "_00000000.html",
        Body=body["Body"].read(),
        Metadata=body["Metadata"],
    )
    deliveries = local_stack.events.drain()
    assert [d.result["results"][0]["outcome"] for d in deliveries] == ["duplicate"]
    assert api("GET", "/v1/invoices/retail?counts=true", token=token).json["data"]["clothing"] == 1


def test_other_users_invoice_is_404_and_delete(api, local_stack, connected_user, demo_mail):
    token, user_id = connected_user
    ingest(api, local_stack, token)
    items = api("GET", "/v1/invoices/retail?subtype=clothing", token=token).json["data"]["invoices"]
    invoice_id = next(iter(items.values()))[0]["InvoiceID"]
    other = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "M", "email": "mallory@example.com", "password": "secret-pass-1"},
    ).json["data"]["access_token"]
    r = api("GET", f"/v1/invoices/retail?subtype=clothing&invoice-id={invoice_id}", token=other)
    missing = api("GET", "/v1/invoices/retail?subtype=clothing&invoice-id=retail_nope", token=token)
    assert r.status == missing.status == 404 and r.json == missing.json
    assert api("DELETE", f"/v1/invoices/retail/{invoice_id}", token=other).status == 404

    r = api("DELETE", f"/v1/invoices/retail/{invoice_id}", token=token)
    assert r.status == 200 and r.json["data"]["deleted_invoice"]["sub_type"] == "clothing"
    assert api("GET", "/v1/invoices/retail?counts=true", token=token).json["data"]["clothing"] == 0
    s3 = boto_client("s3", local_stack.aws_endpoint)
    versions = s3.list_object_versions(
        Bucket=local_stack.names.buckets["invoices"], Prefix=f"invoices/{user_id}/retail/clothing/"
    )
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    # a later fetch does not bring the deleted e-mail back
    data, _ = ingest(api, local_stack, token)
    assert data["byVendor"].get("zalando", 0) == 0
    assert api("DELETE", f"/v1/invoices/retail/{invoice_id}", token=token).status == 404


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("subtype=shoes", "INVALID_REQUEST"),
        ("invoice-id=bad%20id", "INVALID_REQUEST"),
        ("counts=maybe", "INVALID_REQUEST"),
        ("colour=red", "INVALID_REQUEST"),
    ],
)
def test_bad_retail_queries(api, connected_user, query, code):
    token, _ = connected_user
    r = api("GET", f"/v1/invoices/retail?{query}", token=token)
    assert (r.status, r.error_code) == (400, code)
    assert (
        "food-delivery" in r.json["error"]["message"]
        or "Valid" in r.json["error"]["message"]
        or "'" in r.json["error"]["message"]
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"start_date": "01/02/2026", "end_date": "2026-03-01"}, "INVALID_REQUEST"),
        ({"start_date": "2026-02-30"}, "INVALID_REQUEST"),
        ({"end_date": 20260101}, "INVALID_REQUEST"),
        ({"vendor_category": "shoes"}, "INVALID_REQUEST"),
    ],
)
def test_bad_ingest_bodies(api, connected_user, body, code):
    token, _ = connected_user
    r = api("POST", "/v1/invoices/retail/ingest", token=token, json_body=body)
    assert (r.status, r.error_code) == (400, code)


def test_custom_range_does_not_move_window_but_schedule_does(
    api, local_stack, connected_user, demo_mail, run_as
):
    from paypulse_common.users import get_user

    token, user_id = connected_user
    ingest(api, local_stack, token, {**RANGE, "vendor_category": "travel"})
    assert run_as("get_user_profile", get_user(user_id)).last_retail_invoice_fetch is None
    delivery = local_stack.events.fire_schedule("retail-weekly")
    assert delivery.ok, delivery.error
    assert delivery.result["enqueued"] == 1
    # The weekly job runs in the queue worker; the window moves once it completed.
    assert run_as("get_user_profile", get_user(user_id)).last_retail_invoice_fetch is None
    worker = [d for d in local_stack.events.drain() if d.function == "sync_invoices"]
    assert [d.result for d in worker] == [{"batchItemFailures": []}]
    assert run_as("get_user_profile", get_user(user_id)).last_retail_invoice_fetch is not None


def test_date_window_defaults_and_iso_date_range(api, local_stack, connected_user, demo_mail):
    """One date alone takes the other from today / 30 days before; dateRange uses the request's
    own format (YYYY-MM-DD); an end before the start finds nothing rather than failing."""
    token, _ = connected_user
    today = datetime.now(UTC).date()
    data, _ = ingest(api, local_stack, token, {"start_date": RANGE["start_date"]})
    assert data["dateRange"] == {"start": RANGE["start_date"], "end": today.isoformat()}
    end = today - timedelta(days=3)
    data, _ = ingest(api, local_stack, token, {"end_date": end.isoformat()})
    assert data["dateRange"] == {
        "start": (end - timedelta(days=30)).isoformat(),
        "end": end.isoformat(),
    }
    reversed_range = {"start_date": RANGE["end_date"], "end_date": RANGE["start_date"]}
    data, _ = ingest(api, local_stack, token, reversed_range)
    assert data["totalEmailsFound"] == 0 and data["byVendor"] == {}
