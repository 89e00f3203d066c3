"""POST /v1/auth/login (public).

Input: JSON or form ``{"email", "password"}``. Output: 200 ``AuthResponse``. Errors: 401
INVALID_CREDENTIALS (unknown e-mail and wrong password alike), 429 TOO_MANY_ATTEMPTS after
repeated failures for one e-mail, 400 INVALID_JSON / MISSING_FIELDS, 502.
"""

from paypulse_common.errors import InvalidCredentialsError, JwtError, TooManyAttemptsError
from paypulse_common.http import Contract, Request, Response, ok
from paypulse_common.runtime import http_handler
from paypulse_users.accounts import log_in
from paypulse_users.models import AuthResponse, LoginRequest

CONTRACT = Contract(
    summary="Log in with e-mail and password",
    body=LoginRequest,
    form=True,
    responses={200: AuthResponse},
    errors=(InvalidCredentialsError, TooManyAttemptsError, JwtError),
)


async def handle(request: Request) -> Response:
    session = await log_in(request.data["email"], request.data["password"])
    return ok(session.to_json(), "Login successful!")


handler = http_handler(handle, CONTRACT, public=True)
