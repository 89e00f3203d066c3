"""GET /v1/invoices/rental/ingest/status and GET /v1/invoices/retail/ingest/status.

Output: 200 ``IngestStatus`` of the caller's last ingest job of that type: new messages found,
processed and stored by the worker, files parsed since the job started, failures with their
reasons (the worker's and the parsers'). Before any job: zeros. Errors: 401, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_invoices.ingest_status import ingest_status
from paypulse_invoices.models import IngestStatus

CONTRACTS = {
    f"GET /v1/invoices/{kind}/ingest/status": Contract(
        summary=f"Progress of the caller's last {kind} ingest",
        description="`complete` once every found message was processed; parsing follows "
        "each upload within seconds (`parsed`).",
        responses={200: IngestStatus},
    )
    for kind in ("rental", "retail")
}


async def handle(request: Request, principal: Principal) -> Response:
    kind = request.route_key.split("/")[3]  # GET /v1/invoices/<kind>/ingest/status
    return ok(await ingest_status(principal.user_id, kind), "Ingest status")


handler = http_handler(handle, CONTRACTS)
