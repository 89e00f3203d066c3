"""aiobotocore clients: one per service per execution environment, bound to its event loop,
created on first use. ``PAYPULSE_AWS_ENDPOINT_URL`` points them at a local moto server."""

from __future__ import annotations

from typing import Any

from paypulse_common.runtime import current


async def client(service: str) -> Any:
    """The environment's client for an AWS service (dynamodb, s3, secretsmanager, sns...)."""
    rt = current()

    async def create() -> Any:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        settings = rt.settings
        session = await rt.resource("aws:session", _session(get_session))
        config = AioConfig(
            retries={"max_attempts": 4, "mode": "standard"},
            connect_timeout=3,
            read_timeout=20,
            max_pool_connections=32,
        )
        return await rt.keep_open(
            session.create_client(
                service,
                region_name=settings.region,
                endpoint_url=settings.aws_endpoint_url,
                config=config,
            )
        )

    return await rt.resource(f"aws:{service}", create)


def _session(get_session: Any) -> Any:
    async def make() -> Any:
        return get_session()

    return make


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""
