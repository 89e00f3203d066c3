"""POST /v1/invoices/retail/ingest, and the weekly schedule for every user.

Input (optional JSON): ``start_date`` + ``end_date`` (YYYY-MM-DD, both or neither, end
inclusive), ``vendor_category`` (a sub-type). Output: 200 ``{totalEmailsFound, byVendor,
dateRange, errors}``: every match, and per vendor the new e-mails handed to the sync worker
(stored and parsed in the background; progress: ``GET /v1/invoices/retail/ingest/status``). The schedule enqueues one ``retail_weekly`` message per connected user;
the worker uses each user's incremental window and moves it only after a complete run. Errors: 400 MISSING_FIELDS / INVALID_REQUEST / INVALID_JSON, 401, 404, 502.
"""

from collections.abc import Mapping
from typing import Any

from paypulse_common.auth import Principal
from paypulse_common.errors import (
    GmailTokenExpiredError,
    InvalidCredentialsError,
    MissingFieldsError,
    UserNotFoundError,
)
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.ingest_jobs import start_retail
from paypulse_invoices.models import RETAIL_INGEST_BODY, RetailIngestResult
from paypulse_invoices.retail_window import requested
from paypulse_invoices.scheduled import enqueue_every_user

CONTRACT = Contract(
    summary="Fetch retail order e-mails of the active vendors",
    body=RETAIL_INGEST_BODY,
    responses={200: RetailIngestResult},
    errors=(MissingFieldsError, UserNotFoundError, GmailTokenExpiredError, InvalidCredentialsError),
)


async def handle(request: Request, principal: Principal) -> Response:
    window, category = requested(request.data)
    result = await start_retail(principal.user_id, window, category)
    return ok(result.to_json(), "Retail invoices fetched successfully")


async def on_schedule(event: Mapping[str, Any]) -> dict[str, Any]:
    return await enqueue_every_user("retail_weekly")


handler = http_handler(handle, CONTRACT, on_schedule=on_schedule)
