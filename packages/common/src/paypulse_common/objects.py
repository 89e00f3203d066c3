"""S3 objects: a size-bounded read of an upload, and deletion of every version."""

from __future__ import annotations

from paypulse_common import aws
from paypulse_common.errors import DependencyError


async def read_bounded(
    bucket: str, key: str, max_bytes: int
) -> tuple[bytes | None, dict[str, str]]:
    """The object's bytes (None when larger than ``max_bytes``, without reading it) and its
    user metadata."""
    s3 = await aws.client("s3")
    try:
        response = await s3.get_object(Bucket=bucket, Key=key)
        async with response["Body"] as stream:
            if response.get("ContentLength", 0) > max_bytes:
                return None, response.get("Metadata", {})
            data = await stream.read()
    except Exception as exc:
        raise DependencyError("Could not read the uploaded object") from exc
    return data, response.get("Metadata", {})


async def delete_versions(bucket: str, prefix: str, *, exact: bool = False) -> int:
    """Delete every version and delete marker under ``prefix`` (only of the key ``prefix`` itself
    when ``exact``), 1000 per request, all pages; returns how many were deleted."""
    s3 = await aws.client("s3")
    deleted = 0
    try:
        paginator = s3.get_paginator("list_object_versions")
        async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            objects = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                if not exact or v["Key"] == prefix
            ]
            for start in range(0, len(objects), 1000):
                batch = objects[start : start + 1000]
                response = await s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": batch, "Quiet": True}
                )
                if response.get("Errors"):
                    raise DependencyError("Error deleting stored objects")
                deleted += len(batch)
    except DependencyError:
        raise
    except Exception as exc:
        raise DependencyError("Error deleting stored objects") from exc
    return deleted
