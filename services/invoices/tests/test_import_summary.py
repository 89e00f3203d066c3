"""A backfill sends one summary push, not one per old notice; a job importing one notice sends
the usual push; the summary is sent once whatever the retries, and never for a deleted user
(issue 9 §6; paypulse_invoices.import_summary, paypulse_notifications.import_summary)."""

import json
from datetime import UTC, datetime, timedelta

from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.local_stack import published_notifications
from paypulse_devkit.mailbox import DEMO_SENDER, DEMO_SUBJECT, compose_message

GMAIL_ACCOUNT = "tenant@gmail.com"


def pushes(user_id: str) -> list[dict]:
    """What reached the user's topic subscription (one per push; devices get a copy each)."""
    return [
        n
        for n in published_notifications()
        if n["user_id"] == user_id and ":endpoint/" not in n["target"]
    ]


def notify(local_stack, user_id: str, job_id: str) -> None:
    body = {"kind": "import_summary", "user_id": user_id, "job_id": job_id}
    boto_client("sqs", local_stack.aws_endpoint).send_message(
        QueueUrl=local_stack.names.queues["notify"], MessageBody=json.dumps(body)
    )


def test_backfill_with_a_failed_notice_sends_one_summary_of_what_it_imported(
    api, local_stack, connected_user, demo_mail
):
    token, user_id = connected_user
    broken = compose_message(
        sender=DEMO_SENDER,
        to=GMAIL_ACCOUNT,
        subject=DEMO_SUBJECT,
        sent=datetime.now(UTC) - timedelta(days=3),
        text="Se bifogad PDF.",
        attachments=[("Hyresavi_trasig.pdf", "application/pdf", b"%PDF-1.7 garbage")],
    )
    demo_mail.add_raw(broken, owner=GMAIL_ACCOUNT)
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert r.json["data"]["invoiceCount"] == 13

    deliveries = local_stack.events.drain()

    assert [d.ok for d in deliveries if d.function == "parse_invoice"] == [True] * 13
    stream = [d.result["sent"] for d in deliveries if d.function == "send_invoice_notification"]
    assert sum(stream) == 0  # no push per old notice
    [push] = pushes(user_id)
    assert push["message"].split()[0] == "12"  # the failed notice is not counted
    status = api("GET", "/v1/invoices/rental/ingest/status", token=token).json["data"]
    assert (status["parsed"], status["failed"]) == (12, 1)

    # The job's summary message delivered again (a retry, a second last writer): no new push.
    job = status["jobId"]
    notify(local_stack, user_id, job)
    notify(local_stack, user_id, job)
    again = local_stack.events.drain()
    assert [d.result for d in again] == [{"batchItemFailures": []}] * len(again) and again
    assert len(pushes(user_id)) == 1


def test_a_job_importing_one_new_notice_sends_the_usual_push(
    api, local_stack, connected_user, demo_mail
):
    from paypulse_devkit.demo_invoices import demo_hyresavi_series
    from paypulse_devkit.mailbox import rent_notice

    token, user_id = connected_user
    api("POST", "/v1/invoices/rental/ingest", token=token)
    local_stack.events.drain()
    assert len(pushes(user_id)) == 1  # the backfill's summary

    today = datetime.now(UTC).date()
    next_month = (today.replace(day=28) + timedelta(days=10)).replace(day=1)
    [notice] = demo_hyresavi_series(1, start=next_month, seed=9)
    sent = datetime.now(UTC) - timedelta(minutes=5)
    demo_mail.add_raw(
        rent_notice(GMAIL_ACCOUNT, sent=sent, filename=notice.filename, pdf=notice.pdf),
        owner=GMAIL_ACCOUNT,
    )
    r = api("POST", "/v1/invoices/rental/ingest", token=token)
    assert r.json["data"]["invoiceCount"] == 1
    local_stack.events.drain()

    newest = pushes(user_id)[0]
    assert len(pushes(user_id)) == 2
    total = f"{int(notice.expected['Total Amount']):,}".replace(",", " ")
    assert total in newest["message"] and notice.expected["Due Date"] in newest["message"]


def _settled_job(local_stack, user_id: str, job_id: str, invoices: list[str]) -> None:
    """A job whose chunks and parses are all done, having imported ``invoices``."""
    boto_client("dynamodb", local_stack.aws_endpoint).put_item(
        TableName=local_stack.names.tables["ingestion_ledger"],
        Item={
            "UserID": {"S": user_id},
            "LedgerKey": {"S": f"summary#{job_id}"},
            "status": {"S": "open"},
            "chunks": {"N": "1"},
            "chunks_done": {"SS": ["0"]},
            "uploads": {"SS": ["a", "b"]},
            "parsed": {"SS": ["a", "b"]},
            "imported": {"SS": invoices},
        },
    )


def test_nothing_is_pushed_for_a_deleted_user(api, local_stack, connected_user):
    _, user_id = connected_user
    _settled_job(local_stack, user_id, "job-live", ["Invoice_1", "Invoice_2"])
    notify(local_stack, user_id, "job-live")
    local_stack.events.drain()
    assert [p["message"].split()[0] for p in pushes(user_id)] == ["2"]

    # the deletion's tombstone (what DELETE /v1/user/me writes first)
    boto_client("dynamodb", local_stack.aws_endpoint).update_item(
        TableName=local_stack.names.tables["users"],
        Key={"UserID": {"S": user_id}},
        UpdateExpression="SET deleted_at = :t",
        ExpressionAttributeValues={":t": {"S": datetime.now(UTC).isoformat()}},
    )
    _settled_job(local_stack, user_id, "job-deleted", ["Invoice_3", "Invoice_4"])
    notify(local_stack, user_id, "job-deleted")
    deliveries = local_stack.events.drain()
    assert [d.result for d in deliveries] == [{"batchItemFailures": []}]
    assert len(pushes(user_id)) == 1
    assert local_stack.events.queue_dead_letters("notify") == []
