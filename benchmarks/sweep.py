"""The weekday rental sweep over N simulated connected users (default 10,000) through the local
stack: the real scheduled handler (``sweep_rental_invoices`` on its ``rental-weekdays`` schedule)
pages through the users and enqueues one message each; the real ``sync_invoices`` worker,
driven by the local event source mapping (batches of its declared size, at most its
``maximum_concurrency`` at once), syncs each user against the local Gmail.

Users are seeded directly (bcrypt signups would take an hour): a users-table row, a Gmail grant
at the local Google, the tokens through the real token store (their access token expired a day
ago, so every worker refreshes it as in production), the watch row connecting records (push is
on locally; a missing one would be started by the sweep), and a mailbox holding 0-3 monthly
rent notices (user i: i % 4 notices, the newest due this month). moto runs in its own process.
The bucket's event notifications are switched off: parsing is measured by parse_pdf and
extraction_speed, and the worker itself still reads each notice's due date.

Measured: wall time from the schedule to an empty queue; every user handled exactly once (the
message bodies of the worker's successful batches; nothing failed, nothing dead-lettered); the
notices stored (one per user with this month's notice); the longest invocation of the scheduler
and of the worker (limit: 60 s); the most worker invocations running at once (measured around
the handler) against the mapping's bound; the largest queue backlog; Gmail quota units.

Usage: python -m benchmarks sweep   (SWEEP_USERS=500 python -m benchmarks sweep for a quick run)
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

MAX_INVOCATION_S = 60.0
SCHEDULE = "rental-weekdays"
MAX_NOTICES = 3
SEED_CONCURRENCY = 32
MISSING_SHOWN = 20  # users whose ledger rows are reported when notices are missing
# The token store for 10,000 users: DynamoDB + KMS (README "Gmail token stores"; per-user
# Secrets Manager secrets cost $4,000 a month at this size, and moto looks each secret up by
# scanning all of them, which makes a local 10,000-secret sweep quadratic).
TOKEN_STORE = "dynamodb-kms"
ACCESS_TOKEN_AGE_S = 86_400  # the stored access token expired a day ago (the last sweep)


def _notices(months: int) -> list[tuple[datetime, str, bytes]]:
    """The last ``months`` monthly notices (sent, filename, PDF), the newest due this month;
    one set shared by every user (the ledger is per user)."""
    from paypulse_devkit.demo_invoices import demo_hyresavi_series

    out = []
    for invoice in demo_hyresavi_series(months, seed=11):
        sent = datetime.combine(invoice.due - timedelta(days=16), clock_time(6, 30), tzinfo=UTC)
        out.append(
            (min(sent, datetime.now(UTC) - timedelta(hours=1)), invoice.filename, invoice.pdf)
        )
    return out


def seed(stack: Any, users: int) -> dict[str, Any]:
    """``users`` connected users with i % 4 rent notices each; returns what was seeded."""
    import asyncio

    from paypulse_common.gmail_watches import watch_item
    from paypulse_common.runtime import activated
    from paypulse_common.users import User
    from paypulse_devkit.aws_local import boto_client
    from paypulse_devkit.mailbox import rent_notice
    from paypulse_gmail.token_store import StoredTokens, expiry_in, token_store

    # each notice is composed once and addressed to every user by replacing the placeholder
    # (composing 15,000 MIME messages would take minutes)
    placeholder = "sweep-placeholder@gmail.com"
    notices = [
        rent_notice(placeholder, sent=sent, filename=filename, pdf=pdf)
        for sent, filename, pdf in _notices(MAX_NOTICES)
    ]
    ddb = boto_client("dynamodb", stack.aws_endpoint)
    table, watches = stack.names.tables["users"], stack.names.tables["gmail_watches"]
    seeded: list[dict[str, Any]] = []
    rows = []
    for i in range(users):
        email = f"sweep{i:05d}@example.com"
        gmail = f"sweep{i:05d}@gmail.com"
        user = User.new(email, f"Sweep {i}", "$2b$12$not-a-real-hash-seeded-by-the-sweep")
        grant = stack.google.accounts.authorize(gmail)
        count = i % (MAX_NOTICES + 1)
        for raw in notices[MAX_NOTICES - count :]:
            stack.mailbox.add_raw(raw.replace(placeholder.encode(), gmail.encode()), owner=gmail)
        rows.append((table, {"PutRequest": {"Item": user.to_item()}}))
        if stack.push is not None:  # connected with push on: the watch row connecting records
            # (renewed days ahead: the sweep measures the steady state, not the first sweep
            # that starts missing watches)
            row = watch_item(user.user_id, gmail, int((time.time() + 6 * 86400) * 1000))
            rows.append((watches, {"PutRequest": {"Item": row}}))
        seeded.append({"user_id": user.user_id, "gmail": gmail, "grant": grant, "notices": count})
    for start in range(0, len(rows), 25):
        batch: dict[str, list[dict[str, Any]]] = {}
        for name, request in rows[start : start + 25]:
            batch.setdefault(name, []).append(request)
        while batch:  # BatchWriteItem may leave items unprocessed: they are sent again
            batch = ddb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}

    async def save_all() -> None:
        store = token_store()
        bound = asyncio.Semaphore(SEED_CONCURRENCY)

        async def one(row: dict[str, Any]) -> None:
            async with bound:
                await store.save(
                    row["user_id"],
                    StoredTokens(
                        access_token=row["grant"]["access_token"],
                        refresh_token=row["grant"]["refresh_token"],
                        # as a day after the last sweep: the access token expired long ago,
                        # so every worker refreshes it at Google (what production does daily)
                        expires_at=expiry_in(-ACCESS_TOKEN_AGE_S),
                        scope=row["grant"]["scope"],
                        google_email=row["gmail"],
                    ),
                    previous=None,
                )

        await asyncio.gather(*(one(r) for r in seeded))

    # in the token-storing function's environment (its grants), without its 15 s timeout
    rt = stack.runtime("gmail_store_tokens")
    try:
        with activated(rt):
            rt.run(save_all())
    finally:
        rt.close()
    return {
        "users": users,
        "with_this_months_notice": sum(1 for r in seeded if r["notices"]),
        "messages": sum(r["notices"] for r in seeded),
        "ids": [r["user_id"] for r in seeded],
        "notices": [r["notices"] for r in seeded],
    }


def _handled(deliveries: list[Any]) -> tuple[Counter[str], int]:
    """User ids of the worker's records that succeeded, and the records that failed."""
    handled: Counter[str] = Counter()
    failed = 0
    for d in deliveries:
        if d.function != "sync_invoices":
            continue
        bad = {f["itemIdentifier"] for f in (d.result or {}).get("batchItemFailures", [])}
        for record in d.event["Records"]:
            if d.ok and record["messageId"] not in bad:
                handled[json.loads(record["body"])["user_id"]] += 1
            else:
                failed += 1
    return handled, failed


