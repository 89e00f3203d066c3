"""Connect Gmail → ingest → parse (S3 trigger) → push (stream) → list, on the local stack."""

import json

from paypulse_devkit import app_contract as app
from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.local_stack import published_notifications


def rental_keys(local_stack, user_id):
    s3 = boto_client("s3", local_stack.aws_endpoint)
    listing = s3.list_objects_v2(
        Bucket=local_stack.names.buckets["invoices"], Prefix=f"invoices/{user_id}/rental/"
    )
    return [o["Key"] for o in listing.get("Contents", [])]


def test_ingest_parse_notify_list(api, local_stack, connected_user, demo_mail):
    token, user_id = connected_user
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert r.status == 200, r
    assert app.decode_success(app.InvoiceCountModel, r.json)["invoiceCount"] == 12
    # The route only found and queued the e-mails: nothing is downloaded yet.
    assert rental_keys(local_stack, user_id) == []
    status = api("GET", "/v1/invoices/rental/ingest/status", token=token).json["data"]
    assert (status["found"], status["processed"], status["complete"]) == (12, 0, False)

    deliveries = local_stack.events.drain()
    assert [d.result for d in deliveries if d.function == "sync_invoices"] == [
        {"batchItemFailures": []}
    ]
    keys = rental_keys(local_stack, user_id)
    assert len(keys) == 12
    head = boto_client("s3", local_stack.aws_endpoint).head_object(
        Bucket=local_stack.names.buckets["invoices"], Key=keys[0]
    )
    assert head["Metadata"]["message-id"]
    assert [d.ok for d in deliveries if d.function == "parse_invoice"] == [True] * 12
    status = api("GET", "/v1/invoices/rental/ingest/status", token=token).json["data"]
    assert status["complete"] and status["failures"] == []
    assert (status["processed"], status["stored"], status["parsed"]) == (12, 12, 12)
    # A second ingest finds nothing new: every message id is in the ledger.
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert app.decode_success(app.InvoiceCountModel, r.json)["invoiceCount"] == 0
    # A backfill: no push per old notice from the stream, one summary once the job settled.
    assert (
        sum(d.result["sent"] for d in deliveries if d.function == "send_invoice_notification") == 0
    )
    summaries = [d for d in deliveries if d.function == "send_import_summary"]
    assert summaries and all(d.result == {"batchItemFailures": []} for d in summaries)

    r = api("GET", "/v1/invoices/rental", token=token)
    data = app.decode_success(app.RentalInvoiceResponse, r.json)
    assert data["invoiceCount"] == 12 and data["failed"] == []
    years = list(data["invoices"])
    assert years == sorted(years, reverse=True)
    for items in data["invoices"].values():
        months = [int(i["due_date_month"]) for i in items]
        assert months == sorted(months, reverse=True)
    expected = {
        d.filename.rsplit(".", 1)[0]: d.expected
        for d in __import__("paypulse_devkit.demo_invoices", fromlist=["x"]).demo_hyresavi_series(
            12, seed=7
        )
    }
    for items in data["invoices"].values():
        for item in items:
            want = expected[item["Filename"]]
            for field in (
                "Total Amount",
                "Hyra",
                "Kallvatten",
                "Varmvatten",
                "El",
                "Moms",
                "OCR",
                "Due Date",
            ):
                assert item[field] == want[field], field

    [push] = [n for n in published_notifications() if n["user_id"] == user_id]
    assert push["message"].startswith("12 ")

    # again: nothing new is uploaded, parsed or pushed
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert r.json["data"]["invoiceCount"] == 0
    assert local_stack.events.drain() == []
    assert len(rental_keys(local_stack, user_id)) == 12

    one = data["invoices"][years[0]][0]["InvoiceID"]
    r = api("GET", f"/v1/invoices/rental/{one}", token=token)
    assert app.decode(app.RentalInvoice, app.decode_success(None, r.json))
    assert api("GET", "/v1/invoices/rental/Invoice_nope", token=token).status == 404


def test_same_pdf_uploaded_twice_gives_one_row(api, local_stack, connected_user, demo_mail):
    token, user_id = connected_user
    api("POST", "/v1/invoices/rental/ingest", token=token)
    local_stack.events.drain()
    s3 = boto_client("s3", local_stack.aws_endpoint)
    bucket = local_stack.names.buckets["invoices"]
    key = rental_keys(local_stack, user_id)[0]
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.put_object(Bucket=bucket, Key=key.replace(".pdf", "_copy.pdf"), Body=body)
    deliveries = local_stack.events.drain()
    assert [d.ok for d in deliveries] == [True]
    r = api("GET", "/v1/invoices/rental", token=token)
    assert r.json["data"]["invoiceCount"] == 12


