"""Daily schedule: renew the Gmail watches that expire within RENEW_WITHIN_DAYS.

Input: the EventBridge event. Output: ``{"enqueued", "send_calls"}``. Pages through the
``ExpiresAt-index`` (expired watches included: a renewal that failed is tried again) and sends
one ``gmail_watch`` job per user to the ``sync`` queue, where the worker calls ``users.watch``
(``paypulse_invoices.watch_jobs``). Nothing while Gmail push is off (no topic configured).
"""

from collections.abc import Mapping
from typing import Any

from paypulse_common.runtime import event_handler
from paypulse_invoices.watch_jobs import enqueue_renewals


async def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    return await enqueue_renewals()


handler = event_handler(handle)
