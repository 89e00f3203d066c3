"""Login throttling per e-mail: after MAX_FAILURES failed logins within WINDOW, further
attempts are refused with 429 until the window ends. State lives in DynamoDB with a TTL."""

from __future__ import annotations

import hashlib
import time

from paypulse_common import aws
from paypulse_common.errors import DependencyError, TooManyAttemptsError
from paypulse_common.runtime import settings

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _key(email: str) -> dict:
    # Hash the e-mail: the table need not hold addresses of people who have no account.
    digest = hashlib.sha256(email.encode("utf-8")).hexdigest()
    return {"Key": {"S": f"login#{digest}"}}


async def ensure_not_throttled(email: str, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    db = await aws.client("dynamodb")
    try:
        item = (
            await db.get_item(
                TableName=settings().table("login_attempts"), Key=_key(email), ConsistentRead=True
            )
        ).get("Item")
    except Exception as exc:
        raise DependencyError("Database error during login") from exc
    if not item:
        return
    window_end = int(item["window_start"]["N"]) + WINDOW_SECONDS
    if int(item["failures"]["N"]) >= MAX_FAILURES and window_end > now:
        minutes = max(1, round((window_end - now) / 60))
        raise TooManyAttemptsError(
            f"Too many failed login attempts. Try again in {minutes} minute(s)."
        )


async def record_failure(email: str, *, now: float | None = None) -> None:
    """Count a failure in the current window, or open a new window (atomic per request)."""
    now = int(time.time() if now is None else now)
    db = await aws.client("dynamodb")
    table = settings().table("login_attempts")
    try:
        await db.update_item(
            TableName=table,
            Key=_key(email),
            UpdateExpression="ADD failures :one",
            ConditionExpression="attribute_exists(window_start) AND window_start > :cutoff",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":cutoff": {"N": str(now - WINDOW_SECONDS)},
            },
        )
        return
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise DependencyError("Database error during login") from exc
    try:
        await db.put_item(
            TableName=table,
            Item={
                **_key(email),
                "failures": {"N": "1"},
                "window_start": {"N": str(now)},
                "expires_at": {"N": str(now + WINDOW_SECONDS)},
            },
        )
    except Exception as exc:
        raise DependencyError("Database error during login") from exc


async def clear_failures(email: str) -> None:
    db = await aws.client("dynamodb")
    try:
        await db.delete_item(TableName=settings().table("login_attempts"), Key=_key(email))
    except Exception as exc:
        raise DependencyError("Database error during login") from exc
