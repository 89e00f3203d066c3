"""Gmail push end to end in the local stack: users.watch on connect, mail delivered → the local
Google's Pub/Sub push (OIDC-signed) → POST /v1/gmail/push → sync queue → worker → invoice stored
and notification published; forged, replayed, stale and malformed pushes change nothing; the
daily renewal; users.stop on account deletion."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.demo_invoices import demo_hyresavi_series
from paypulse_devkit.local_stack import LOCAL_PUSH, published_notifications
from paypulse_devkit.mailbox import rent_notice
from paypulse_devkit.pubsub_push import GoogleSigningKeys
from paypulse_invoices.gmail_push import PENDING_LOST_AFTER_S

GMAIL_ACCOUNT = "tenant@gmail.com"  # connected_user's Gmail (its app login is tenant@example.com)
ROUTE = "/v1/gmail/push"


def _watch_rows(local_stack) -> list[dict]:
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    return ddb.scan(TableName=local_stack.names.tables["gmail_watches"])["Items"]


def _queued(local_stack) -> int:
    attrs = boto_client("sqs", local_stack.aws_endpoint).get_queue_attributes(
        QueueUrl=local_stack.names.queues["sync"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def _claims(**override: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": LOCAL_PUSH["audience"],
        "email": LOCAL_PUSH["service_account"],
        "email_verified": True,
        "sub": "1234567890",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(override)
    return {k: v for k, v in claims.items() if v is not None}


def _body(address: str = GMAIL_ACCOUNT, history_id: Any = 10**9, message_id: str = "17001"):
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode())
    return {
        "message": {"data": data.decode(), "messageId": message_id, "attributes": {}},
        "subscription": "projects/paypulse-local/subscriptions/gmail-push",
    }


def _push(api, local_stack, body: Any = None, token: str | None = None, **claims: Any):
    if token is None:
        token = local_stack.google.pubsub.keys.sign(_claims(**claims))
    return api("POST", ROUTE, json_body=_body() if body is None else body, token=token)


def test_connect_watches_the_gmail_mailbox_and_maps_its_address_to_the_user(
    local_stack, connected_user
):
    _, user_id = connected_user
    watch = local_stack.gmail_api.watches[GMAIL_ACCOUNT]
    assert watch.topic == LOCAL_PUSH["topic"]
    assert local_stack.gmail_api.usage(GMAIL_ACCOUNT)["units"]["watch"] == 100
    (row,) = _watch_rows(local_stack)
    assert row["UserID"]["S"] == user_id
    assert row["GmailAddress"]["S"] == GMAIL_ACCOUNT  # the Google account, not the app login
    assert int(row["ExpiresAt"]["N"]) == watch.expiration_ms


def test_delivered_rent_notice_is_pushed_synced_stored_and_notified(
    api, local_stack, gmail_push, connected_user
):
    token, user_id = connected_user
    invoice = demo_hyresavi_series(1, seed=11)[0]
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    raw = rent_notice(GMAIL_ACCOUNT, sent=sent, filename=invoice.filename, pdf=invoice.pdf)
    local_stack.mailbox.deliver(raw)
    assert gmail_push.drain(30)
    (delivery,) = gmail_push.deliveries
    assert delivery.statuses == [204]
    local_stack.events.drain()
    listed = api("GET", "/v1/invoices/rental", token=token)
    assert listed.status == 200 and listed.json["data"]["invoiceCount"] == 1
    mine = [n for n in published_notifications() if n["user_id"] == user_id]
    assert len(mine) == 1


def test_every_forged_push_is_refused_and_changes_nothing(api, local_stack, connected_user):
    foreign = GoogleSigningKeys()
    foreign.kid = local_stack.google.pubsub.keys.kid  # same key id, another key: bad signature
    now = int(time.time())
    cases = [
        (dict(token=""), 401, "INVALID_TOKEN"),
        (dict(token="not.a.jwt"), 401, "INVALID_TOKEN"),
        (dict(token=foreign.sign(_claims())), 401, "INVALID_TOKEN"),
        (dict(token=GoogleSigningKeys().sign(_claims())), 401, "INVALID_TOKEN"),  # unknown kid
        (dict(exp=now - 120, iat=now - 3720), 401, "TOKEN_EXPIRED"),
        (dict(aud="https://elsewhere.example.com/push"), 403, "FORBIDDEN"),
        (dict(iss="https://evil.example.com"), 403, "FORBIDDEN"),
        (dict(email="attacker@evil-project.iam.gserviceaccount.com"), 403, "FORBIDDEN"),
        (dict(email_verified=False), 403, "FORBIDDEN"),
        (dict(email=None), 403, "FORBIDDEN"),
    ]
    for kwargs, status, code in cases:
        if kwargs.get("token") == "":
            r = api("POST", ROUTE, json_body=_body())
        else:
            r = _push(api, local_stack, **kwargs)
        assert (r.status, r.error_code) == (status, code), kwargs
    assert _queued(local_stack) == 0
    assert len(_watch_rows(local_stack)) == 1  # the watch only: no push recorded


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"subscription": "projects/p/subscriptions/s"},
        {"message": {"messageId": "1"}, "subscription": "s"},
        {"message": {"data": "%%%not-base64", "messageId": "1"}, "subscription": "s"},
        {
            "message": {"data": base64.b64encode(b"[1]").decode(), "messageId": "1"},
            "subscription": "s",
        },
        {
            "message": {
                "data": base64.b64encode(b'{"emailAddress": "x"}').decode(),
                "messageId": "1",
            },
            "subscription": "s",
        },
        {"message": {"data": "QUFB" * 400, "messageId": "1"}, "subscription": "s"},
        {"message": {"data": "e30=", "messageId": "1 2"}, "subscription": "s"},
    ],
)
def test_malformed_pushes_are_400_and_change_nothing(api, local_stack, connected_user, body):
    r = _push(api, local_stack, body=body)
    assert r.status == 400, r
    assert _queued(local_stack) == 0


def test_replayed_and_unknown_mailbox_pushes_are_acknowledged_without_effect(
    api, local_stack, connected_user
):
    assert _push(api, local_stack).status == 204
    assert _queued(local_stack) == 1
    assert _push(api, local_stack).status == 204  # the same Pub/Sub message id again
    assert _queued(local_stack) == 1
    other = _body(address="nobody@gmail.com", message_id="17002")
    assert _push(api, local_stack, body=other).status == 204
    assert _queued(local_stack) == 1


def test_a_push_not_newer_than_the_synced_history_does_nothing(api, local_stack, connected_user):
    token, _ = connected_user
    for path in ("/v1/invoices/rental/ingest", "/v1/invoices/retail/ingest"):
        assert api("POST", path, token=token).status == 200
    local_stack.events.drain()
    synced = local_stack.mailbox.history_id(GMAIL_ACCOUNT)
    stale = _body(history_id=str(synced), message_id="18001")
    assert _push(api, local_stack, body=stale).status == 204
    assert _queued(local_stack) == 0
    newer = _body(history_id=synced + 1, message_id="18002")
    assert _push(api, local_stack, body=newer).status == 204
    assert _queued(local_stack) == 1


def test_push_route_refuses_everything_while_push_is_not_configured(local_stack, run_as):
    from paypulse_common.errors import ForbiddenError
    from paypulse_invoices.gmail_push import verify

    rt = local_stack.runtime(
        "receive_gmail_push",
        {"PAYPULSE_GMAIL_PUSH_AUDIENCE": "", "PAYPULSE_GMAIL_PUSH_SERVICE_ACCOUNT": ""},
    )
    token = local_stack.google.pubsub.keys.sign(_claims())
    with pytest.raises(ForbiddenError):
        rt.run(verify(f"Bearer {token}"))
    rt.close()


def test_daily_renewal_renews_the_watches_expiring_within_two_days(local_stack, connect):
    _, soon = connect("a@example.com", "a@gmail.com")
    _, later = connect("b@example.com", "b@gmail.com")
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    table = local_stack.names.tables["gmail_watches"]
    now_ms = int(time.time() * 1000)
    for user_id, days in ((soon, 1), (later, 5)):
        ddb.update_item(
            TableName=table,
            Key={"UserID": {"S": user_id}, "Entry": {"S": "watch"}},
            UpdateExpression="SET ExpiresAt = :e",
            ExpressionAttributeValues={":e": {"N": str(now_ms + days * 86400 * 1000)}},
        )
    delivery = local_stack.events.fire_schedule("gmail-watch-renewal")
    assert delivery is not None and delivery.ok, delivery
    assert delivery.result["enqueued"] == 1
    local_stack.events.drain()
    assert local_stack.gmail_api.usage("a@gmail.com")["units"]["watch"] == 200
    assert local_stack.gmail_api.usage("b@gmail.com")["units"]["watch"] == 100
    row = ddb.get_item(TableName=table, Key={"UserID": {"S": soon}, "Entry": {"S": "watch"}})
    assert int(row["Item"]["ExpiresAt"]["N"]) > now_ms + 6 * 86400 * 1000


def test_renewal_of_a_revoked_grant_is_recorded_once_and_not_retried_daily(local_stack, connect):
    _, user_id = connect("r@example.com", "r@gmail.com")
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    table = local_stack.names.tables["gmail_watches"]
    ddb.update_item(  # expiring tomorrow, and the stored access token already expired
        TableName=table,
        Key={"UserID": {"S": user_id}, "Entry": {"S": "watch"}},
        UpdateExpression="SET ExpiresAt = :e",
        ExpressionAttributeValues={":e": {"N": str(int(time.time() * 1000) + 86400 * 1000)}},
    )
    store = local_stack.names.secrets["gmail_tokens"] + user_id
    sm = boto_client("secretsmanager", local_stack.aws_endpoint)
    secret = json.loads(sm.get_secret_value(SecretId=store)["SecretString"])
    secret["expires_at"] = "2000-01-01T00:00:00"
    sm.put_secret_value(SecretId=store, SecretString=json.dumps(secret))
    local_stack.google.accounts.revoke_all("r@gmail.com")
    first = local_stack.events.fire_schedule("gmail-watch-renewal")
    assert first is not None and first.ok and first.result["enqueued"] == 1
    local_stack.events.drain()
    assert local_stack.events.queue_dead_letters("sync") == []  # permanent: recorded, not retried
    assert (
        ddb.get_item(TableName=table, Key={"UserID": {"S": user_id}, "Entry": {"S": "watch"}}).get(
            "Item"
        )
        is None
    )
    again = local_stack.events.fire_schedule("gmail-watch-renewal")
    assert again is not None and again.ok and again.result["enqueued"] == 0


def test_weekday_sweep_watches_a_user_connected_before_push_once(local_stack, connect):
    _, user_id = connect("early@example.com", "early@gmail.com")
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    table = local_stack.names.tables["gmail_watches"]
    key = {"UserID": {"S": user_id}, "Entry": {"S": "watch"}}
    # connected while push was off: no watch at Google, no row
    ddb.delete_item(TableName=table, Key=key)
    del local_stack.gmail_api.watches["early@gmail.com"]
    for _ in range(2):  # the second sweep finds the row and watches nothing more
        delivery = local_stack.events.fire_schedule("rental-weekdays")
        assert delivery is not None and delivery.ok, delivery
        local_stack.events.drain()
    assert local_stack.events.queue_dead_letters("sync") == []
    watch = local_stack.gmail_api.watches["early@gmail.com"]
    assert watch.topic == LOCAL_PUSH["topic"]
    assert local_stack.gmail_api.usage("early@gmail.com")["units"]["watch"] == 200  # connect + 1
    row = ddb.get_item(TableName=table, Key=key)["Item"]
    assert row["GmailAddress"]["S"] == "early@gmail.com"
    assert int(row["ExpiresAt"]["N"]) == watch.expiration_ms


def test_account_deletion_stops_the_watch_and_leaves_no_row(api, local_stack, connected_user):
    token, _ = connected_user
    assert GMAIL_ACCOUNT in local_stack.gmail_api.watches
    assert api("DELETE", "/v1/user/me", token=token).status == 200
    assert GMAIL_ACCOUNT not in local_stack.gmail_api.watches
    assert local_stack.gmail_api.usage(GMAIL_ACCOUNT)["units"]["stop"] == 50
    assert _watch_rows(local_stack) == []


def test_a_burst_of_pushes_queues_one_sync_and_a_push_during_the_sync_queues_the_next(
    api, local_stack, gmail_push, connected_user, monkeypatch
):
    """Pushes while a gmail_push job waits in the queue add nothing to it; the worker clears the
    mark before it reads the history, so mail arriving once it runs gets a job of its own and
    every notice is stored."""
    from paypulse_invoices import ingest_jobs

    token, _ = connected_user
    notices = demo_hyresavi_series(6, seed=5)
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)

    def deliver(n: int) -> None:
        invoice = notices[n]
        local_stack.mailbox.deliver(
            rent_notice(
                GMAIL_ACCOUNT,
                sent=sent + timedelta(minutes=n),
                filename=invoice.filename,
                pdf=invoice.pdf,
            )
        )
        assert gmail_push.drain(30)

    for n in range(5):  # five changes, five pushes (distinct ids, growing historyIds)
        deliver(n)
    assert [d.statuses for d in gmail_push.deliveries] == [[204]] * 5
    assert len({d.message_id for d in gmail_push.deliveries}) == 5
    assert _queued(local_stack) == 1

    started = ingest_jobs.start_rental
    during: list[int] = []

    async def start_rental(user_id: str) -> None:
        await started(user_id)
        if not during:  # the sync has read the history: a sixth notice arrives now
            before = _queued(local_stack)
            deliver(5)
            during.append(_queued(local_stack) - before)

    monkeypatch.setattr(ingest_jobs, "start_rental", start_rental)
    local_stack.events.tick()  # the queued job runs (the pump takes one batch)
    assert during == [1]  # a new job, though this one is still running
    monkeypatch.setattr(ingest_jobs, "start_rental", started)
    local_stack.events.drain()
    assert _queued(local_stack) == 0
    listed = api("GET", "/v1/invoices/rental", token=token)
    assert listed.status == 200 and listed.json["data"]["invoiceCount"] == 6


def test_a_pending_mark_older_than_the_queue_can_hold_a_job_does_not_stop_a_push(
    api, local_stack, connected_user
):
    _, user_id = connected_user
    assert _push(api, local_stack, body=_body(message_id="19001")).status == 204
    assert _queued(local_stack) == 1
    assert (
        _push(api, local_stack, body=_body(message_id="19002", history_id=10**9 + 1)).status == 204
    )
    assert _queued(local_stack) == 1  # coalesced
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    table = local_stack.names.tables["gmail_watches"]
    key = {"UserID": {"S": user_id}, "Entry": {"S": "pending"}}
    lost = int(time.time()) - PENDING_LOST_AFTER_S - 1  # its message dead-lettered by now
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET since = :t",
                    ExpressionAttributeValues={":t": {"N": str(lost)}})  # fmt: skip
    assert (
        _push(api, local_stack, body=_body(message_id="19003", history_id=10**9 + 2)).status == 204
    )
    assert _queued(local_stack) == 2


def test_the_lost_pending_age_is_what_the_sync_queue_can_hold_a_message():
    from infra.workspace import workspace

    ws = workspace()
    queue = ws.resources.queues["sync"]
    assert ws.visibility_timeout("sync") * queue.max_receive_count == PENDING_LOST_AFTER_S