def _progress(stack: Any, t0: float, done: threading.Event, every: float = 60.0) -> None:
    """A line on stderr every ``every`` seconds: messages taken by the worker so far."""
    while not done.wait(every):
        queue = stack.events.queue_stats().get("sync", {})
        print(
            f"[sweep] {time.perf_counter() - t0:.0f} s: {queue.get('messages', 0)} messages "
            f"received in {queue.get('batches', 0)} batches, backlog peak {queue.get('max_depth')}",
            file=sys.stderr,
            flush=True,
        )


def _why_missing(stack: Any, users: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Why a notice expected to be stored was not, per user of ``users``: their ingestion-ledger
    rows (claims, message records, the sync status with its failures), the attribute names of
    their users row (a tombstone) and their S3 versions and delete markers."""
    from paypulse_devkit.aws_local import boto_client

    ddb = boto_client("dynamodb", stack.aws_endpoint)
    s3 = boto_client("s3", stack.aws_endpoint)
    rows: dict[str, list[dict[str, Any]]] = {}
    for user in users:
        pages = ddb.get_paginator("query").paginate(
            TableName=stack.names.tables["ingestion_ledger"],
            KeyConditionExpression="UserID = :u",
            ExpressionAttributeValues={":u": {"S": user}},
        )
        rows[user] = [
            {k: next(iter(v.values())) for k, v in item.items() if k != "UserID"}
            for page in pages
            for item in page.get("Items", [])
        ]
        row = ddb.get_item(TableName=stack.names.tables["users"], Key={"UserID": {"S": user}})
        rows[user].append({"users_row": sorted(row.get("Item", {}))})
        versions = s3.list_object_versions(
            Bucket=stack.names.buckets["invoices"], Prefix=f"invoices/{user}/"
        )
        rows[user].append(
            {
                "s3_versions": len(versions.get("Versions", [])),
                "s3_delete_markers": len(versions.get("DeleteMarkers", [])),
            }
        )
    return rows


class _Records(logging.Handler):
    """Counts the functions' log records by level, logger and message."""

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(logging.INFO)
        self.counts = counts

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[f"{record.levelname} {record.name}: {record.getMessage()[:120]}"] += 1


def run(users: int | None = None, token_store: str = TOKEN_STORE) -> dict[str, Any]:
    from infra.workspace import workspace
    from paypulse_devkit.aws_local import boto_client
    from paypulse_devkit.local_stack import LocalStack

    users = users or int(os.environ.get("SWEEP_USERS", "10000"))
    scheduler_fn = getattr(workspace(token_store).scheduled(SCHEDULE), "name", "")
    stack = LocalStack(workspace(token_store), mailbox=None, separate_aws=True)
    records: Counter[str] = Counter()
    counting = _Records(records)
    try:
        stack.start()
        stack.events.on_line = lambda line: None  # thousands of lines: not this benchmark's
        s3 = boto_client("s3", stack.aws_endpoint)
        bucket = stack.names.buckets["invoices"]
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
        t0 = time.perf_counter()
        seeded = seed(stack, users)
        seed_s = time.perf_counter() - t0
        stack.invocation_stats.clear()
        stack.gmail_api.quota.reset()
        logging.getLogger("paypulse").addHandler(counting)

        t0 = time.perf_counter()
        done = threading.Event()
        progress = threading.Thread(target=_progress, args=(stack, t0, done), daemon=True)
        progress.start()
        schedule = stack.events.fire_schedule(SCHEDULE)
        deliveries = stack.events.drain(timeout=3 * 3600)
        wall = time.perf_counter() - t0
        done.set()

        handled, failed = _handled(deliveries)
        keys = [
            obj["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix="invoices/"
            )
            for obj in page.get("Contents", [])
        ]
        stored = len(keys)
        with_notice = {u for u, n in zip(seeded["ids"], seeded["notices"], strict=True) if n}
        missing = sorted(with_notice - {k.split("/")[1] for k in keys})
        missing_ledger = _why_missing(stack, missing[:MISSING_SHOWN])
        stats = stack.invocation_stats.snapshot()
        queue = stack.events.queue_stats()["sync"]
        dead = stack.events.queue_dead_letters("sync")
        units = sum(
            int(stack.gmail_api.quota.usage(f"sweep{i:05d}@gmail.com")["total"])  # type: ignore[call-overload]
            for i in range(users)
        )
    finally:
        logging.getLogger("paypulse").removeHandler(counting)
        stack.stop()
    ids = seeded.pop("ids")
    seeded.pop("notices")
    worker, scheduler = stats.get("sync_invoices", {}), stats.get(scheduler_fn, {})
    return {
        "token_store": token_store,
        "seeded": seeded,
        "seed_s": round(seed_s, 1),
        "enqueued": (schedule.result or {}).get("enqueued") if schedule else None,
        "wall_s": round(wall, 1),
        "users_per_s": round(users / wall, 1),
        "handled_once": sum(1 for u in ids if handled[u] == 1),
        "handled_twice_or_more": sum(1 for u in ids if handled[u] > 1),
        "not_handled": sum(1 for u in ids if handled[u] == 0),
        "failed_records": failed,
        "dead_lettered": len(dead),
        "stored": stored,
        "missing": len(missing),
        "missing_users": missing_ledger,
        "log_records": dict(records.most_common(30)),
        "scheduler_max_s": round(float(scheduler.get("max_s", 0.0)), 2),
        "worker_max_s": round(float(worker.get("max_s", 0.0)), 2),
        "limit_s": MAX_INVOCATION_S,
        "worker_invocations": int(worker.get("invocations", 0)),
        "worker_peak_concurrency": int(worker.get("peak_running", 0)),
        "maximum_concurrency": queue["maximum_concurrency"],
        "pump_peak_in_flight": queue["peak_in_flight"],
        "max_queue_depth": queue["max_depth"],
        "gmail_units": units,
        "gmail_units_per_user": round(units / users, 1),
        "day": str(date.today()),
    }


def table(r: dict[str, Any]) -> str:
    ok = (
        r["handled_once"] == r["seeded"]["users"]
        and not r["failed_records"]
        and r["stored"] == r["seeded"]["with_this_months_notice"]
    )
    return (
        f"rental sweep of {r['seeded']['users']} connected users "
        f"({r['seeded']['messages']} rent notices; seeded in {r['seed_s']} s)\n"
        f"  wall time {r['wall_s']} s ({r['users_per_s']} users/s), "
        f"{r['enqueued']} enqueued, largest backlog {r['max_queue_depth']} messages\n"
        f"  handled once: {r['handled_once']}  twice+: {r['handled_twice_or_more']}  "
        f"never: {r['not_handled']}  failed records: {r['failed_records']}  "
        f"dead-lettered: {r['dead_lettered']}  notices stored: {r['stored']} "
        f"({'OK' if ok else 'MISMATCH'})\n"
        f"  longest invocation: scheduler {r['scheduler_max_s']} s, worker {r['worker_max_s']} s "
        f"(limit {r['limit_s']:.0f} s)\n"
        f"  worker concurrency: peak {r['worker_peak_concurrency']} of maximum "
        f"{r['maximum_concurrency']} ({r['worker_invocations']} invocations)\n"
        f"  Gmail quota: {r['gmail_units']} units ({r['gmail_units_per_user']} per user)"
        + "".join(f"\n  log: {n} x {m}" for m, n in r["log_records"].items())
        + "".join(
            f"\n  missing notice, user {u}: {json.dumps(rows, default=str)[:1500]}"
            for u, rows in r["missing_users"].items()
        )
    )
