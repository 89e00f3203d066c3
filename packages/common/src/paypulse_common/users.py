"""The Users store. One row per user (``UserID`` = "user_<uuid>") plus one e-mail claim row
(``UserID`` = "email#<normalised e-mail>") written in the same transaction, so an e-mail is
unique even under concurrent signups (a conditional write, never check-then-put)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from paypulse_common import aws
from paypulse_common.errors import DependencyError, InvalidRequestError, UserAlreadyExistsError
from paypulse_common.runtime import settings
from paypulse_common.tombstone import LIVE_CONDITION

CLAIM_PREFIX = "email#"
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 100
EMAIL_ADDRESS = r"[^@\s\"<>(),;:\\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
# What sign-up accepts (surrounding whitespace is trimmed); the request model uses the same text.
EMAIL_PATTERN = rf"^\s*{EMAIL_ADDRESS}\s*$"
_EMAIL = re.compile(rf"^{EMAIL_ADDRESS}$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_email(email: str) -> str:
    """The normalised e-mail, or InvalidRequestError (checked before lower-casing, which can
    lengthen some characters, so the request model's pattern gives the same answer)."""
    value = email.strip()
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.match(value):
        raise InvalidRequestError("Please provide a valid email address")
    return value.lower()


def validate_name(name: str) -> str:
    value = " ".join(name.split())
    if not value or len(value) > MAX_NAME_LENGTH:
        raise InvalidRequestError(f"Name must be 1 to {MAX_NAME_LENGTH} characters long")
    return value


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    name: str
    password_hash: str
    created_on: str  # YYYY-MM-DD (UTC)
    created_at: str  # ISO-8601 UTC
    last_retail_invoice_fetch: str | None = None
    gmail_disconnected_at: str | None = None
    deleted_at: str | None = None  # the tombstone (paypulse_common.tombstone)

    @classmethod
    def new(cls, email: str, name: str, password_hash: str) -> User:
        now = datetime.now(UTC)
        return cls(
            user_id=f"user_{uuid.uuid4()}",
            email=email,
            name=name,
            password_hash=password_hash,
            created_on=now.strftime("%Y-%m-%d"),
            created_at=now.isoformat(),
        )

    def to_item(self) -> dict[str, Any]:
        item = {
            "UserID": {"S": self.user_id},
            "Email": {"S": self.email},
            "Name": {"S": self.name},
            "Password": {"S": self.password_hash},
            "CreatedOn": {"S": self.created_on},
            "CreatedAt": {"S": self.created_at},
        }
        if self.last_retail_invoice_fetch:
            item["last_retail_invoice_fetch"] = {"S": self.last_retail_invoice_fetch}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> User:
        def s(key: str) -> str | None:
            return item[key]["S"] if key in item else None

        return cls(
            user_id=item["UserID"]["S"],
            email=item["Email"]["S"],
            name=item.get("Name", {}).get("S", ""),
            password_hash=item.get("Password", {}).get("S", ""),
            created_on=s("CreatedOn") or "",
            created_at=s("CreatedAt") or "",
            last_retail_invoice_fetch=s("last_retail_invoice_fetch"),
            gmail_disconnected_at=s("gmail_disconnected_at"),
            deleted_at=s("deleted_at"),
        )


def _table() -> str:
    return settings().table("users")


async def create_user(user: User) -> None:
    """Insert the user and claim the e-mail atomically; UserAlreadyExistsError if taken."""
    db = await aws.client("dynamodb")
    table = _table()
    try:
        await db.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": {
                            "UserID": {"S": CLAIM_PREFIX + user.email},
                            "OwnerID": {"S": user.user_id},
                        },
                        "ConditionExpression": "attribute_not_exists(UserID)",
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": user.to_item(),
                        "ConditionExpression": "attribute_not_exists(UserID)",
                    }
                },
            ]
        )
    except Exception as exc:
        if aws.error_code(exc) == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons", [])  # type: ignore[attr-defined]
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise UserAlreadyExistsError() from exc
            if any(r.get("Code") == "TransactionConflict" for r in reasons):
                raise UserAlreadyExistsError() from exc
        raise DependencyError("Database error during signup") from exc


async def get_user(user_id: str) -> User | None:
    if not user_id.startswith("user_"):
        return None
    db = await aws.client("dynamodb")
    try:
        response = await db.get_item(
            TableName=_table(), Key={"UserID": {"S": user_id}}, ConsistentRead=True
        )
    except Exception as exc:
        raise DependencyError("Database error") from exc
    item = response.get("Item")
    return User.from_item(item) if item else None


async def find_user_by_email(email: str) -> User | None:
    """Look the e-mail claim up (strongly consistent), then the user row."""
    db = await aws.client("dynamodb")
    try:
        response = await db.get_item(
            TableName=_table(),
            Key={"UserID": {"S": CLAIM_PREFIX + normalise_email(email)}},
            ConsistentRead=True,
        )
    except Exception as exc:
        raise DependencyError("Database error") from exc
    claim = response.get("Item")
    return await get_user(claim["OwnerID"]["S"]) if claim else None


async def delete_user_rows(user: User) -> None:
    """Remove the user row and its e-mail claim together (safe to repeat)."""
    db = await aws.client("dynamodb")
    table = _table()
    try:
        await db.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": table,
                        "Key": {"UserID": {"S": CLAIM_PREFIX + user.email}},
                    }
                },
                {"Delete": {"TableName": table, "Key": {"UserID": {"S": user.user_id}}}},
            ]
        )
    except Exception as exc:
        raise DependencyError("Database error while deleting the account") from exc


async def set_user_attribute(user_id: str, name: str, value: str | None) -> None:
    """Set (or remove, when None) one attribute of a live user row (not one being deleted)."""

    db = await aws.client("dynamodb")
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "Key": {"UserID": {"S": user_id}},
        "ConditionExpression": LIVE_CONDITION,
        "ExpressionAttributeNames": {"#a": name},
    }
    if value is None:
        kwargs["UpdateExpression"] = "REMOVE #a"
    else:
        kwargs["UpdateExpression"] = "SET #a = :v"
        kwargs["ExpressionAttributeValues"] = {":v": {"S": value}}
    try:
        await db.update_item(**kwargs)
    except Exception as exc:
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return  # the user was deleted meanwhile: nothing to update
        raise DependencyError("Database error") from exc


async def iter_user_ids(page_size: int = 100, *, connected: bool = False):  # type: ignore[no-untyped-def]
    """Every user id, page by page, from the sparse Email-index (claim rows have no Email).
    ``connected``: leave out users whose Gmail grant Google revoked (``gmail_disconnected_at``)."""
    db = await aws.client("dynamodb")
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": "Email-index",
        "ProjectionExpression": "UserID",
        "Limit": page_size,
    }
    if connected:
        kwargs["FilterExpression"] = "attribute_not_exists(gmail_disconnected_at)"
    while True:
        try:
            page = await db.scan(**kwargs)
        except Exception as exc:
            raise DependencyError("Database error while listing users") from exc
        for item in page.get("Items", []):
            yield item["UserID"]["S"]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
