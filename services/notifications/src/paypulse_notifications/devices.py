"""A user's iOS devices: APNs device tokens registered as SNS platform endpoints. The row keeps
the endpoint ARN so deleting the device (or the user) deletes the endpoint too."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from paypulse_common import aws
from paypulse_common.dynamo import from_item, query_all
from paypulse_common.errors import (
    ConfigurationError,
    DependencyError,
    InvalidRequestError,
    NotFoundError,
)
from paypulse_common.runtime import settings

# An APNs device token in hex (surrounding whitespace ignored): the request models' pattern.
TOKEN_PATTERN = r"^\s*[0-9a-fA-F]{64,200}\s*$"  # noqa: S105 - a pattern, not a secret
_TOKEN = re.compile(TOKEN_PATTERN)


def validate_token(token: str) -> str:
    if not _TOKEN.search(token):
        raise InvalidRequestError("device_token must be the APNs token in hex (64+ characters)")
    return token.strip().lower()


def _table() -> str:
    return settings().table("devices")


async def register(user_id: str, token: str) -> str:
    """Create (or reuse) the platform endpoint and record it; returns the endpoint ARN."""
    app_arn = settings().apns_platform_app_arn
    if not app_arn:
        raise ConfigurationError("Push notifications are not configured (no APNs application)")
    sns = await aws.client("sns")
    try:
        endpoint = await sns.create_platform_endpoint(
            PlatformApplicationArn=app_arn, Token=token, CustomUserData=user_id
        )
        arn = endpoint["EndpointArn"]
        await sns.set_endpoint_attributes(
            EndpointArn=arn, Attributes={"Enabled": "true", "CustomUserData": user_id}
        )
    except Exception as exc:
        raise DependencyError("Could not register the device") from exc
    db = await aws.client("dynamodb")
    try:
        await db.put_item(
            TableName=_table(),
            Item={
                "UserID": {"S": user_id},
                "DeviceToken": {"S": token},
                "EndpointArn": {"S": arn},
                "registered_at": {"S": datetime.now(UTC).isoformat()},
            },
        )
    except Exception as exc:
        raise DependencyError("Could not register the device") from exc
    return arn


async def remove(user_id: str, token: str) -> None:
    db = await aws.client("dynamodb")
    key = {"UserID": {"S": user_id}, "DeviceToken": {"S": token}}
    try:
        response = await db.delete_item(TableName=_table(), Key=key, ReturnValues="ALL_OLD")
    except Exception as exc:
        raise DependencyError("Could not remove the device") from exc
    old = response.get("Attributes")
    if not old:
        raise NotFoundError("Device not found")
    sns = await aws.client("sns")
    try:
        await sns.delete_endpoint(EndpointArn=old["EndpointArn"]["S"])
    except Exception as exc:
        if aws.error_code(exc) not in ("NotFound", "NotFoundException"):
            raise DependencyError("Could not remove the device") from exc


async def endpoints(user_id: str) -> AsyncIterator[dict[str, Any]]:
    db = await aws.client("dynamodb")
    try:
        async for item in query_all(
            db,
            TableName=_table(),
            KeyConditionExpression="UserID = :u",
            ExpressionAttributeValues={":u": {"S": user_id}},
        ):
            yield from_item(item)
    except Exception as exc:
        raise DependencyError("Could not read devices") from exc
