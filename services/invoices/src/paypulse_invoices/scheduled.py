"""Scheduled sweeps only enqueue: the users are paged through (Scan of the sparse Email-index,
``users.iter_user_ids``) and one message per connected user is sent to the ``sync`` queue in
batches of 10; the ``sync_invoices`` worker then syncs one user per message (see
``paypulse_invoices.sync_jobs``). A timeout, a user's transient error or a bad e-mail therefore
never replays or blocks the other users, and a sweep of any number of users returns in
seconds. Users whose Gmail grant was revoked are not enqueued (they must re-connect)."""

from __future__ import annotations

from typing import Any

from paypulse_common import queue, users
from paypulse_common.logs import get_logger

log = get_logger("paypulse.scheduled")
SYNC_QUEUE = "sync"
# Users per Scan page (one page's messages are sent, 10 SendMessageBatch calls at a time, before
# the next page is read): 1,000 keeps a 10,000-user sweep at 10 Scan calls (a Scan page stops at
# 1 MB read, about 3,000 user rows, so the Limit is what ends each page).
PAGE = 1000


async def enqueue_every_user(kind: str, **fields: Any) -> dict[str, Any]:
    """One ``{"kind": kind, "user_id": ...}`` message per connected user; a page of users is
    enqueued as soon as it is read, so memory stays bounded whatever the number of users."""
    report: dict[str, Any] = {"kind": kind, "enqueued": 0, "send_calls": 0}
    page: list[dict[str, Any]] = []

    async def flush() -> None:
        report["send_calls"] += await queue.send_all(SYNC_QUEUE, page)
        report["enqueued"] += len(page)
        page.clear()

    async for user_id in users.iter_user_ids(PAGE, connected=True):
        page.append({"kind": kind, "user_id": user_id, **fields})
        if len(page) >= PAGE:
            await flush()
    if page:
        await flush()
    log.info("scheduled sweep enqueued", extra=report)
    return report
