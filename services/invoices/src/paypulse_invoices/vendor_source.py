"""Vendor configurations from the VendorConfig table (loaded from vendor_configs/*.json),
cached per execution environment for five minutes."""

from __future__ import annotations

import time
from typing import Any

from paypulse_common import aws
from paypulse_common.dynamo import from_item, query_all
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import current, settings

CACHE_SECONDS = 300


async def vendors(category: str) -> list[dict[str, Any]]:
    """Active vendors whose ``invoice_category`` is ``rental`` or ``retail``."""
    return sorted(
        (v for v in await _all() if v.get("active") and v.get("invoice_category") == category),
        key=lambda v: v["vendor_id"],
    )


async def vendor_by_id(vendor_id: str) -> dict[str, Any] | None:
    """One vendor's configuration (active or not), or None."""
    return next((v for v in await _all() if v.get("vendor_id") == vendor_id), None)


async def _all() -> list[dict[str, Any]]:
    rt = current()
    cache: dict[str, Any] = await rt.resource("vendors:cache", _new_cache)
    if cache.get("expires", 0) < time.monotonic():
        db = await aws.client("dynamodb")
        try:
            items = [
                from_item(i)
                async for i in query_all(
                    db, _scan=True, TableName=settings().table("vendor_config")
                )
            ]
        except Exception as exc:
            raise DependencyError("Could not read vendor configuration") from exc
        cache.update(items=items, expires=time.monotonic() + CACHE_SECONDS)
    return cache["items"]


async def _new_cache() -> dict[str, Any]:
    return {}
