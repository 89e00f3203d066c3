"""POST /v1/invoices/rental/ingest/latest, and the weekday 08:30 schedule for every user.

API: 200 this month's invoice was already processed, 201 found and ingested now, 204 not yet
available (no body). Schedule: one ``rental_latest`` message per connected user on the sync
queue (the ``sync_invoices`` worker does the work) → a report of what was enqueued.
Errors: 401, 502 GMAIL_TOKEN_EXPIRED, 502.
"""

from collections.abc import Mapping
from typing import Any

from paypulse_common.auth import Principal
from paypulse_common.errors import GmailTokenExpiredError, InvalidCredentialsError
from paypulse_common.http import Contract, Request, Response, created, no_content, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.rental_latest import ingest_latest
from paypulse_invoices.scheduled import enqueue_every_user

CONTRACT = Contract(
    summary="Ingest this month's rent notice if it has arrived",
    description="200: already processed; 201: found and ingested now; 204: not sent yet.",
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


async def on_schedule(event: Mapping[str, Any]) -> dict[str, Any]:
    return await enqueue_every_user("rental_latest")


handler = http_handler(handle, CONTRACT, on_schedule=on_schedule)
