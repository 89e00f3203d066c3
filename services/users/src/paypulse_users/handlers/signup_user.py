"""POST /v1/auth/signup (public).

Input: JSON ``{"name", "email", "password"}``. Output: 201 ``AuthResponse``
``{username, access_token, token_type}``. Errors: 400 INVALID_JSON / MISSING_FIELDS /
INVALID_REQUEST (bad e-mail, short password), 403 USER_ALREADY_EXISTS, 413, 502.
"""

from paypulse_common.http import Request, Response, created, require_strings
from paypulse_common.runtime import http_handler
from paypulse_users.accounts import sign_up


async def handle(request: Request) -> Response:
    name, email, password = require_strings(request.json(), "name", "email", "password")
    session = await sign_up(name, email, password)
    return created(session.to_json(), "Signup successful!")


handler = http_handler(handle, public=True)
