"""The sync queue: schedules enqueue one message per connected user, the worker syncs one user
per message with partial batch responses, transient failures are retried and dead-lettered,
permanent ones recorded and not retried (real moto SQS queue with its redrive policy)."""

from __future__ import annotations

import json
import uuid

import pytest

from paypulse_common.errors import DependencyError
from paypulse_devkit.aws_local import boto_client


def _sqs(local_stack):
    return boto_client("sqs", local_stack.aws_endpoint)


def _queue_depth(local_stack, url: str) -> int:
    attrs = _sqs(local_stack).get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def _all_messages(local_stack, url: str) -> list[dict]:
    sqs = _sqs(local_stack)
    seen: dict[str, dict] = {}
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        messages = batch.get("Messages", [])
        if not messages:
            return list(seen.values())
        for m in messages:
            seen[m["MessageId"]] = json.loads(m["Body"])


def _add_users(local_stack, count: int, **extra: str) -> list[str]:
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    ids = []
    for _ in range(count):
        uid = f"user_{uuid.uuid4()}"
        item = {"UserID": {"S": uid}, "Email": {"S": f"{uid}@example.com"}}
        item.update({k: {"S": v} for k, v in extra.items()})
        ddb.put_item(TableName=local_stack.names.tables["users"], Item=item)
        ids.append(uid)
    return ids


def _send(local_stack, *bodies: str) -> None:
    sqs = _sqs(local_stack)
    for body in bodies:
        sqs.send_message(QueueUrl=local_stack.names.queues["sync"], MessageBody=body)


@pytest.mark.parametrize("page", [100, 4])
def test_schedule_enqueues_one_message_per_connected_user_in_batches_of_10(
    local_stack, monkeypatch, page
):
    from paypulse_invoices import scheduled

    monkeypatch.setattr(scheduled, "PAGE", page)  # 4: the users come in many Scan pages
    connected = _add_users(local_stack, 23)
    _add_users(local_stack, 2, gmail_disconnected_at="2026-01-01T00:00:00+00:00")

    delivery = local_stack.events.fire_schedule("rental-weekdays")

    assert delivery.ok, delivery.error
    assert delivery.result["enqueued"] == 23
    # 23 users in one page: SendMessageBatch of 10, 10 and 3; in pages of 4: one call a page.
    assert delivery.result["send_calls"] == (3 if page == 100 else 6)
    queued = _all_messages(local_stack, local_stack.names.queues["sync"])
    assert sorted(m["user_id"] for m in queued) == sorted(connected)
    assert {m["kind"] for m in queued} == {"rental_latest"}


def test_retail_schedule_enqueues_weekly_jobs(local_stack):
    users = _add_users(local_stack, 3)
    delivery = local_stack.events.fire_schedule("retail-weekly")
    assert delivery.ok and delivery.result["enqueued"] == 3
    queued = _all_messages(local_stack, local_stack.names.queues["sync"])
    assert sorted(m["user_id"] for m in queued) == sorted(users)
    assert {m["kind"] for m in queued} == {"retail_weekly"}


@pytest.fixture
def flaky_job(monkeypatch):
    """The rental job succeeds, except for the user ids in ``failing`` (a transient error)."""
    from paypulse_invoices import sync_jobs

    failing: set[str] = set()
    ran: list[str] = []

    async def job(user_id, body):
        ran.append(user_id)
        if user_id in failing:
            raise DependencyError("Gmail unavailable")

    monkeypatch.setitem(sync_jobs.JOBS, "rental_latest", ("rental", job))
    return failing, ran


def test_one_transient_failure_reports_exactly_that_message(local_stack, flaky_job):
    failing, ran = flaky_job
    failing.add("u-bad")
    _send(
        local_stack,
        *(json.dumps({"kind": "rental_latest", "user_id": u}) for u in ("u-1", "u-bad", "u-2")),
    )

    assert local_stack.events.tick() == 1  # one batch (batch_size 5) of three messages
    delivery = local_stack.events.deliveries[-1]
    bad = [
        r["messageId"]
        for r in delivery.event["Records"]
        if json.loads(r["body"])["user_id"] == "u-bad"
    ]
    assert delivery.result == {"batchItemFailures": [{"itemIdentifier": bad[0]}]}
    assert all(
        r["eventSourceARN"] == local_stack.names.queue_arns["sync"]
        for r in delivery.event["Records"]
    )
    assert {r["attributes"]["ApproximateReceiveCount"] for r in delivery.event["Records"]} == {"1"}
    # The two others were deleted; the failed one is in flight until its visibility timeout.
    attrs = _sqs(local_stack).get_queue_attributes(
        QueueUrl=local_stack.names.queues["sync"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attrs == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "1",
    }
    assert local_stack.events.tick() == 0  # not visible again before the timeout

    failing.clear()  # the outage is over: the retry succeeds
    local_stack.events.drain()
    assert ran.count("u-bad") == 2 and ran.count("u-1") == 1
    assert _queue_depth(local_stack, local_stack.names.queues["sync"]) == 0
    assert local_stack.events.queue_dead_letters("sync") == []


def test_message_failing_max_receive_count_times_lands_in_the_dlq(local_stack, flaky_job):
    failing, ran = flaky_job
    failing.add("u-down")
    _send(local_stack, json.dumps({"kind": "rental_latest", "user_id": "u-down"}))

    local_stack.events.drain()

    max_receive = local_stack.ws.resources.queues["sync"].max_receive_count
    assert ran == ["u-down"] * max_receive
    dead = local_stack.events.queue_dead_letters("sync")
    assert [json.loads(m["Body"])["user_id"] for m in dead] == ["u-down"]
    assert _queue_depth(local_stack, local_stack.names.queues["sync"]) == 0


def test_permanent_error_is_recorded_and_not_retried(local_stack, api, run_as):
    # A signed-up user who never connected Gmail: GMAIL_TOKEN_EXPIRED is permanent.
    r = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "N", "email": "nogmail@example.com", "password": "secret-pass-1"},
    )
    import jwt

    user_id = jwt.decode(r.json["data"]["access_token"], options={"verify_signature": False})["sub"]
    _send(
        local_stack,
        json.dumps({"kind": "rental_latest", "user_id": user_id}),
        "not json",  # a malformed message is dropped, not retried for ever
        json.dumps({"kind": "unknown", "user_id": user_id}),
    )

    deliveries = local_stack.events.drain()

    assert [d.result for d in deliveries] == [{"batchItemFailures": []}]
    assert _queue_depth(local_stack, local_stack.names.queues["sync"]) == 0
    assert local_stack.events.queue_dead_letters("sync") == []
    from paypulse_invoices import sync_status

    status = run_as("sync_invoices", sync_status.get(user_id, "rental"))
    assert status["failed"] == 1
    assert status["failures"] == [{"message_id": "", "reason": "GMAIL_TOKEN_EXPIRED"}]


