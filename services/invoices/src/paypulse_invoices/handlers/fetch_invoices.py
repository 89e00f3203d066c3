"""POST /v1/invoices/{type}/ingest (type rental; retail has its own, more specific route).

Takes every rent-notice PDF from the caller's Gmail that was not taken before and uploads it
(parsing follows through the S3 trigger). Output: 200 ``InvoiceCountModel`` (new uploads).
Errors: 400 INVALID_REQUEST, 401, 502 GMAIL_TOKEN_EXPIRED (re-connect Gmail), 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import InvalidRequestError
from paypulse_common.http import Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.rental_ingest import ingest_all


async def handle(request: Request, principal: Principal) -> Response:
    if request.path_params.get("type") != "rental":
        raise InvalidRequestError("Invoice type must be 'rental' here (retail: /retail/ingest)")
    result = await ingest_all(principal.user_id)
    count = len(result.uploaded)
    message = "Rental invoices ingested successfully!" if count else "No new rental invoices found."
    return ok({"invoiceCount": count}, message)


handler = http_handler(handle)
