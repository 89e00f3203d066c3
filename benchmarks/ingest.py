"""Rental ingest of N demo messages through the local Gmail server with a fixed latency per
HTTP request (default 20 ms): wall time of the real ``fetch_invoices`` handler (paged list,
batched gets, concurrent attachment downloads and uploads) vs a baseline that makes one
request at a time (list, then get each message, each attachment, each upload), as the
original did. Both upload the same PDFs under the same key layout of the same (moto) bucket.
The bucket's event notifications are switched off for both: moto builds each S3 event inside
the PutObject call (+1.7 ms per boto3 put, +8.7 ms per aiobotocore put, measured), a cost real
S3 does not put on the caller, and parsing is not what this measures. moto and the Google
stand-in each run in their own process, as AWS and Gmail are never inside a Lambda's process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from typing import Any


def _baseline(stack: Any, google_url: str, grant: dict[str, Any], user_id: str) -> int:
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
        client_options={"api_endpoint": google_url},
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


def _google_process(n: int, latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paypulse_devkit.google_process",
            "--rental-messages",
            str(n),
            "--latency",
            str(latency),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("ready "):
        proc.kill()
        raise RuntimeError("the Google stand-in did not start")
    return proc, line.split()[1]


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def run(n: int = 200, latency: float = 0.02, *, baseline_too: bool = True) -> dict[str, Any]:
    import jwt

    from paypulse_devkit.aws_local import boto_client
    from paypulse_devkit.local_stack import LocalStack

    google, google_url = _google_process(n, latency)
    stack = LocalStack(mailbox=None, separate_aws=True)
    try:
        stack.start()
        stack.use_google(google_url)
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
        token = json.loads(signup[2])["data"]["access_token"]
        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        grant = _post(f"{google_url}/_local/authorize", {"email": "tenant@gmail.com"})
        form = f"access_token={grant['access_token']}&refresh_token={grant['refresh_token']}"
        stack.handle_http(
            "POST",
            "/v1/auth/gmail/store-tokens",
            {
                "content-type": "application/x-www-form-urlencoded",
                "authorization": f"Bearer {token}",
            },
            form.encode(),
            "127.0.0.1",
        )
        baseline, baseline_count = float("nan"), 0
        if baseline_too:
            t0 = time.perf_counter()
            baseline_count = _baseline(stack, google_url, grant, user_id)
            baseline = time.perf_counter() - t0
        t0 = time.perf_counter()
        status, _, body = stack.handle_http(
            "POST",
            "/v1/invoices/rental/ingest",
            {"authorization": f"Bearer {token}"},
            b"",
            "127.0.0.1",
        )
        route = time.perf_counter() - t0
        count = json.loads(body)["data"]["invoiceCount"]
        # The route answers once the message ids are queued; the sync worker does the
        # downloads and uploads (drained here, one batch at a time).
        stack.events.drain(timeout=600)
        ours = time.perf_counter() - t0
        keys = boto_client("s3", stack.aws_endpoint).list_objects_v2(
            Bucket=stack.names.buckets["invoices"], Prefix=f"invoices/{user_id}/rental/"
        )
        uploaded = keys.get("KeyCount", 0)
    finally:
        stack.stop()
        google.terminate()
        google.wait(timeout=10)
    return {
        "messages": n,
        "latency_ms": latency * 1000,
        "baseline_s": round(baseline, 2),
        "route_answer_s": round(route, 3),
        "ours_s": round(ours, 2),
        "ratio": round(baseline / ours, 1),
        "found": count,
        "uploaded": {"baseline": baseline_count, "ours": uploaded},
        "status": status,
        "target_ratio": 10,
    }


def table(r: dict[str, Any]) -> str:
    return (
        f"ingest of {r['messages']} messages, {r['latency_ms']:.0f} ms per Gmail request\n"
        f"  route answer: {r['route_answer_s']:.3f} s ({r['found']} new e-mails queued)\n"
        f"  one request at a time: {r['baseline_s']:.2f} s   route + sync worker: {r['ours_s']:.2f} s"
        f"   ratio {r['ratio']}x (target >= {r['target_ratio']}x)\n"
        f"  uploaded: {r['uploaded']}"
    )
