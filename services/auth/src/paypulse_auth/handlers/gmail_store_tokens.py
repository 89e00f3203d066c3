"""POST /v1/auth/gmail/store-tokens.

Input: the app's ``GmailAuthRequest`` form-urlencoded (``scope[]=..``, ``client_info[k]=..``)
or JSON: ``access_token`` (required), ``refresh_token``, ``expires_in``, ``scope``.
Output: 201 ``GmailResponseModel`` ``{google_email, scope, account_switch, message}``.
Errors: 400 MISSING_FIELDS / INVALID_JSON / INVALID_REQUEST, 400 INVALID_CREDENTIALS (Google
rejected the token), 502 DEPENDENCY_FAILURE (Google or Secrets Manager unreachable), 401.
"""

from paypulse_auth.gmail_connect import (
    GmailAuthRequest,
    GmailConnection,
    TokenPayload,
    connect_gmail,
)
from paypulse_common.auth import Principal
from paypulse_common.errors import OAuthTokenRejectedError, UserNotFoundError
from paypulse_common.http import Contract, Request, Response, created
from paypulse_common.runtime import http_handler

CONTRACT = Contract(
    summary="Store the Google OAuth tokens of the caller's Gmail account",
    body=GmailAuthRequest,
    form=True,
    responses={201: GmailConnection},
    errors=(OAuthTokenRejectedError, UserNotFoundError),
)


async def handle(request: Request, principal: Principal) -> Response:
    data = await connect_gmail(principal.user_id, TokenPayload.of(request.data))
    return created(data, "Gmail OAuth tokens stored successfully!")


handler = http_handler(handle, CONTRACT)
