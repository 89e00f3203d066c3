"""Gmail quota units per rental sync on a mailbox with five years of monthly rent notices (60)
plus unrelated mail and retail orders, read from the local Google's usage counter
(``GET /_local/google/usage?email=``, which charges Gmail's documented units per method:
messages.list/get/attachments.get 5, history.list 2, getProfile 1).

(a) today's full search sync with nothing new: the search, every match fetched and every PDF
    downloaded to hash it, only then recognised by the ledger (the messages are not known by
    Gmail id: the message and sync entries are removed first, the attachment entries kept);
(b) an incremental sync with nothing new (users.history.list only);
(c) an incremental sync with one new rent notice;
plus (b') incremental with only unrelated new mail and (d) a full search whose messages are
known by id (what a 404 "history too old" falls back to). Goal: (a) / (b) and (a) / (c) ≥ 20.
The retail incremental run (every active vendor over the incremental window) is measured the
same way: today's search with nothing new vs incremental with nothing new."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT = "tenant@gmail.com"
MONTHS = 60


def _usage(google_url: str) -> dict[str, int]:
    with urllib.request.urlopen(
        f"{google_url}/_local/google/usage?email={ACCOUNT}", timeout=10
    ) as response:
        return dict(json.loads(response.read())["units"])


def _forget_message_ids(stack: Any, user_id: str, kind: str) -> int:
    """Remove the user's message and sync entries (``mail#<kind>#…``, ``sync#<kind>``): the
    ledger then knows only attachment/body hashes, as it did before messages were known by
    id."""
    from paypulse_devkit.aws_local import boto_client

    db = boto_client("dynamodb", stack.aws_endpoint)
    table = stack.names.tables["ingestion_ledger"]
    removed = 0
    for prefix in (f"mail#{kind}#", f"sync#{kind}"):
        pages = db.get_paginator("query").paginate(
            TableName=table,
            KeyConditionExpression="UserID = :u AND begins_with(LedgerKey, :p)",
            ExpressionAttributeValues={":u": {"S": user_id}, ":p": {"S": prefix}},
        )
        for page in pages:
            for item in page["Items"]:
                db.delete_item(
                    TableName=table, Key={"UserID": item["UserID"], "LedgerKey": item["LedgerKey"]}
                )
                removed += 1
    return removed


def run() -> dict[str, Any]:
    import jwt

    from paypulse_devkit.aws_local import boto_client
    from paypulse_devkit.local_stack import LocalStack
    from paypulse_devkit.mailbox import Mailbox, compose_message, rent_notice, simple_pdf

    stack = LocalStack(mailbox=None, push=False)  # only the syncs this drives spend units
    try:
        stack.start()
        boto_client("s3", stack.aws_endpoint).put_bucket_notification_configuration(
            Bucket=stack.names.buckets["invoices"], NotificationConfiguration={}
        )  # parsing is not what this measures
        mailbox = Mailbox.demo(ACCOUNT, months=MONTHS)
        stack.mailbox = stack.gmail_api.mailbox = mailbox
        google_url = stack.google.url

        def call(method: str, path: str, token: str | None = None, body: bytes = b"") -> Any:
            headers = {"content-type": "application/json"}
            if token:
                headers["authorization"] = f"Bearer {token}"
            status, _, answer = stack.handle_http(method, path, headers, body, "127.0.0.1")
            return status, json.loads(answer) if answer else None

        _, signup = call(
            "POST",
            "/v1/auth/signup",
            body=b'{"name":"B","email":"bench@example.com","password":"secret-pass-1"}',
        )
        token = signup["data"]["access_token"]
        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        grant = stack.google.accounts.authorize(ACCOUNT)
        status, _, _ = stack.handle_http(
            "POST",
            "/v1/auth/gmail/store-tokens",
            {
                "content-type": "application/x-www-form-urlencoded",
                "authorization": f"Bearer {token}",
            },
            f"access_token={grant['access_token']}&refresh_token={grant['refresh_token']}".encode(),
            "127.0.0.1",
        )
        assert status == 201, status

        def sync(path: str = "/v1/invoices/rental/ingest") -> dict[str, Any]:
            before = _usage(google_url)
            status, body = call("POST", path, token)
            assert status == 200, body
            after = _usage(google_url)
            units = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
            data = body["data"]
            new = data["invoiceCount"] if "invoiceCount" in data else sum(data["byVendor"].values())
            return {"invoiceCount": new, "units": sum(units.values()), "per_method": units}

        retail = "/v1/invoices/retail/ingest"
        retail_first = sync(retail)  # takes the demo orders
        _forget_message_ids(stack, user_id, "retail")
        retail_full = sync(retail)
        retail_nothing = sync(retail)
        mailbox.add_raw(
            compose_message(
                sender="Kalle <kalle@example.com>",
                to=ACCOUNT,
                subject="Middag?",
                sent=datetime.now(UTC),
                text="Ses kl 18",
            ),
            owner=ACCOUNT,
        )
        retail_unrelated = sync(retail)

        first = sync()  # takes the 60 notices
        _forget_message_ids(stack, user_id, "rental")
        full = sync()  # (a)
        nothing = sync()  # (b)
        mailbox.add_raw(
            compose_message(
                sender="SJ <nyhetsbrev@sj.se>",
                to=ACCOUNT,
                subject="Res billigt i höst",
                sent=datetime.now(UTC),
                text="Biljetter från 195 kr.",
            ),
            owner=ACCOUNT,
        )
        unrelated = sync()  # (b')
        sent = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        mailbox.add_raw(
            rent_notice(
                ACCOUNT,
                sent=sent,
                filename="Hyresavi_new.pdf",
                pdf=simple_pdf(["Hyresavi", f"{sent:%Y-%m-%d}"]),
            ),
            owner=ACCOUNT,
        )
        one_new = sync()  # (c)
        mailbox.add_raw(
            compose_message(
                sender="Kalle <kalle@example.com>",
                to=ACCOUNT,
                subject="Fika?",
                sent=datetime.now(UTC),
                text="Ses kl 15",
            ),
            owner=ACCOUNT,
        )
        mailbox.history_retention_s = 0  # the stored history id is now too old: 404
        expired = sync()  # (d)
    finally:
        stack.stop()
    a = full["units"]
    return {
        "mailbox": {"rent_notices": MONTHS, "messages": len(mailbox)},
        "first_sync": first,
        "a_full_search_nothing_new": full,
        "b_incremental_nothing_new": nothing,
        "b2_incremental_unrelated_mail_only": unrelated,
        "c_incremental_one_new_notice": one_new,
        "d_history_expired_full_search_ids_known": expired,
        "ratio_a_b": round(a / max(1, nothing["units"]), 1),
        "ratio_a_c": round(a / max(1, one_new["units"]), 1),
        "target_ratio": 20,
        "retail": {
            "first_run": retail_first,
            "full_search_nothing_new": retail_full,
            "incremental_nothing_new": retail_nothing,
            "incremental_unrelated_mail_only": retail_unrelated,
            "ratio": round(retail_full["units"] / max(1, retail_nothing["units"]), 1),
        },
    }


def table(r: dict[str, Any]) -> str:
    rows = [
        ("first sync (takes the notices)", r["first_sync"]),
        ("(a) full search, nothing new", r["a_full_search_nothing_new"]),
        ("(b) incremental, nothing new", r["b_incremental_nothing_new"]),
        ("(b') incremental, unrelated mail", r["b2_incremental_unrelated_mail_only"]),
        ("(c) incremental, one new notice", r["c_incremental_one_new_notice"]),
        ("(d) history 404 -> full search", r["d_history_expired_full_search_ids_known"]),
    ]
    lines = [
        f"Gmail quota units per rental sync, {r['mailbox']['rent_notices']} rent notices in "
        f"{r['mailbox']['messages']} messages"
    ]
    for name, row in rows:
        lines.append(
            f"  {name:34} {row['units']:5d} units  new={row['invoiceCount']}  {row['per_method']}"
        )
    lines.append(
        f"  (a)/(b) = {r['ratio_a_b']}x   (a)/(c) = {r['ratio_a_c']}x   "
        f"(target >= {r['target_ratio']}x)"
    )
    retail = r["retail"]
    lines.append("Retail incremental run (every active vendor, incremental window)")
    for name, key in (
        ("first run (takes the orders)", "first_run"),
        ("full search, nothing new", "full_search_nothing_new"),
        ("incremental, nothing new", "incremental_nothing_new"),
        ("incremental, unrelated mail", "incremental_unrelated_mail_only"),
    ):
        row = retail[key]
        lines.append(
            f"  {name:34} {row['units']:5d} units  new={row['invoiceCount']}  {row['per_method']}"
        )
    lines.append(f"  full / incremental nothing new = {retail['ratio']}x")
    return "\n".join(lines)
