"""Odd attachments never block the rest of a mailbox: a control character or a very long name
in a sender's attachment filename is sanitised, not a 502 on every run."""

from datetime import UTC, datetime, timedelta

from paypulse_devkit import app_contract as app
from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.demo_invoices import demo_hyresavi_series
from paypulse_devkit.mailbox import DEMO_SENDER, DEMO_SUBJECT, Mailbox, compose_message

GMAIL_ACCOUNT = "tenant@gmail.com"  # the account the connected_user fixture connects
ODD_NAMES = ("Hyres\x01avi\x7f.pdf", "Hyresavi " + "lång" * 120 + ".pdf", "\t\x1b\x00.pdf")


def test_control_characters_and_long_names_do_not_fail_the_ingest(api, local_stack, connected_user):
    token, user_id = connected_user
    mailbox = Mailbox()
    invoices = demo_hyresavi_series(len(ODD_NAMES), seed=11)
    for name, invoice in zip(ODD_NAMES, invoices, strict=True):
        sent = datetime.now(UTC) - timedelta(days=40 * invoices.index(invoice) + 1)
        raw = compose_message(
            sender=DEMO_SENDER,
            to=GMAIL_ACCOUNT,
            subject=DEMO_SUBJECT,
            sent=sent,
            text="Se bifogad PDF.",
            attachments=[(name, "application/pdf", invoice.pdf)],
        )
        mailbox.add_raw(raw, owner=GMAIL_ACCOUNT)
    local_stack.mailbox = local_stack.gmail_api.mailbox = mailbox

    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert r.status == 200, r
    assert app.decode_success(app.InvoiceCountModel, r.json)["invoiceCount"] == len(ODD_NAMES)
    deliveries = local_stack.events.drain()  # the sync worker stores them, parse_invoice parses
    s3 = boto_client("s3", local_stack.aws_endpoint)
    bucket = local_stack.names.buckets["invoices"]
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"invoices/{user_id}/rental/")["Contents"]
    ]
    for key in keys:
        name = s3.head_object(Bucket=bucket, Key=key)["Metadata"]["original-filename"]
        assert name.isprintable() and name.isascii() and 0 < len(name) <= 200
    assert [d.ok for d in deliveries if d.function == "parse_invoice"] == [True] * len(ODD_NAMES)
    listing = app.decode_success(
        app.RentalInvoiceResponse, api("GET", "/v1/invoices/rental", token=token).json
    )
    assert listing["invoiceCount"] == len(ODD_NAMES)


def test_an_attachment_over_the_size_limit_is_recorded_and_never_downloaded(
    api, local_stack, connected_user
):
    """Gmail's part ``body.size`` decides before any download: a PDF over the parser's limit
    is a failure with a reason in the ingest status, its message is settled, and no later
    sync (a full one included) fetches or downloads it again; the other notice is stored."""
    from collections import Counter

    from paypulse_invoices.rental_parse import MAX_PDF_BYTES

    token, _ = connected_user
    mailbox = Mailbox()
    [invoice] = demo_hyresavi_series(1, seed=3)
    now = datetime.now(UTC).replace(microsecond=0)
    huge = b"%PDF-1.7\n" + b"0" * (MAX_PDF_BYTES + 1 - 9)
    for n, (name, pdf) in enumerate(((invoice.filename, invoice.pdf), ("Hyresavi_stor.pdf", huge))):
        raw = compose_message(
            sender=DEMO_SENDER,
            to=GMAIL_ACCOUNT,
            subject=DEMO_SUBJECT,
            sent=now - timedelta(days=n + 1),
            text="Se bifogad PDF.",
            attachments=[(name, "application/pdf", pdf)],
        )
        mailbox.add_raw(raw, owner=GMAIL_ACCOUNT)
    local_stack.mailbox = local_stack.gmail_api.mailbox = mailbox

    def attachment_gets() -> int:
        return Counter(local_stack.gmail_api.usage(GMAIL_ACCOUNT)["units"])[
            "messages.attachments.get"
        ]

    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert app.decode_success(app.InvoiceCountModel, r.json)["invoiceCount"] == 2
    local_stack.events.drain()
    assert attachment_gets() == 5  # one GET (5 units): the notice, never the large PDF
    status = api("GET", "/v1/invoices/rental/ingest/status", token=token).json["data"]
    assert (status["stored"], status["parsed"], status["failed"]) == (1, 1, 1)
    [failure] = status["failures"]
    assert failure["reason"] == "too_large" and failure["messageId"]

    # Gmail no longer answers for the stored history id: the next sync is a full search.
    mailbox.history_retention_s = 0
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert app.decode_success(app.InvoiceCountModel, r.json)["invoiceCount"] == 0
    local_stack.events.drain()
    assert attachment_gets() == 5
