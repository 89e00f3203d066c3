"""GET /v1/invoices/rental and GET /v1/invoices/retail.

rental: ``{invoiceCount, invoices: {"YYYY": [RentalInvoice]}, failed: [...]}``, newest first;
optional ``limit`` (1-100) + ``cursor`` paging (``next_cursor`` in the data), pages in the same
order. retail: ``?counts=true`` all eight categories; ``?subtype=X`` grouped by year;
``?invoice-id=ID[&subtype=X]`` ``{invoiceDetails}`` (404 when missing or not the caller's);
``?subtype=X&counts=true``; no parameters: grouped by category.
Errors: 400 INVALID_REQUEST (parameters), 401, 404, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import NotFoundError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices import listing
from paypulse_invoices.models import (
    RENTAL_LIST_PARAMS,
    RETAIL_LIST_PARAMS,
    RentalInvoiceList,
    RetailListing,
)

CONTRACTS = {
    "GET /v1/invoices/rental": Contract(
        summary="The caller's rent notices by year, newest first",
        params=RENTAL_LIST_PARAMS,
        responses={200: RentalInvoiceList},
    ),
    "GET /v1/invoices/retail": Contract(
        summary="Retail invoice counts, lists or one invoice's details",
        params=RETAIL_LIST_PARAMS,
        responses={200: RetailListing},
        errors=(NotFoundError,),
    ),
}


async def handle(request: Request, principal: Principal) -> Response:
    if request.route_key == "GET /v1/invoices/rental":
        message, data = await listing.rental(principal.user_id, request.params)
    else:
        message, data = await listing.retail(principal.user_id, request.params)
    return ok(data, message)


handler = http_handler(handle, CONTRACTS)
