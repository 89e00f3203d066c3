"""DELETE /v1/user/me.

Marks the account deleted first (the tombstone: from then on its tokens are refused and every
worker's write for it is refused), then deletes every piece of data the caller owns (S3
versions, every user-data table, the Gmail secret, registered devices, the login-throttle row,
the user row and e-mail claim last). A second DELETE after a partial failure finishes the job
(the tombstoned row lets its token through this route only).
Output: 200 with ``data: null``. Errors: 401, 404 USER_NOT_FOUND, 502 DEPENDENCY_FAILURE.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import UserNotFoundError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_common.tombstone import mark_deleted
from paypulse_common.users import get_user
from paypulse_users.purge import purge_user

CONTRACT = Contract(
    summary="Delete the account and everything it owns",
    responses={200: None},
    errors=(UserNotFoundError,),
)


async def handle(request: Request, principal: Principal) -> Response:
    user = await get_user(principal.user_id)
    if user is None:
        raise UserNotFoundError()
    await mark_deleted(user.user_id)
    await purge_user(user)
    return ok(None, "All data for your account was deleted")


handler = http_handler(handle, CONTRACT, allow_deleted=True)
