"""Scheduled runs over every user: users listed page by page, a bounded number processed at a
time, one user's failure isolated and reported. Users without a Gmail connection are skipped.
If any user failed with a retryable error the run raises after finishing the others, so
EventBridge retries it (safe: ingestion is idempotent through the ledger) and then
dead-letters it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from paypulse_common import users
from paypulse_common.errors import (
    DependencyError,
    GmailTokenExpiredError,
    PayPulseError,
    UserDeletedError,
)
from paypulse_common.logs import get_logger

log = get_logger("paypulse.scheduled")


class ScheduledRunError(DependencyError):
    """Some users failed with a retryable error."""


async def for_every_user(
    work: Callable[[str], Awaitable[Any]], *, concurrency: int = 4
) -> dict[str, Any]:
    bound = asyncio.Semaphore(concurrency)
    report: dict[str, Any] = {
        "total_users": 0,
        "successful": 0,
        "skipped": 0,
        "dropped": 0,
        "failed": 0,
        "errors": [],
    }
    retryable = False

    async def one(user_id: str) -> None:
        nonlocal retryable
        async with bound:
            try:
                await work(user_id)
                report["successful"] += 1
            except GmailTokenExpiredError:
                report["skipped"] += 1  # not connected, or Google revoked: user must re-connect
            except UserDeletedError:
                report["dropped"] += 1  # deleted while the run was under way
            except PayPulseError as exc:
                report["failed"] += 1
                retryable = retryable or exc.retryable
                report["errors"].append({"user_id": user_id, "code": exc.code})
            except Exception:
                log.exception("scheduled run failed for a user", extra={"user_id": user_id})
                report["failed"] += 1
                retryable = True
                report["errors"].append({"user_id": user_id, "code": "INTERNAL_SERVER_ERROR"})

    # ``one`` never raises, so a failure of the listing itself propagates unwrapped after the
    # group cancelled and awaited the users already started (none is left running).
    async with asyncio.TaskGroup() as group:
        async for user_id in users.iter_user_ids():
            report["total_users"] += 1
            group.create_task(one(user_id))
    log.info("scheduled run finished", extra={k: v for k, v in report.items() if k != "errors"})
    if retryable:
        raise ScheduledRunError(f"{report['failed']} user(s) failed; the run will be retried")
    return report
