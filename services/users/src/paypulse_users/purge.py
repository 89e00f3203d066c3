"""Delete everything a user owns, driven by the registry of user-owned data
(``PAYPULSE_USER_DATA``, generated from the ``user_data`` markers of the declarations).

Order (after the tombstone, paypulse_common.tombstone): S3 object versions and delete markers,
every user-data table, the Gmail secret, the login-throttle row, then the user row and e-mail
claim last, so an interrupted deletion can simply be repeated."""

from __future__ import annotations

from typing import Any

from paypulse_common import aws
from paypulse_common.dynamo import batch_write
from paypulse_common.errors import ConfigurationError, DependencyError
from paypulse_common.logs import get_logger
from paypulse_common.objects import delete_versions
from paypulse_common.runtime import gather_all, settings
from paypulse_common.users import User, delete_user_rows
from paypulse_users.throttle import clear_failures

log = get_logger("paypulse.purge")


async def purge_user(user: User) -> dict[str, int]:
    registry = settings().user_data
    if not registry.get("tables"):
        raise ConfigurationError("delete_user has no registry of user-owned data")
    await _stop_gmail_watch(user.user_id)
    buckets = sorted(registry.get("buckets", {}).items())
    tables = sorted(registry["tables"].items())
    # Objects and rows are independent of each other: purge them all at once (the route has
    # API Gateway's 30 s; benchmarks/delete_user.py measures a user with 2,000 of each).
    results = await gather_all(
        *(
            delete_versions(settings().bucket(logical), prefix.format(user_id=user.user_id))
            for logical, prefix in buckets
        ),
        *(_purge_table(logical, keys, user.user_id) for logical, keys in tables),
    )
    names = [f"bucket:{b}" for b, _ in buckets] + [f"table:{t}" for t, _ in tables]
    counts = dict(zip(names, results, strict=True))
    for logical in registry.get("secrets", {}):
        await _delete_secret(settings().secret(logical) + user.user_id)
    await clear_failures(user.email)
    await delete_user_rows(user)
    return counts


async def _purge_table(logical: str, keys: list[str | None], user_id: str) -> int:
    db = await aws.client("dynamodb")
    table = settings().table(logical)
    hash_key, range_key = keys[0], keys[1]
    names = {"#h": hash_key}
    projection = "#h"
    if range_key:
        names["#r"] = range_key
        projection += ", #r"
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#h = :u",
        "ExpressionAttributeNames": {**names, "#e": "EndpointArn"},
        "ExpressionAttributeValues": {":u": {"S": user_id}},
        "ProjectionExpression": projection + ", #e",
    }
    deleted = 0
    try:
        while True:
            page = await db.query(**kwargs)
            items = page.get("Items", [])
            await _delete_endpoints(items)
            await batch_write(
                db,
                table,
                [
                    {"DeleteRequest": {"Key": {k: v for k, v in it.items() if k != "EndpointArn"}}}
                    for it in items
                ],
                concurrency=8,
            )
            deleted += len(items)
            if "LastEvaluatedKey" not in page:
                return deleted
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    except DependencyError:
        raise
    except Exception as exc:
        raise DependencyError("Database error while deleting the account") from exc


async def _delete_endpoints(items: list[dict]) -> None:
    """Rows that carry an SNS platform endpoint (registered devices): delete the endpoint."""
    arns = [it["EndpointArn"]["S"] for it in items if "EndpointArn" in it]
    if not arns:
        return
    sns = await aws.client("sns")
    for arn in arns:
        try:
            await sns.delete_endpoint(EndpointArn=arn)
        except Exception as exc:
            if aws.error_code(exc) not in ("NotFound", "NotFoundException"):
                raise DependencyError("Error removing a device") from exc


async def _delete_secret(name: str) -> None:
    sm = await aws.client("secretsmanager")
    try:
        await sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    except Exception as exc:
        if aws.error_code(exc) != "ResourceNotFoundException":
            raise DependencyError("Error deleting Gmail credentials") from exc


async def _stop_gmail_watch(user_id: str) -> None:
    """``users.stop`` of the user's watched mailbox, best effort and writing nothing (the
    tokens are only read; a refreshed token stays in memory): never blocks the deletion."""
    from paypulse_common import gmail_watches
    from paypulse_common.secrets import secret_value
    from paypulse_gmail.token_store import token_store
    from paypulse_gmail.watch import stop_quietly

    try:
        if await gmail_watches.get_watch(user_id) is None:
            return
        tokens = await token_store().load(user_id)
        client_id = await secret_value("google_client_id")
    except Exception as exc:  # best effort by design
        log.warning("gmail watch not stopped", extra={"error": type(exc).__name__})
        return
    if tokens is not None:
        await stop_quietly(user_id, tokens, client_id=client_id)
