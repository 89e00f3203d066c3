"""API Gateway HTTP API limits and the answers API Gateway itself gives (not the function).

From "Quotas for configuring and running an HTTP API in API Gateway"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html), none of
them adjustable:
- Maximum integration timeout: 30 seconds. HTTP APIs answer the client 503
  ``{"message":"Service Unavailable"}``; the Lambda function keeps running to its own timeout.
- Payload size: 10 MB → 413 ``{"message":"Request Entity Too Large"}``.
- Total combined size of request line and header values: 10240 bytes. AWS does not document
  the status; we answer 431 (RFC 6585, "Request Header Fields Too Large"), a 4xx the client
  must not retry unchanged.
A Lambda function that fails (unhandled error, its own timeout, a malformed proxy result) gives
500 ``{"message":"Internal Server Error"}`` ("Troubleshooting issues with HTTP API Lambda
integrations", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

INTEGRATION_TIMEOUT_S = 30.0
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_REQUEST_LINE_AND_HEADER_VALUES = 10240

Reply = tuple[int, dict[str, str], bytes]


def gateway_reply(status: int, message: str) -> Reply:
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return status, {"content-type": "application/json", "apigw-requestid": "local"}, body


def internal_server_error() -> Reply:
    return gateway_reply(500, "Internal Server Error")


def service_unavailable() -> Reply:
    return gateway_reply(503, "Service Unavailable")


def payload_too_large() -> Reply:
    return gateway_reply(413, "Request Entity Too Large")


def request_limits(
    method: str, raw_path: str, headers: Mapping[str, str], body: bytes
) -> Reply | None:
    """API Gateway's answer when the request is over a size quota, else None."""
    if len(body) > MAX_PAYLOAD_BYTES:
        return payload_too_large()
    request_line = f"{method} {raw_path} HTTP/1.1"
    size = len(request_line.encode()) + sum(len(v.encode()) for v in headers.values())
    if size > MAX_REQUEST_LINE_AND_HEADER_VALUES:
        return gateway_reply(431, "Request Header Fields Too Large")
    return None


def routes_longer_than_the_gateway(ws: Any) -> list[str]:
    """Routes whose function may run past the integration timeout: the client gets 503 while
    the work goes on (a defect until the route answers fast and hands the work off)."""
    return sorted(
        f"{route} ({fn.name}: timeout {fn.timeout} s)"
        for route, fn in ws.routes()
        if fn.timeout > INTEGRATION_TIMEOUT_S
    )
