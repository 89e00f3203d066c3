"""Rental ingest of N demo messages through the local Gmail server with a fixed latency per
HTTP request (default 20 ms): wall time of the real ``fetch_invoices`` handler (paged list,
batched gets, concurrent attachment downloads and uploads) vs a baseline that makes one
request at a time (list, then get each message, each attachment, each upload), as the
original did. Both upload the same PDFs under the same key layout of the same (moto) bucket.
The bucket's event notifications are switched off for both: moto builds each S3 event inside
the PutObject call (+1.7 ms per boto3 put, +8.7 ms per aiobotocore put, measured), a cost real
S3 does not put on the caller, and parsing is not what this measures. moto runs in its own
process here (AWS is never inside the Lambda's process); the Gmail stand-in stays in this one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any


def _mailbox(n: int) -> Any:
    from paypulse_devkit.demo_invoices import demo_hyresavi_series
    from paypulse_devkit.mailbox import DEMO_SENDER, Mailbox, compose_message

    mailbox = Mailbox()
    for invoice in demo_hyresavi_series(n, seed=5):
        sent = datetime.combine(invoice.due - timedelta(days=16), datetime.min.time(), tzinfo=UTC)
        mailbox.add_raw(
            compose_message(
                sender=DEMO_SENDER,
                to="bench@gmail.com",
                subject="Hyresavi",
                sent=sent,
                text="Hyresavi bifogad.",
                attachments=[(invoice.filename, "application/pdf", invoice.pdf)],
            )
        )
    return mailbox


def _baseline(stack: Any, grant: dict[str, Any], user_id: str) -> int:
    """One request at a time with the same Google client library."""
    import base64

    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    from paypulse_devkit.aws_local import boto_client

    creds = Credentials(token=grant["access_token"])
    service = build(
        "gmail",
        "v1",
        credentials=creds,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": stack.google.url},
    )
    s3 = boto_client("s3", stack.aws_endpoint)
    ids, token = [], None
    while True:
        page = (
            service.users()
            .messages()
            .list(
                userId="me",
                q='from:kundservice@wallenstam.se subject:"Hyresavi" has:attachment',
                pageToken=token,
            )
            .execute()
        )
        ids += [m["id"] for m in page.get("messages", [])]
        token = page.get("nextPageToken")
        if not token:
            break
    uploaded = 0
    for message_id in ids:
        message = (
            service.users().messages().get(userId="me", id=message_id, format="full").execute()
        )
        for part in message["payload"].get("parts", []):
            if part.get("filename", "").endswith(".pdf"):
                att = (
                    service.users()
                    .messages()
                    .attachments()
                    .get(userId="me", messageId=message_id, id=part["body"]["attachmentId"])
                    .execute()
                )
                data = base64.urlsafe_b64decode(att["data"] + "==")
                s3.put_object(
                    Bucket=stack.names.buckets["invoices"],
                    Key=f"baseline/{user_id}/{part['filename']}",
                    Body=data,
                )
                uploaded += 1
    return uploaded


def run(n: int = 200, latency: float = 0.02) -> dict[str, Any]:
    from paypulse_devkit.local_stack import LocalStack

    stack = LocalStack(mailbox=None, gmail_latency=latency, separate_aws=True)
    stack.start()
    try:
        stack.mailbox = stack.gmail_api.mailbox = _mailbox(n)
        from paypulse_devkit.aws_local import boto_client

        boto_client("s3", stack.aws_endpoint).put_bucket_notification_configuration(
            Bucket=stack.names.buckets["invoices"], NotificationConfiguration={}
        )
        signup = stack.handle_http(
            "POST",
            "/v1/auth/signup",
            {"content-type": "application/json"},
            b'{"name":"B","email":"bench@example.com","password":"secret-pass-1"}',
            "127.0.0.1",
        )
        import json

        token = json.loads(signup[2])["data"]["access_token"]
        grant = stack.google.accounts.authorize("bench@gmail.com")
        form = (
            f"access_token={grant['access_token']}&refresh_token={grant['refresh_token']}".encode()
        )
        stack.handle_http(
            "POST",
            "/v1/auth/gmail/store-tokens",
            {
                "content-type": "application/x-www-form-urlencoded",
                "authorization": f"Bearer {token}",
            },
            form,
            "127.0.0.1",
        )
        import jwt

        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        t0 = time.perf_counter()
        baseline_count = _baseline(stack, grant, user_id)
        baseline = time.perf_counter() - t0
        t0 = time.perf_counter()
        status, _, body = stack.handle_http(
            "POST",
            "/v1/invoices/rental/ingest",
            {"authorization": f"Bearer {token}"},
            b"",
            "127.0.0.1",
        )
        ours = time.perf_counter() - t0
        count = json.loads(body)["data"]["invoiceCount"]
        requests = dict(stack.gmail_api.stats)
    finally:
        stack.stop()
    return {
        "messages": n,
        "latency_ms": latency * 1000,
        "baseline_s": round(baseline, 2),
        "ours_s": round(ours, 2),
        "ratio": round(baseline / ours, 1),
        "uploaded": {"baseline": baseline_count, "ours": count},
        "status": status,
        "gmail_requests": requests,
        "target_ratio": 10,
    }


def table(r: dict[str, Any]) -> str:
    return (
        f"ingest of {r['messages']} messages, {r['latency_ms']:.0f} ms per Gmail request\n"
        f"  one request at a time: {r['baseline_s']:.2f} s   fetch_invoices: {r['ours_s']:.2f} s"
        f"   ratio {r['ratio']}x (target >= {r['target_ratio']}x)\n"
        f"  uploaded: {r['uploaded']}"
    )
