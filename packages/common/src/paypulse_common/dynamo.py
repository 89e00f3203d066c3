"""Plain Python values <-> DynamoDB attribute values (numbers as Decimal), and paginated reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any


def to_attr(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, float):
        return {"N": str(Decimal(str(value)))}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": value}
    if isinstance(value, dict):
        return {"M": {str(k): to_attr(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(v) for v in value]}
    if isinstance(value, set | frozenset):
        if all(isinstance(v, str) for v in value):
            return {"SS": sorted(value)}
        return {"NS": sorted(str(v) for v in value)}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: to_attr(v) for k, v in values.items()}


def from_attr(attr: dict[str, Any]) -> Any:
    ((kind, value),) = attr.items()
    if kind == "S" or kind == "B":
        return value
    if kind == "N":
        return Decimal(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attr(v) for k, v in value.items()}
    if kind == "L":
        return [from_attr(v) for v in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {Decimal(v) for v in value}
    raise TypeError(f"unknown DynamoDB type {kind}")


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: from_attr(v) for k, v in item.items()}


async def get_row(db: Any, table: str, key: dict[str, str]) -> dict[str, Any] | None:
    """One item by its (string) key attributes, as plain values; None when absent."""
    answer = await db.get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()})
    return from_item(answer["Item"]) if "Item" in answer else None


async def query_all(db: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
    """Every item of a Query (or Scan with ``_scan=True``), following LastEvaluatedKey."""
    scan = kwargs.pop("_scan", False)
    while True:
        page = await (db.scan(**kwargs) if scan else db.query(**kwargs))
        for item in page.get("Items", []):
            yield item
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


async def batch_write(
    db: Any, table: str, requests: list[dict[str, Any]], *, concurrency: int = 1
) -> None:
    """BatchWriteItem in chunks of 25 (``concurrency`` chunks in flight), retrying unprocessed
    items with backoff."""
    import asyncio

    from paypulse_common.errors import DependencyError
    from paypulse_common.runtime import gather_all

    bound = asyncio.Semaphore(max(1, concurrency))

    async def chunk(part: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {table: part}
        async with bound:
            for attempt in range(8):
                response = await db.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    return
                await asyncio.sleep(min(2.0, 0.05 * 2**attempt))
        raise DependencyError("Database throttled a batch write")

    await gather_all(*(chunk(requests[i : i + 25]) for i in range(0, len(requests), 25)))
