"""Whether a user's Gmail connection is usable: the token secret exists and Google has not
revoked it (a revoked refresh token marks the user ``gmail_disconnected_at``)."""

from __future__ import annotations

from paypulse_common import aws
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import settings
from paypulse_common.users import User


async def gmail_connected(user: User) -> bool:
    if user.gmail_disconnected_at:
        return False
    sm = await aws.client("secretsmanager")
    try:
        await sm.describe_secret(SecretId=settings().secret("gmail_tokens") + user.user_id)
    except Exception as exc:
        if aws.error_code(exc) == "ResourceNotFoundException":
            return False
        raise DependencyError("Could not read the Gmail connection") from exc
    return True
