"""A user's iOS devices: APNs device tokens registered as SNS platform endpoints. The row keeps
the endpoint ARN so deleting the device (or the user) deletes the endpoint too.

One device token has one endpoint, which belongs to the account that registered it last (a
phone where a second account signs in): SNS refuses to create a second endpoint for the token
("Endpoint <arn> already exists with the same Token, but different attributes"); the endpoint
named in that error is taken over (its CustomUserData set to the new owner, as the SNS
Developer Guide's mobile token management pseudo code does: "Best practices for managing
mobile tokens") and the previous account's row for the token is removed, so pushes of the
previous account no longer reach this phone."""

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
    UserDeletedError,
)
from paypulse_common.runtime import settings
from paypulse_common.tombstone import fenced_write

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
        arn, previous_owner = await _endpoint_for(sns, app_arn, token, user_id)
        await sns.set_endpoint_attributes(
            EndpointArn=arn, Attributes={"Enabled": "true", "CustomUserData": user_id}
        )
    except Exception as exc:
        raise DependencyError("Could not register the device") from exc
    item = {
        "UserID": {"S": user_id},
        "DeviceToken": {"S": token},
        "EndpointArn": {"S": arn},
        "registered_at": {"S": datetime.now(UTC).isoformat()},
    }
    try:
        await fenced_write(user_id, [{"Put": {"TableName": _table(), "Item": item}}])
    except UserDeletedError:
        # Deleted meanwhile: the row was refused; the endpoint made for it goes too.
        await _delete_endpoint(arn)
        raise
    except Exception as exc:
        raise DependencyError("Could not register the device") from exc
    if previous_owner and previous_owner != user_id:
        await _forget(previous_owner, token, arn)
    return arn


_EXISTING = re.compile(r"Endpoint (arn:[^\s]+) already exists with the same [Tt]oken")


async def _endpoint_for(sns: Any, app_arn: str, token: str, user_id: str) -> tuple[str, str | None]:
    """The token's endpoint (created, or the existing one SNS names) and the account it
    belongs to now (read back: CreatePlatformEndpoint also answers with an existing endpoint
    whose attributes match the request)."""
    try:
        created = await sns.create_platform_endpoint(
            PlatformApplicationArn=app_arn, Token=token, CustomUserData=user_id
        )
        arn = created["EndpointArn"]
    except Exception as exc:
        found = _EXISTING.search(str(exc)) if aws.error_code(exc) == "InvalidParameter" else None
        if found is None:
            raise
        arn = found.group(1)
    attributes = (await sns.get_endpoint_attributes(EndpointArn=arn))["Attributes"]
    return arn, attributes.get("CustomUserData") or None


async def _forget(owner: str, token: str, arn: str) -> None:
    """Remove ``owner``'s row for a token another account took over (only while it still
    points at that endpoint)."""
    db = await aws.client("dynamodb")
    try:
        await db.delete_item(
            TableName=_table(),
            Key={"UserID": {"S": owner}, "DeviceToken": {"S": token}},
            ConditionExpression="EndpointArn = :arn",
            ExpressionAttributeValues={":arn": {"S": arn}},
        )
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise DependencyError("Could not register the device") from exc


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
    await _delete_endpoint(old["EndpointArn"]["S"])


async def _delete_endpoint(arn: str) -> None:
    sns = await aws.client("sns")
    try:
        await sns.delete_endpoint(EndpointArn=arn)
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
