"""Account use cases: sign up, log in, read the profile."""

from __future__ import annotations

from dataclasses import dataclass

from paypulse_common import users
from paypulse_common.auth import issue_token
from paypulse_common.errors import InvalidCredentialsError, UserNotFoundError
from paypulse_common.passwords import check_password, hash_password, validate_password
from paypulse_users import throttle


@dataclass(frozen=True)
class Session:
    username: str
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - a token type, not a secret

    def to_json(self) -> dict[str, str]:
        return {
            "username": self.username,
            "access_token": self.access_token,
            "token_type": self.token_type,
        }


async def sign_up(name: str, email: str, password: str) -> Session:
    name = users.validate_name(name)
    email = users.validate_email(email)
    validate_password(password)
    user = users.User.new(email, name, await hash_password(password))
    await users.create_user(user)
    return Session(user.name, await issue_token(user.user_id, user.email))


async def log_in(email: str, password: str) -> Session:
    """Unknown e-mail and wrong password are indistinguishable: same error, same bcrypt work."""
    email = users.normalise_email(email)[: users.MAX_EMAIL_LENGTH]
    await throttle.ensure_not_throttled(email)
    user = await users.find_user_by_email(email)
    if not await check_password(password, user.password_hash if user else None) or not user:
        await throttle.record_failure(email)
        raise InvalidCredentialsError()
    await throttle.clear_failures(email)
    return Session(user.name, await issue_token(user.user_id, user.email))


async def profile(user_id: str) -> dict[str, object]:
    user = await users.get_user(user_id)
    if user is None:
        raise UserNotFoundError()
    from paypulse_users.gmail_status import gmail_connected

    return {
        "name": user.name,
        "email": user.email,
        "created_on": user.created_on,
        "gmail_account_connected": await gmail_connected(user),
    }
