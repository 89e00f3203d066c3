"""GET /v1/user/me.

Output: 200 ``UserModel`` ``{name, email, created_on, gmail_account_connected}``.
Errors: 401 (token), 404 USER_NOT_FOUND, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import UserNotFoundError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_users.accounts import profile
from paypulse_users.models import UserProfile

CONTRACT = Contract(
    summary="The caller's profile",
    responses={200: UserProfile},
    errors=(UserNotFoundError,),
)


async def handle(request: Request, principal: Principal) -> Response:
    return ok(await profile(principal.user_id), "User profile retrieved successfully")


handler = http_handler(handle, CONTRACT)
