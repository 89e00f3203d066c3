"""The account routes' request and response models (validated by the runtime; the OpenAPI
document's schemas). Shapes follow the iOS app's ``AuthModels`` and ``UserModel``."""

from __future__ import annotations

from paypulse_common.passwords import MAX_LENGTH as MAX_PASSWORD
from paypulse_common.passwords import MIN_LENGTH as MIN_PASSWORD
from paypulse_common.schema import NOT_BLANK, Bool, Obj, Str
from paypulse_common.users import EMAIL_PATTERN, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH

# The pattern is the rule (RFC 5322's dot-atom is stricter than what mail providers accept).
EMAIL = Str(min_length=3, max_length=MAX_EMAIL_LENGTH, pattern=EMAIL_PATTERN)

SignupRequest = Obj(
    {
        "name": Str(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NOT_BLANK),
        "email": EMAIL,
        "password": Str(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD, pattern=NOT_BLANK),
    },
    required=("name", "email", "password"),
    name="SignupRequest",
)
LoginRequest = Obj(
    {
        # Any text: a malformed address is just an unknown account (401, same as a wrong password).
        "email": Str(min_length=1, max_length=MAX_EMAIL_LENGTH, pattern=NOT_BLANK),
        "password": Str(min_length=1, max_length=MAX_PASSWORD, pattern=NOT_BLANK),
    },
    required=("email", "password"),
    name="LoginRequest",
)
AuthResponse = Obj(
    {"username": Str(), "access_token": Str(), "token_type": Str(enum=("Bearer",))},
    required=("username", "access_token", "token_type"),
    name="AuthResponse",
)
UserProfile = Obj(
    {
        "name": Str(),
        "email": Str(),
        "created_on": Str(description="YYYY-MM-DD"),
        "gmail_account_connected": Bool(),
    },
    required=("name", "email", "created_on", "gmail_account_connected"),
    name="UserModel",
)
