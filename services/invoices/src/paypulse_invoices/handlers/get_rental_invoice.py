"""GET /v1/invoices/rental/{invoice_id}.

Output: 200 ``RentalInvoice``. Errors: 404 when the invoice does not exist or is not the
caller's (same answer), 401, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import NotFoundError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices import listing
from paypulse_invoices.models import RENTAL_ID_PARAMS, RentalInvoice

CONTRACT = Contract(
    summary="One of the caller's rent notices",
    params=RENTAL_ID_PARAMS,
    responses={200: RentalInvoice},
    errors=(NotFoundError,),
)


async def handle(request: Request, principal: Principal) -> Response:
    row = await listing.rental_invoice(principal.user_id, request.params["invoice_id"])
    return ok(row, "Invoice details retrieved successfully!")


handler = http_handler(handle, CONTRACT)
