"""POST /v1/invoices/rental/ingest/latest: this month's rent notice of the caller.

200 this month's invoice was already processed, 201 found (uploaded now; parsed and pushed
asynchronously), 204 not found (no body): not sent yet, or not among the messages examined
within the time budget, the rest then being examined by the sync worker (rental_latest).
Errors: 401, 502 GMAIL_TOKEN_EXPIRED, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import GmailTokenExpiredError, InvalidCredentialsError
from paypulse_common.http import Contract, Request, Response, created, no_content, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.rental_latest import ingest_latest

CONTRACT = Contract(
    summary="Ingest this month's rent notice if it has arrived",
    description=(
        "200: already processed; 201: found and being processed; 204: not found yet (when the "
        "time budget ran out, the remaining messages are examined in the background and a "
        "push follows if this month's notice is among them)."
    ),
    responses={200: None, 201: None, 204: None},
    errors=(GmailTokenExpiredError, InvalidCredentialsError),
)


async def handle(request: Request, principal: Principal) -> Response:
    outcome = await ingest_latest(principal.user_id)
    if outcome.status == 201:
        return created(None, f"Invoice for {outcome.month} found and ingested successfully!")
    if outcome.status == 200:
        return ok(None, f"Invoice for {outcome.month} has already been processed.")
    return no_content()


handler = http_handler(handle, CONTRACT)
