"""DELETE /v1/invoices/retail/{invoice_id}.

Removes the caller's invoice: base and detail rows and ledger entries (one transaction), and
every S3 version of its e-mail. Output: 200 ``{deleted_invoice: {...}}``. Errors: 404 (missing
or not the caller's, same answer), 401, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import NotFoundError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.models import RETAIL_ID_PARAMS, DeletedRetailInvoice
from paypulse_invoices.retail_delete import delete_retail

CONTRACT = Contract(
    summary="Delete one of the caller's retail invoices",
    params=RETAIL_ID_PARAMS,
    responses={200: DeletedRetailInvoice},
    errors=(NotFoundError,),
)


async def handle(request: Request, principal: Principal) -> Response:
    deleted = await delete_retail(principal.user_id, request.params["invoice_id"])
    return ok({"deleted_invoice": deleted}, "Invoice deleted successfully")


handler = http_handler(handle, CONTRACT)
