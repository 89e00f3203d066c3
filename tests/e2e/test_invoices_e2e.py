"""Rental and retail over HTTP against `paypulse dev` (demo mailbox, background event pump):
connect Gmail → ingest → parsed → push captured → lists decode with the app's models."""

import time

import pytest

from paypulse_devkit import app_contract as app

pytestmark = pytest.mark.e2e


def wait_for(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not reached in time")


@pytest.fixture(scope="module")
def session(http):
    status, body = http(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "Tina", "email": "tina@example.se", "password": "hemligt-123"},
    )
    assert status == 201
    token = body["data"]["access_token"]
    _, grant = http("POST", "/_local/google/authorize", json_body={"email": "tina@gmail.com"})
    status, _ = http(
        "POST",
        "/v1/auth/gmail/store-tokens",
        token=token,
        form=[
            ("access_token", grant["access_token"]),
            ("refresh_token", grant["refresh_token"]),
            ("scope[]", grant["scope"]),
            ("expires_in", "3600"),
        ],
    )
    assert status == 201
    return token


def test_rental_ingest_parse_push_list(http, session):
    status, body = http("POST", "/v1/invoices/rental/ingest", token=session)
    assert status == 200 and app.decode_success(app.InvoiceCountModel, body)["invoiceCount"] == 12

    def listed():
        _, body = http("GET", "/v1/invoices/rental", token=session)
        data = app.decode_success(app.RentalInvoiceResponse, body)
        return data if data["invoiceCount"] == 12 else None

    data = wait_for(listed)
    assert all(len(y) == 4 for y in data["invoices"])
    _, pushed = wait_for(
        lambda: (lambda r: r if r[1]["notifications"] else None)(
            http("GET", "/_local/notifications")
        )
    )
    # a backfill: one summary push once the job settled, not one per old notice
    assert [n["message"].split()[0] for n in pushed["notifications"]] == ["12"]

    status, body = http("POST", "/v1/invoices/rental/ingest", token=session)
    assert app.decode_success(app.InvoiceCountModel, body)["invoiceCount"] == 0
    status, body = http("POST", "/v1/invoices/rental/ingest/latest", token=session)
    assert status == 200  # this month's notice is among the 12 already processed


def test_new_mail_and_schedule_over_dev_routes(http, session):
    from datetime import UTC, datetime

    from paypulse_devkit.demo_invoices import hyresavi_pdf, make_ocr
    from paypulse_devkit.mailbox import compose_message

    due = datetime.now(UTC).date().replace(day=28)
    pdf = hyresavi_pdf(due=due, rent=12000, ocr=make_ocr("99887766"))
    raw = compose_message(
        sender="Wallenstam <kundservice@wallenstam.se>",
        to="tina@gmail.com",
        subject="Hyresavi",
        sent=datetime.now(UTC),
        text="Ny avi",
        attachments=[("Hyresavi_extra.pdf", "application/pdf", pdf)],
    )
    import urllib.request

    request = urllib.request.Request(http.base + "/_local/mailbox", data=raw, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
    status, body = http("POST", "/_local/schedules/rental-weekdays")
    assert status == 200 and body["ok"] and body["result"]["enqueued"] >= 1  # to the sync queue
    status, body = http("POST", "/_local/schedules/nope")
    assert status == 404


def test_retail_counts_decode(http, session):
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    status, body = http(
        "POST",
        "/v1/invoices/retail/ingest",
        token=session,
        json_body={"start_date": f"{today - timedelta(days=10)}", "end_date": f"{today}"},
    )
    assert status == 200 and body["data"]["totalEmailsFound"] == 5

    def counted():
        _, body = http("GET", "/v1/invoices/retail?counts=true", token=session)
        counts = app.decode_success(app.RetailInvoiceCountsResponse, body)
        return counts if sum(counts.values()) == 5 else None

    wait_for(counted)
    status, body = http("GET", "/v1/invoices/retail?subtype=travel", token=session)
    app.decode_success(app.RetailInvoiceByYearResponse, body)
