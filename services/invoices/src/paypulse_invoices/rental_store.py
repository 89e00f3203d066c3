"""RentalInvoices rows: written once per invoice by the parser, read by the API (queries on the
user's partition only, every page followed)."""

from __future__ import annotations

from typing import Any

from paypulse_common import aws
from paypulse_common.dynamo import from_item, query_all, to_item
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import settings
from paypulse_common.tombstone import fenced_write_if


def _table() -> str:
    return settings().table("rental_invoices")


async def insert(row: dict[str, Any]) -> bool:
    """Insert a row unless that invoice exists already; True when inserted (→ one stream INSERT).
    Behind the account-deletion fence: UserDeletedError once the owner is deleted."""
    put = {
        "Put": {
            "TableName": _table(),
            "Item": to_item(row),
            "ConditionExpression": "attribute_not_exists(InvoiceID)",
        }
    }
    return await fenced_write_if(row["UserID"], [put], "storing the invoice")


async def has_invoice_for(user_id: str, year: int, month: int) -> bool:
    db = await aws.client("dynamodb")
    try:
        async for _ in query_all(
            db,
            TableName=_table(),
            KeyConditionExpression="UserID = :u",
            FilterExpression="due_date_year = :y AND due_date_month = :m",
            ExpressionAttributeValues={
                ":u": {"S": user_id},
                ":y": {"S": str(year)},
                ":m": {"S": str(month)},
            },
            ProjectionExpression="InvoiceID",
        ):
            return True
    except Exception as exc:
        raise DependencyError("Database error during invoice retrieval") from exc
    return False


async def all_rows(user_id: str) -> list[dict[str, Any]]:
    """Every invoice of the user (one rent notice a month: a few hundred rows at most), every
    query page followed. Callers order and page them (newest first, by due date)."""
    db = await aws.client("dynamodb")
    try:
        return [
            from_item(i)
            async for i in query_all(
                db,
                TableName=_table(),
                KeyConditionExpression="UserID = :u",
                ExpressionAttributeValues={":u": {"S": user_id}},
            )
        ]
    except Exception as exc:
        raise DependencyError("Database error during invoice retrieval") from exc


async def get(user_id: str, invoice_id: str) -> dict[str, Any] | None:
    from paypulse_common.dynamo import get_row

    db = await aws.client("dynamodb")
    try:
        return await get_row(db, _table(), {"UserID": user_id, "InvoiceID": invoice_id})
    except Exception as exc:
        raise DependencyError("Database error during invoice retrieval") from exc
