"""Whether a user has stored Gmail tokens, in whichever store the stack uses, without reading
them: Secrets Manager DescribeSecret (metadata) or a DynamoDB GetItem of the key attribute.
Here, in paypulse-common, because the profile route runs without the Gmail layer; the token
stores themselves are ``paypulse_gmail.token_store``."""

from __future__ import annotations

from paypulse_common import aws
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import settings

LOGICAL = "gmail_tokens"  # the logical name of the token secret (prefix), table and key


def uses_token_table() -> bool:
    """True when this function was given the token table ("dynamodb-kms"), else the secret."""
    return LOGICAL in settings().tables


async def tokens_exist(user_id: str, *, secret_prefix: str | None = None) -> bool:
    try:
        if uses_token_table():
            db = await aws.client("dynamodb")
            response = await db.get_item(
                TableName=settings().table(LOGICAL),
                Key={"UserID": {"S": user_id}},
                ProjectionExpression="UserID",
            )
            return "Item" in response
        sm = await aws.client("secretsmanager")
        try:
            await sm.describe_secret(
                SecretId=(secret_prefix or settings().secret(LOGICAL)) + user_id
            )
        except Exception as exc:
            if aws.error_code(exc) == "ResourceNotFoundException":
                return False
            raise
        return True
    except Exception as exc:
        raise DependencyError("Could not read the Gmail connection") from exc
