"""GET /v1/invoices/{type}.

rental: ``{invoiceCount, invoices: {"YYYY": [RentalInvoice]}, failed: [...]}``, newest first;
optional ``limit`` (1-100) + ``cursor`` paging (``next_cursor`` in the data).
retail: ``?counts=true`` all eight categories; ``?subtype=X`` grouped by year; ``?subtype=X&
invoice-id=ID`` ``{invoiceDetails}`` (404 when missing or not the caller's); ``?subtype=X&
counts=true``; no parameters: grouped by category.
Errors: 400 INVALID_REQUEST (unknown type, sub-type or parameter mix), 401, 404, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import InvalidRequestError
from paypulse_common.http import Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices import listing


async def handle(request: Request, principal: Principal) -> Response:
    kind = request.path_params.get("type", "")
    if kind == "rental":
        message, data = await listing.rental(principal.user_id, request.query)
    elif kind == "retail":
        message, data = await listing.retail(principal.user_id, request.query)
    else:
        raise InvalidRequestError("Invoice type must be 'rental' or 'retail'")
    return ok(data, message)


handler = http_handler(handle)
