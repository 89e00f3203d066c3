"""DELETE /v1/user/devices/{token}.

Removes one of the caller's devices and its SNS endpoint. Output: 200. Errors: 400 (bad
token), 401, 404 (not one of the caller's devices), 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.errors import NotFoundError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_notifications import devices
from paypulse_notifications.models import DeviceParams

CONTRACT = Contract(
    summary="Forget one of the caller's devices",
    params=DeviceParams,
    responses={200: None},
    errors=(NotFoundError,),
)


async def handle(request: Request, principal: Principal) -> Response:
    token = devices.validate_token(request.params["token"])
    await devices.remove(principal.user_id, token)
    return ok(None, "Device removed")


handler = http_handler(handle, CONTRACT)
