"""DELETE /v1/user/me for a user with many objects and rows, against API Gateway's 30 s limit.

A generated user holds N S3 object versions (N/2 keys with two versions each, rental and
retail) and N rows spread over the user-data tables (ledger, retail invoices, rental
invoices), plus the Gmail secret. The wall time of the real ``delete_user`` route is measured
through the local stack's API Gateway (moto in its own process, as AWS is never inside a
Lambda's process); it must stay well inside the 30 s integration timeout."""

from __future__ import annotations

import time
from typing import Any

N = 2000


def _seed(stack: Any, user_id: str, n: int) -> None:
    from paypulse_devkit.aws_local import boto_client

    s3 = boto_client("s3", stack.aws_endpoint)
    bucket = stack.names.buckets["invoices"]
    # Seeding is not measured: moto builds an event per PutObject when notifications are on.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    for i in range(n // 2):
        kind = "rental" if i % 2 else "retail/food-delivery"
        for v in range(2):
            s3.put_object(Bucket=bucket, Key=f"invoices/{user_id}/{kind}/doc{i}", Body=b"v%d" % v)
    ddb = boto_client("dynamodb", stack.aws_endpoint)
    tables = [
        ("ingestion_ledger", "LedgerKey"),
        ("retail_invoices", "InvoiceID"),
        ("rental_invoices", "InvoiceID"),
    ]
    items: list[tuple[str, dict[str, Any]]] = []
    for i in range(n):
        logical, range_key = tables[i % len(tables)]
        items.append(
            (
                stack.names.tables[logical],
                {"UserID": {"S": user_id}, range_key: {"S": f"k{i}"}},
            )
        )
    for start in range(0, len(items), 25):
        requests: dict[str, list[dict[str, Any]]] = {}
        for table, item in items[start : start + 25]:
            requests.setdefault(table, []).append({"PutRequest": {"Item": item}})
        ddb.batch_write_item(RequestItems=requests)


def run(n: int = N) -> dict[str, Any]:
    import jwt

    from paypulse_devkit.local_stack import LocalStack

    stack = LocalStack(mailbox=None, separate_aws=True)
    stack.start()
    try:
        status, _, body = stack.handle_http(
            "POST",
            "/v1/auth/signup",
            {"content-type": "application/json"},
            b'{"name":"Big","email":"big@example.com","password":"secret-pass-1"}',
            "127.0.0.1",
        )
        assert status == 201, body
        import json

        token = json.loads(body)["data"]["access_token"]
        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        _seed(stack, user_id, n)
        started = time.perf_counter()
        status, _, body = stack.handle_http(
            "DELETE", "/v1/user/me", {"authorization": f"Bearer {token}"}, b"", "127.0.0.1"
        )
        seconds = time.perf_counter() - started
        assert status == 200, body
    finally:
        stack.stop()
    return {"object_versions": n, "rows": n, "seconds": round(seconds, 2), "limit_s": 30}


def table(result: dict[str, Any]) -> str:
    return (
        "delete_user (DELETE /v1/user/me)\n"
        f"  {result['object_versions']} S3 versions + {result['rows']} rows: "
        f"{result['seconds']:.2f} s (API Gateway limit {result['limit_s']} s)"
    )


if __name__ == "__main__":
    print(table(run()))
