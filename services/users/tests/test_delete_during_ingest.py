"""Deleting an account while its ingests, parsers and notifier run (threads against the local
stack) leaves nothing of it in any table, bucket (every version) or secret, sends no push after
the DELETE answered, and dead-letters none of its work. The delete is started at a different
moment in each round: with the ingest requests, and at the first upload, parse and push."""

from __future__ import annotations

import json
import os
import threading

from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.local_stack import published_notifications

# When the DELETE starts: at once, or at the first log line of that kind (the event pump's
# "ingested" = an upload reached its parser, "parsed", "pushed").
MOMENTS = tuple(os.environ.get("DELETE_MOMENTS", "start,ingested,parsed,pushed").split(","))


def leftovers(local_stack, user_id: str, email: str) -> dict[str, int]:
    """Everything of the user still stored: rows per table (the user row, its e-mail claim and
    the login-throttle row included), object versions and delete markers, secrets."""
    import hashlib

    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    registry = json.loads(local_stack.function_env("delete_user")["PAYPULSE_USER_DATA"])
    found: dict[str, int] = {}
    for logical, (hash_key, _) in registry["tables"].items():
        found[logical] = ddb.query(
            TableName=local_stack.names.tables[logical],
            KeyConditionExpression="#h = :u",
            ExpressionAttributeNames={"#h": hash_key},
            ExpressionAttributeValues={":u": {"S": user_id}},
            ConsistentRead=True,
        )["Count"]
    users = local_stack.names.tables["users"]
    for key in (user_id, f"email#{email}"):
        found[f"users:{key.split('_')[0]}"] = int(
            "Item" in ddb.get_item(TableName=users, Key={"UserID": {"S": key}}, ConsistentRead=True)
        )
    throttle_key = "login#" + hashlib.sha256(email.encode()).hexdigest()
    found["login_attempts"] = int(
        "Item"
        in ddb.get_item(
            TableName=local_stack.names.tables["login_attempts"],
            Key={"Key": {"S": throttle_key}},
            ConsistentRead=True,
        )
    )
    s3 = boto_client("s3", local_stack.aws_endpoint)
    versions = 0
    for page in s3.get_paginator("list_object_versions").paginate(
        Bucket=local_stack.names.buckets["invoices"], Prefix=f"invoices/{user_id}/"
    ):
        versions += len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))
    found["s3_versions"] = versions
    sm = boto_client("secretsmanager", local_stack.aws_endpoint)
    found["secrets"] = sum(
        1
        for page in sm.get_paginator("list_secrets").paginate()
        for s in page["SecretList"]
        if s["Name"].endswith(user_id)
    )
    return {k: v for k, v in found.items() if v}


def _topic_pushes(user_id: str) -> set[str]:
    return {n["id"] for n in published_notifications() if n["user_id"] == user_id}


def delete_during_ingest(
    api, local_stack, connect, round_no: int, moment: str
) -> dict[str, object]:
    email = f"gone{round_no}@example.com"
    token, user_id = connect(email, f"tenant{round_no}@gmail.com")
    r = api(
        "POST", "/v1/user/devices", token=token, json_body={"device_token": f"{round_no:02x}" * 32}
    )
    assert r.status == 201, r
    bad = {"email": email, "password": "wrong-password-1"}
    assert api("POST", "/v1/auth/login", json_body=bad).status == 401  # a login-throttle row

    pump = local_stack.events
    go = threading.Event()
    stop = threading.Event()
    previous_on_line = pump.on_line

    def on_line(line: str) -> None:
        previous_on_line(line)
        if moment != "start" and line.split()[1:2] == [moment]:
            go.set()

    def pump_events() -> None:
        while not stop.is_set():
            pump.tick()

    answers: dict[str, int] = {}

    def call(name: str, path: str) -> None:
        answers[name] = api("POST", path, token=token).status

    threads = [
        threading.Thread(target=call, args=("rental", "/v1/invoices/rental/ingest")),
        threading.Thread(target=call, args=("retail", "/v1/invoices/retail/ingest")),
        threading.Thread(target=pump_events),
    ]
    pump.on_line = on_line
    try:
        for t in threads:
            t.start()
        if moment == "start":
            go.set()
        reached = go.wait(60)  # under load the moment may pass unseen: delete then anyway
        r = api("DELETE", "/v1/user/me", token=token)
        pushes_at_answer = _topic_pushes(user_id)
        assert r.status == 200, r
        for t in threads[:2]:
            t.join(300)
        local_stack.wait_idle(120)
    finally:
        stop.set()
        threads[2].join(60)
        pump.on_line = previous_on_line
    pump.drain()  # whatever was still queued (uploads, stream records) is delivered now
    dead = [d for d in pump.deliveries if not d.ok and user_id in json.dumps(d.event, default=str)]
    return {
        "left": leftovers(local_stack, user_id, email),
        "late_pushes": len(_topic_pushes(user_id) - pushes_at_answer),
        "dead_lettered": len(dead),
        "ingest_answers": answers,
        "token_after": api("GET", "/v1/user/me", token=token).error_code,
        "moment_reached": reached,
    }


def test_delete_while_ingest_parse_and_push_run_leaves_nothing(api, local_stack, connect):
    from paypulse_devkit.mailbox import Mailbox

    local_stack.mailbox = local_stack.gmail_api.mailbox = Mailbox.demo_for(months=6)
    outcomes = [
        delete_during_ingest(api, local_stack, connect, i, moment)
        for i, moment in enumerate(MOMENTS)
    ]
    for moment, outcome in zip(MOMENTS, outcomes, strict=True):
        assert outcome["left"] == {}, (moment, outcome)
        assert outcome["late_pushes"] == 0, (moment, outcome)
        assert outcome["dead_lettered"] == 0, (moment, outcome)
        assert outcome["token_after"] == "TOKEN_EXPIRED", (moment, outcome)
        # an ingest request answers like any request of a deleted account, or finished first
        assert set(outcome["ingest_answers"].values()) <= {200, 401}, (moment, outcome)
