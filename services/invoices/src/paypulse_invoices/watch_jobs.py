"""Gmail watches kept alive: Gmail stops pushing 7 days after a ``users.watch`` ("You must
re-call watch at least every 7 days", https://developers.google.com/workspace/gmail/api/guides/push,
which recommends calling it once a day). The daily schedule enqueues one ``gmail_watch`` job
per watch expiring within RENEW_WITHIN_DAYS; the sync worker renews it with the user's tokens
(refreshed and written back as for any sync) and records the new expiry, bounded per page.
A connected user without a watch (connected before push was turned on) gets one from the
weekday sweep, which reaches every connected user (``ensure``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from paypulse_common import gmail_watches, queue
from paypulse_common.errors import PayPulseError, UserDeletedError
from paypulse_common.logs import get_logger
from paypulse_common.runtime import settings
from paypulse_invoices.scheduled import SYNC_QUEUE

log = get_logger("paypulse.watch_jobs")
RENEW_WITHIN_DAYS = 2  # a day's schedule missed (or failed) still renews in time
PAGE = 100


async def enqueue_renewals(*, now_ms: int | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {"enqueued": 0, "send_calls": 0}
    if not settings().gmail_push_topic:
        return report
    before = (now_ms or int(time.time() * 1000)) + RENEW_WITHIN_DAYS * 86400 * 1000
    page: list[dict[str, Any]] = []

    async def flush() -> None:
        report["send_calls"] += await queue.send_all(SYNC_QUEUE, page)
        report["enqueued"] += len(page)
        page.clear()

    async for user_id in gmail_watches.expiring(before):
        page.append({"kind": "gmail_watch", "user_id": user_id})
        if len(page) >= PAGE:
            await flush()
    if page:
        await flush()
    log.info("gmail watch renewals enqueued", extra=report)
    return report


async def renew(user_id: str, body: Mapping[str, Any]) -> None:
    """Worker: ``users.watch`` again with the user's tokens; record the new expiry. A grant
    that is gone for good (revoked, not connected) drops the watch row: the failure is recorded
    once (``sync_jobs``) and the daily renewal stops picking it until the user connects again."""
    from paypulse_gmail.watch import watch
    from paypulse_invoices.gmail_session import gmail_for

    topic = settings().gmail_push_topic
    if not topic:
        return
    try:
        gmail = await gmail_for(user_id)
        watched = await watch(gmail, topic)
    except PayPulseError as err:
        if not err.retryable:  # revoked or missing grant: renewing daily would fail for ever
            await gmail_watches.drop_watch(user_id)
        raise
    address = await gmail.account_email() or str((await gmail.get_profile())["emailAddress"])
    await gmail_watches.save_watch(user_id, address, watched.expiration_ms)


async def ensure(user_id: str) -> None:
    """Worker, after the weekday sweep's job: a connected user with no watch row (connected
    before push was turned on, or a watch dropped) is watched now, so every connected user is
    pushed within a weekday of push being turned on (one GetItem per user and sweep). Best
    effort: the job itself is done, so a watch Gmail refuses now is tried on the next sweep."""
    if not settings().gmail_push_topic or await gmail_watches.get_watch(user_id) is not None:
        return
    try:
        await renew(user_id, {})
    except UserDeletedError:
        raise
    except PayPulseError as err:
        log.warning("gmail watch of a connected user failed; the next sweep retries",
                    extra={"code": err.code})  # fmt: skip
        return
    log.info("gmail watch started for a user connected before push")
