"""DELETE /v1/user/devices/{token}.

Removes one of the caller's devices and its SNS endpoint. Output: 200. Errors: 400 (bad
token), 401, 404 (not one of the caller's devices), 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.http import Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_notifications import devices


async def handle(request: Request, principal: Principal) -> Response:
    token = devices.validate_token(request.path_params.get("token", ""))
    await devices.remove(principal.user_id, token)
    return ok(None, "Device removed")


handler = http_handler(handle)
