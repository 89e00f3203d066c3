"""S3 ObjectCreated (suffix .pdf under invoices/) → RentalInvoices.

Input: an S3 event; every record is handled (keys URL-decoded; objects outside
``invoices/{user}/rental/`` are ignored). Output: the invoice ids. A PDF that cannot be parsed
is recorded as failed (visible in GET /v1/invoices/rental) and the event is done; only
transient errors (S3, DynamoDB) are raised: the trigger retries, then dead-letters.
"""

from collections.abc import Mapping
from typing import Any

from paypulse_common.runtime import event_handler
from paypulse_invoices.rental_parse import parse_object, rental_object


async def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    objects = [o for o in (rental_object(r) for r in event.get("Records", [])) if o]
    ids = [await parse_object(o) for o in objects]
    return {"invoice_ids": [i for i in ids if i], "failed": sum(1 for i in ids if not i)}


handler = event_handler(handle)
