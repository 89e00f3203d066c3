"""POST /v1/invoices/rental/ingest.

Finds the rent-notice e-mails in the caller's Gmail that were not taken before and hands them
to the sync worker (download, upload, then parsing through the S3 trigger), so the answer
comes in seconds whatever the mailbox size. Output: 200 ``InvoiceCountModel`` (new e-mails
found); progress: ``GET /v1/invoices/rental/ingest/status``.
Errors: 401, 404 USER_NOT_FOUND, 502 GMAIL_TOKEN_EXPIRED (re-connect Gmail), 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import GmailTokenExpiredError, InvalidCredentialsError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.ingest_jobs import start_rental
from paypulse_invoices.models import InvoiceCount

CONTRACT = Contract(
    summary="Take every new rent notice from the caller's Gmail",
    description="`invoiceCount`: new e-mails found; they are downloaded, stored and parsed in "
    "the background (see the ingest status route).",
    responses={200: InvoiceCount},
    errors=(GmailTokenExpiredError, InvalidCredentialsError),
)


async def handle(request: Request, principal: Principal) -> Response:
    count = await start_rental(principal.user_id)
    message = (
        "Rental invoices found; they are being processed."
        if count
        else "No new rental invoices found."
    )
    return ok({"invoiceCount": count}, message)


handler = http_handler(handle, CONTRACT)
