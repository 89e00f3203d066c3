"""aiobotocore clients: one per service per execution environment, bound to its event loop,
created on first use. ``PAYPULSE_AWS_ENDPOINT_URL`` points them at a local moto server.

Timeouts fit the function: botocore's defaults (60 s connect + 60 s read, retried) or a fixed
3 s + 20 s x 4 retries let one call outlive a 10 s function by minutes, so Lambda kills the
invocation before the SDK even reports the failure. The worst case of one call (every attempt
timing out, plus the standard retry mode's backoff: at most 1 s, then 2 s) is kept within 90 %
of the time the invocation had when the environment created its clients (the Lambda context's
remaining time; about the declared timeout at a cold start)."""

from __future__ import annotations

from typing import Any

from paypulse_common.runtime import current, remaining_seconds

ATTEMPTS = 3  # standard retry mode: the call plus two retries
MAX_CONNECT_S = 3.0
MAX_READ_S = 20.0
_BACKOFF_S = sum(2.0**i for i in range(ATTEMPTS - 1))  # worst-case waits between attempts


def timeouts_within(budget_s: float | None) -> tuple[float, float]:
    """(connect, read) timeouts so that ATTEMPTS attempts plus backoff fit in ``budget_s``
    (None: no invocation deadline known, e.g. a script; the caps apply)."""
    if budget_s is None:
        return MAX_CONNECT_S, MAX_READ_S
    per_attempt = max(0.5, (0.9 * budget_s - _BACKOFF_S) / ATTEMPTS)
    connect = min(MAX_CONNECT_S, max(0.25, per_attempt / 4))
    return connect, min(MAX_READ_S, per_attempt - connect)


async def client(service: str) -> Any:
    """The environment's client for an AWS service (dynamodb, s3, secretsmanager, sns...)."""
    rt = current()

    async def create() -> Any:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        settings = rt.settings
        session = await rt.resource("aws:session", _session(get_session))
        connect, read = timeouts_within(remaining_seconds())
        config = AioConfig(
            retries={"total_max_attempts": ATTEMPTS, "mode": "standard"},
            connect_timeout=connect,
            read_timeout=read,
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
