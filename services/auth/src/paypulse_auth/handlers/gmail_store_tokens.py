"""POST /v1/auth/gmail/store-tokens.

Input: the app's ``GmailAuthRequest`` form-urlencoded (``scope[]=..``, ``client_info[k]=..``)
or JSON: ``access_token`` (required), ``refresh_token``, ``expires_in``, ``scope``.
Output: 201 ``GmailResponseModel`` ``{google_email, scope, account_switch, message}``.
Errors: 400 MISSING_FIELDS / INVALID_JSON / INVALID_REQUEST, 400 INVALID_CREDENTIALS (Google
rejected the token), 502 DEPENDENCY_FAILURE (Google or Secrets Manager unreachable), 401.
"""

from paypulse_auth.gmail_connect import connect_gmail
from paypulse_common.auth import Principal
from paypulse_common.http import Request, Response, created
from paypulse_common.runtime import http_handler


async def handle(request: Request, principal: Principal) -> Response:
    data = await connect_gmail(principal.user_id, request.payload())
    return created(data, "Gmail OAuth tokens stored successfully!")


handler = http_handler(handle)
