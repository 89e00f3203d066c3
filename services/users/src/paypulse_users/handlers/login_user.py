"""POST /v1/auth/login (public).

Input: JSON ``{"email", "password"}``. Output: 200 ``AuthResponse``. Errors: 401
INVALID_CREDENTIALS (unknown e-mail and wrong password alike), 429 TOO_MANY_ATTEMPTS after
repeated failures for one e-mail, 400 INVALID_JSON / MISSING_FIELDS, 502.
"""

from paypulse_common.http import Request, Response, ok, require_strings
from paypulse_common.runtime import http_handler
from paypulse_users.accounts import log_in


async def handle(request: Request) -> Response:
    email, password = require_strings(request.json(), "email", "password")
    session = await log_in(email, password)
    return ok(session.to_json(), "Login successful!")


handler = http_handler(handle, public=True)
