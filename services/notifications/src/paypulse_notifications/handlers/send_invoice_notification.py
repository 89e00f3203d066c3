"""DynamoDB stream of RentalInvoices (INSERT) → a push to the invoice's owner only.

Input: a stream batch. Output: how many pushes were sent. Records other than INSERT are
ignored; a push already sent for an invoice is not sent again (retried batches). Errors are
raised: the event source mapping retries (bisecting the batch), then dead-letters.
"""

from collections.abc import Mapping
from typing import Any

from paypulse_common.runtime import event_handler
from paypulse_notifications.push import notify


async def handle(event: Mapping[str, Any]) -> dict[str, int]:
    sent = 0
    for record in event.get("Records", []):
        sent += await notify(record)
    return {"sent": sent}


handler = event_handler(handle)
