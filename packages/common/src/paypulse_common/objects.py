"""S3 objects: a size-bounded read of an upload, and deletion of every version."""

from __future__ import annotations

import asyncio

from paypulse_common import aws
from paypulse_common.errors import DependencyError, NotFoundError


async def read_bounded(
    bucket: str, key: str, max_bytes: int
) -> tuple[bytes | None, dict[str, str]]:
    """The object's bytes (None when larger than ``max_bytes``, without reading it) and its
    user metadata. NotFoundError (permanent) when the object is gone, DependencyError (worth a
    retry) for any other failure."""
    s3 = await aws.client("s3")
    try:
        response = await s3.get_object(Bucket=bucket, Key=key)
        async with response["Body"] as stream:
            if response.get("ContentLength", 0) > max_bytes:
                return None, response.get("Metadata", {})
            data = await stream.read()
    except Exception as exc:
        if aws.error_code(exc) in ("NoSuchKey", "404"):
            raise NotFoundError("The uploaded object no longer exists") from exc
        raise DependencyError("Could not read the uploaded object") from exc
    return data, response.get("Metadata", {})


async def delete_versions(
    bucket: str, prefix: str, *, exact: bool = False, concurrency: int = 4
) -> int:
    """Delete every version and delete marker under ``prefix`` (only of the key ``prefix`` itself
    when ``exact``): every page is listed first, then deleted 1000 per request with
    ``concurrency`` requests in flight; returns how many were deleted. (Deleting while paging
    makes the next page's markers point at deleted versions: moto then ends the listing early
    and leaves the rest behind.)"""
    from paypulse_common.runtime import gather_all

    s3 = await aws.client("s3")
    try:
        versions: list[dict[str, str]] = []
        paginator = s3.get_paginator("list_object_versions")
        async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            versions.extend(
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                if not exact or v["Key"] == prefix
            )
    except Exception as exc:
        raise DependencyError("Error listing stored objects") from exc
    bound = asyncio.Semaphore(max(1, concurrency))

    async def delete(batch: list[dict[str, str]]) -> None:
        async with bound:
            try:
                response = await s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except Exception as exc:
                raise DependencyError("Error deleting stored objects") from exc
            if response.get("Errors"):
                raise DependencyError("Error deleting stored objects")

    await gather_all(*(delete(versions[i : i + 1000]) for i in range(0, len(versions), 1000)))
    return len(versions)
