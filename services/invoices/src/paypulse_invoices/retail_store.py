"""RetailInvoices base rows and the per-category detail rows (both keyed by UserID +
InvoiceID, so every read is scoped to its owner)."""

from __future__ import annotations

from typing import Any

from paypulse_common import aws
from paypulse_common.categories import DETAIL_TABLES, RETAIL_SUB_TYPES
from paypulse_common.dynamo import from_item, query_all
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import settings

SUMMARY_FIELDS = (
    "InvoiceID",
    "invoice_date",
    "total_amount",
    "currency",
    "vendor_name",
    "sub_type",
)


def _base() -> str:
    return settings().table("retail_invoices")


def _key(user_id: str, invoice_id: str) -> dict[str, Any]:
    return {"UserID": {"S": user_id}, "InvoiceID": {"S": invoice_id}}


async def _query(**kwargs: Any) -> list[dict[str, Any]]:
    db = await aws.client("dynamodb")
    try:
        return [from_item(i) async for i in query_all(db, **kwargs)]
    except Exception as exc:
        raise DependencyError("Database error during invoice retrieval") from exc


def _projection() -> dict[str, Any]:
    names = {f"#f{i}": f for i, f in enumerate(SUMMARY_FIELDS)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


async def summaries(user_id: str, sub_type: str | None = None) -> list[dict[str, Any]]:
    """Base summaries of the user's invoices, newest first (one category via its index)."""
    if sub_type is None:
        rows = await _query(
            TableName=_base(),
            KeyConditionExpression="UserID = :u",
            ExpressionAttributeValues={":u": {"S": user_id}},
            **_projection(),
        )
    else:
        rows = await _query(
            TableName=_base(),
            IndexName="sub_type-invoice_date-index",
            KeyConditionExpression="UserID_SubType = :k",
            ExpressionAttributeValues={":k": {"S": f"{user_id}_{sub_type}"}},
            ScanIndexForward=False,
            **_projection(),
        )
    return sorted(rows, key=lambda r: (r.get("invoice_date") or "", r["InvoiceID"]), reverse=True)


async def counts(user_id: str, sub_type: str | None = None) -> dict[str, int]:
    if sub_type is not None:
        db = await aws.client("dynamodb")
        total, kwargs = (
            0,
            {
                "TableName": _base(),
                "IndexName": "sub_type-invoice_date-index",
                "KeyConditionExpression": "UserID_SubType = :k",
                "ExpressionAttributeValues": {":k": {"S": f"{user_id}_{sub_type}"}},
                "Select": "COUNT",
            },
        )
        try:
            while True:
                page = await db.query(**kwargs)
                total += page["Count"]
                if "LastEvaluatedKey" not in page:
                    return {sub_type: total}
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except Exception as exc:
            raise DependencyError("Database error during invoice retrieval") from exc
    out = dict.fromkeys(RETAIL_SUB_TYPES, 0)
    for row in await _query(
        TableName=_base(),
        KeyConditionExpression="UserID = :u",
        ExpressionAttributeValues={":u": {"S": user_id}},
        ProjectionExpression="sub_type",
    ):
        if row.get("sub_type") in out:
            out[row["sub_type"]] += 1
    return out


async def base_row(user_id: str, invoice_id: str) -> dict[str, Any] | None:
    db = await aws.client("dynamodb")
    try:
        response = await db.get_item(TableName=_base(), Key=_key(user_id, invoice_id))
    except Exception as exc:
        raise DependencyError("Database error during invoice retrieval") from exc
    return from_item(response["Item"]) if "Item" in response else None


async def detail_row(user_id: str, sub_type: str, invoice_id: str) -> dict[str, Any] | None:
    db = await aws.client("dynamodb")
    try:
        response = await db.get_item(
            TableName=settings().table(DETAIL_TABLES[sub_type]), Key=_key(user_id, invoice_id)
        )
    except Exception as exc:
        raise DependencyError("Database error during invoice retrieval") from exc
    return from_item(response["Item"]) if "Item" in response else None