def test_worker_may_not_send_and_producer_may_not_consume(local_stack):
    """The local IAM enforcement covers the SQS calls: each side only has its own actions."""
    from paypulse_devkit.iam_policy import Request

    arn = local_stack.names.queue_arns["sync"]

    def allowed(function: str, action: str) -> bool:
        return local_stack.iam.policies[function].evaluate(Request.of(action, arn)).allowed

    assert allowed("fetch_latest_invoice", "sqs:SendMessage")
    assert allowed("fetch_retail_invoices", "sqs:SendMessage")
    assert not allowed("fetch_latest_invoice", "sqs:ReceiveMessage")
    # the worker hands on what a Gmail push's sync found (rental_ids / retail_ids chunks)
    assert allowed("sync_invoices", "sqs:SendMessage")
    assert not allowed("get_invoices", "sqs:SendMessage")
    for action in (
        "ReceiveMessage",
        "DeleteMessage",
        "ChangeMessageVisibility",
        "GetQueueAttributes",
    ):
        assert allowed("sync_invoices", f"sqs:{action}")


def test_the_pump_polls_with_the_workers_policy(local_stack, monkeypatch):
    """Lambda's poller uses the function's execution role: without ReceiveMessage in the
    worker's policy the pump's receive is denied as AWS would deny it."""
    import botocore.exceptions

    from paypulse_devkit.iam_policy import Policy

    doc = local_stack.iam.documents["sync_invoices"]
    stripped = {
        **doc,
        "Statement": [s for s in doc["Statement"] if "sqs:ReceiveMessage" not in s["Action"]],
    }
    monkeypatch.setitem(local_stack.iam.policies, "sync_invoices", Policy(stripped))
    monkeypatch.setitem(local_stack.iam._cache, "sync_invoices", {})
    _send(local_stack, json.dumps({"kind": "rental_latest", "user_id": "u"}))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        local_stack.events.tick()
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_retail_ingest_hands_off_and_records_a_mail_without_body(
    api, local_stack, connected_user, demo_mail
):
    """The route answers with what it found; the worker stores the others and records the
    e-mail without a body as a permanent failure (the chunk is not retried)."""
    from datetime import UTC, datetime, timedelta

    from paypulse_devkit.demo_retail import demo_orders

    token, _ = connected_user
    order = demo_orders()[0]
    from email.utils import format_datetime

    raw = (  # a single binary part: no text or HTML body at all
        f"From: {order.sender}\r\nTo: tenant@gmail.com\r\nSubject: {order.subject}\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\nMessage-ID: <nobody@example.com>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nAAE=\r\n"
    ).encode()
    demo_mail.deliver(raw)
    today = datetime.now(UTC).date()
    window = {"start_date": f"{today - timedelta(days=10)}", "end_date": f"{today}"}
    r = api("POST", "/v1/invoices/retail/ingest", token=token, json_body=window)
    assert r.status == 200, r
    assert r.json["data"]["totalEmailsFound"] == 6 and sum(r.json["data"]["byVendor"].values()) == 6

    deliveries = local_stack.events.drain()
    worker = [d.result for d in deliveries if d.function == "sync_invoices"]
    assert worker and all(w == {"batchItemFailures": []} for w in worker)
    assert [d.ok for d in deliveries if d.function == "parse_retail_invoice"] == [True] * 5
    status = api("GET", "/v1/invoices/retail/ingest/status", token=token)
    assert status.status == 200
    data = status.json["data"]
    assert (data["found"], data["processed"], data["stored"], data["parsed"]) == (6, 6, 5, 5)
    assert data["failed"] == 1 and data["complete"] is True
    assert [f["reason"] for f in data["failures"]] == ["no text or HTML body"]
    assert local_stack.events.queue_dead_letters("sync") == []


def test_ingest_status_needs_a_token_and_starts_at_zero(api, connected_user):
    token, _ = connected_user
    assert api("GET", "/v1/invoices/rental/ingest/status").status == 401
    r = api("GET", "/v1/invoices/rental/ingest/status", token=token)
    assert r.status == 200
    assert r.json["data"] == {
        "found": 0,
        "processed": 0,
        "stored": 0,
        "parsed": 0,
        "failed": 0,
        "failures": [],
        "complete": True,
    }
