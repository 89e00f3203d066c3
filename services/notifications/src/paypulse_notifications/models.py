"""The device routes' request and response models (validated by the runtime; the OpenAPI
document's schemas)."""

from __future__ import annotations

from paypulse_common.schema import Obj, Str
from paypulse_notifications.devices import TOKEN_PATTERN

DEVICE_TOKEN = Str(
    min_length=64, max_length=256, pattern=TOKEN_PATTERN, description="APNs device token, hex"
)
DeviceRequest = Obj({"device_token": DEVICE_TOKEN}, required=("device_token",), name="Device")
DeviceParams = Obj({"token": DEVICE_TOKEN}, required=("token",), extra=False)
Device = Obj({"device_token": Str()}, required=("device_token",), name="RegisteredDevice")
