"""POST /v1/invoices/rental/ingest.

Takes every rent-notice PDF from the caller's Gmail that was not taken before and uploads it
(parsing follows through the S3 trigger). Output: 200 ``InvoiceCountModel`` (new uploads).
Errors: 401, 404 USER_NOT_FOUND, 502 GMAIL_TOKEN_EXPIRED (re-connect Gmail), 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import GmailTokenExpiredError, InvalidCredentialsError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.models import InvoiceCount
from paypulse_invoices.rental_ingest import ingest_all

CONTRACT = Contract(
    summary="Take every new rent notice from the caller's Gmail",
    responses={200: InvoiceCount},
    errors=(GmailTokenExpiredError, InvalidCredentialsError),
)


async def handle(request: Request, principal: Principal) -> Response:
    result = await ingest_all(principal.user_id)
    count = len(result.uploaded)
    message = "Rental invoices ingested successfully!" if count else "No new rental invoices found."
    return ok({"invoiceCount": count}, message)


handler = http_handler(handle, CONTRACT)
