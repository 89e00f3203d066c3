"""POST /v1/user/devices.

Input: JSON or form ``{"device_token": "<APNs token, hex>"}``. Output: 201 ``{device_token}``.
Errors: 400 MISSING_FIELDS / INVALID_REQUEST, 401, 500 when pushes are not configured, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.http import Request, Response, created, require_strings
from paypulse_common.runtime import http_handler
from paypulse_notifications import devices


async def handle(request: Request, principal: Principal) -> Response:
    (raw,) = require_strings(request.payload(), "device_token")
    token = devices.validate_token(raw)
    await devices.register(principal.user_id, token)
    return created({"device_token": token}, "Device registered for notifications")


handler = http_handler(handle)