def test_corrupt_pdf_is_a_visible_failure_and_not_retried(api, local_stack, connected_user):
    token, user_id = connected_user
    s3 = boto_client("s3", local_stack.aws_endpoint)
    s3.put_object(
        Bucket=local_stack.names.buckets["invoices"],
        Key=f"invoices/{user_id}/rental/broken.pdf",
        Body=b"%PDF-1.7 garbage",
    )
    deliveries = local_stack.events.drain()
    # a permanent failure: recorded once, no retries, nothing dead-lettered
    assert len(deliveries) == 1 and deliveries[0].ok and deliveries[0].attempts == 1
    assert local_stack.events.dead_letters("parse_invoice") == []
    r = api("GET", "/v1/invoices/rental", token=token)
    data = app.decode_success(app.RentalInvoiceResponse, r.json)
    assert data["invoiceCount"] == 0
    assert data["failed"] == [{"file": "broken.pdf", "reason": "corrupt"}]


def test_latest_invoice_statuses(api, local_stack, connected_user):
    from datetime import UTC, datetime

    from paypulse_devkit.mailbox import Mailbox

    token, _ = connected_user
    today = datetime.now(UTC).date()
    # a mailbox whose newest notice is due next month: nothing for this month yet → 204
    local_stack.mailbox = local_stack.gmail_api.mailbox = Mailbox.demo(
        "tenant@gmail.com",
        months=1,
        start=(today.replace(day=28) + __import__("datetime").timedelta(days=10)).replace(day=1),
    )
    r = api("POST", "/v1/invoices/rental/ingest/latest", token=token)
    assert r.status == 204 and r.raw == b""
    # this month's notice arrives → 201, then 200
    local_stack.mailbox = local_stack.gmail_api.mailbox = Mailbox.demo(
        "tenant@gmail.com", months=1, start=today.replace(day=1)
    )
    r = api("POST", "/v1/invoices/rental/ingest/latest", token=token)
    assert r.status == 201, r
    local_stack.events.drain()
    r = api("POST", "/v1/invoices/rental/ingest/latest", token=token)
    assert r.status == 200
    app.decode_success(None, r.json)


def test_revoked_refresh_token_is_gmail_token_expired(
    api, local_stack, connected_user, demo_mail, run_as
):
    token, user_id = connected_user
    # make the stored access token expire so the next Gmail use must refresh
    sm = boto_client("secretsmanager", local_stack.aws_endpoint)
    secret = json.loads(
        sm.get_secret_value(SecretId=local_stack.names.secrets["gmail_tokens"] + user_id)[
            "SecretString"
        ]
    )
    secret["expires_at"] = "2000-01-01T00:00:00"
    sm.put_secret_value(
        SecretId=local_stack.names.secrets["gmail_tokens"] + user_id,
        SecretString=json.dumps(secret),
    )
    local_stack.google.accounts.revoke_all("tenant@gmail.com")
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert (r.status, r.error_code) == (502, "GMAIL_TOKEN_EXPIRED")
    assert r.json["error"]["message"] == "Gmail account needs to be re-connected"
    assert api("GET", "/v1/user/me", token=token).json["data"]["gmail_account_connected"] is False


def test_schedule_runs_every_user_and_isolates_failures(
    api, local_stack, connected_user, demo_mail
):
    api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "N", "email": "nogmail@example.com", "password": "secret-pass-1"},
    )
    delivery = local_stack.events.fire_schedule("rental-weekdays")
    assert delivery.ok, delivery.error
    assert delivery.result["enqueued"] == 2  # the schedule only enqueues
    worker = [d for d in local_stack.events.drain() if d.function == "sync_invoices"]
    # Both users synced by the worker; the one without Gmail is recorded, not retried.
    assert worker and all(d.result == {"batchItemFailures": []} for d in worker)
    assert local_stack.events.queue_dead_letters("sync") == []


def test_mail_of_one_gmail_account_is_invisible_to_another(api, local_stack, demo_mail, connect):
    token, user_id = connect("neighbour@example.com", "neighbour@gmail.com")
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert r.status == 200, r
    assert app.decode_success(app.InvoiceCountModel, r.json)["invoiceCount"] == 0
    assert rental_keys(local_stack, user_id) == []
