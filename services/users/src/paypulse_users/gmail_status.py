"""Whether a user's Gmail connection is usable: the stored tokens exist (in the stack's token
store) and Google has not revoked them (a revoked refresh token marks the user
``gmail_disconnected_at``)."""

from __future__ import annotations

from paypulse_common.token_presence import tokens_exist
from paypulse_common.users import User


async def gmail_connected(user: User) -> bool:
    if user.gmail_disconnected_at:
        return False
    return await tokens_exist(user.user_id)
