"""The weekday 08:30 UTC schedule (EventBridge): one ``rental_latest`` message per connected
user on the sync queue; the ``sync_invoices`` worker does the work.

Input: the scheduled event. Output: a report of what was enqueued. Errors propagate (the
schedule's retries, then its dead-letter queue). Kept apart from the latest route so that the
route's function can keep API Gateway's 29 s timeout whatever the number of users.
"""

from collections.abc import Mapping
from typing import Any

from paypulse_common.runtime import event_handler
from paypulse_invoices.scheduled import enqueue_every_user


async def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    return await enqueue_every_user("rental_latest")


handler = event_handler(handle)
