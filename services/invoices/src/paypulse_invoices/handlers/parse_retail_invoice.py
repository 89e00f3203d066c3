"""S3 ObjectCreated (suffix .html under invoices/) → RetailInvoices + detail table.

Input: an S3 event; every record is handled (keys URL-decoded; vendor ids may contain "_").
Output: the outcome per object (inserted / duplicate / skipped / failed / gone). Unparseable
e-mails are recorded as failed and the event is done; only transient errors (S3, DynamoDB,
Gemini throttling or 5xx) are raised: the trigger retries, then dead-letters.
"""

from collections.abc import Mapping
from typing import Any

from paypulse_common.runtime import event_handler
from paypulse_invoices.retail_parse import parse_object, retail_object


async def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    objects = [o for o in (retail_object(r) for r in event.get("Records", [])) if o]
    return {"results": [await parse_object(o) for o in objects]}


handler = event_handler(handle)
