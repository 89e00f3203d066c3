"""GET /v1/invoices/{type}/{invoice_id} (type must be rental).

Output: 200 ``RentalInvoice``. Errors: 404 when the invoice does not exist or is not the
caller's (same answer), 400 for another type, 401, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import InvalidRequestError, NotFoundError
from paypulse_common.http import Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices import rental_store


async def handle(request: Request, principal: Principal) -> Response:
    if request.path_params.get("type") != "rental":
        raise InvalidRequestError("Only rental invoices can be read by id on this route")
    row = await rental_store.get(principal.user_id, request.path_params["invoice_id"][:200])
    if row is None:
        raise NotFoundError("Invoice not found")
    row.pop("UserID", None)
    row.pop("s3_key", None)
    return ok(row, "Invoice details retrieved successfully!")


handler = http_handler(handle)
