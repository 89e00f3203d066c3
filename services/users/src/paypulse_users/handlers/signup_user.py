"""POST /v1/auth/signup (public).

Input: JSON or form ``{"name", "email", "password"}``. Output: 201 ``AuthResponse``
``{username, access_token, token_type}``. Errors: 400 INVALID_JSON / MISSING_FIELDS /
INVALID_REQUEST (bad e-mail, short password), 403 USER_ALREADY_EXISTS, 413, 502.
"""

from paypulse_common.errors import JwtError, UserAlreadyExistsError
from paypulse_common.http import Contract, Request, Response, created
from paypulse_common.runtime import http_handler
from paypulse_users.accounts import sign_up
from paypulse_users.models import AuthResponse, SignupRequest

CONTRACT = Contract(
    summary="Create an account and get a session token",
    body=SignupRequest,
    form=True,
    responses={201: AuthResponse},
    errors=(UserAlreadyExistsError, JwtError),
)


async def handle(request: Request) -> Response:
    body = request.data
    session = await sign_up(body["name"], body["email"], body["password"])
    return created(session.to_json(), "Signup successful!")


handler = http_handler(handle, CONTRACT, public=True)
