"""POST /v1/user/devices.

Input: JSON or form ``{"device_token": "<APNs token, hex>"}``. Output: 201 ``{device_token}``.
Errors: 400 MISSING_FIELDS / INVALID_REQUEST, 401, 500 when pushes are not configured, 502.
"""

from paypulse_common.auth import Principal
from paypulse_common.http import Contract, Request, Response, created
from paypulse_common.runtime import http_handler
from paypulse_notifications import devices
from paypulse_notifications.models import Device, DeviceRequest

CONTRACT = Contract(
    summary="Register the caller's device for push notifications",
    body=DeviceRequest,
    form=True,
    responses={201: Device},
)


async def handle(request: Request, principal: Principal) -> Response:
    token = devices.validate_token(request.data["device_token"])
    await devices.register(principal.user_id, token)
    return created({"device_token": token}, "Device registered for notifications")


handler = http_handler(handle, CONTRACT)
