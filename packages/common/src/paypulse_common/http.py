"""API Gateway HTTP API (payload 2.0) requests and the response envelope the iOS app decodes.

Success: ``{"message": str, "code": int, "data": ...}`` (code == HTTP status).
Error: ``{"error": {"code": str, "message": str}}``. 204 carries no body.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from paypulse_common.errors import (
    InvalidJsonError,
    InvalidRequestError,
    MissingFieldsError,
    PayloadTooLargeError,
    PayPulseError,
)

MAX_BODY_BYTES = 64 * 1024
_BRACKET_KEY = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")


def json_default(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: integral → int, else float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=json_default, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Request:
    method: str
    path: str
    route_key: str
    headers: dict[str, str]
    query: dict[str, str]
    path_params: dict[str, str]
    body: bytes
    request_id: str = ""
    source_ip: str = ""

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Request:
        http = event.get("requestContext", {}).get("http", {})
        raw = event.get("body") or ""
        if len(raw) > MAX_BODY_BYTES * 4 // 3 + 4:
            raise PayloadTooLargeError(f"Request body exceeds {MAX_BODY_BYTES} bytes")
        if event.get("isBase64Encoded") and raw:
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise InvalidRequestError("Request body is not valid base64") from exc
        else:
            body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLargeError(f"Request body exceeds {MAX_BODY_BYTES} bytes")
        return cls(
            method=http.get("method", "GET").upper(),
            path=http.get("path", event.get("rawPath", "/")),
            route_key=event.get("routeKey", ""),
            headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
            query=dict(event.get("queryStringParameters") or {}),
            path_params=dict(event.get("pathParameters") or {}),
            body=body,
            request_id=event.get("requestContext", {}).get("requestId", ""),
            source_ip=http.get("sourceIp", ""),
        )

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJsonError("Request body is not UTF-8") from exc

    def json(self) -> dict[str, Any]:
        """The JSON object body; an empty body is an empty object."""
        text = self.text().strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise InvalidJsonError() from exc
        if not isinstance(value, dict):
            raise InvalidJsonError("Request body must be a JSON object")
        return value

    def form(self) -> dict[str, Any]:
        """x-www-form-urlencoded body, with Alamofire's ``a[]=x`` arrays and ``m[k]=v`` maps."""
        out: dict[str, Any] = {}
        for key, value in parse_qsl(self.text(), keep_blank_values=True, max_num_fields=200):
            m = _BRACKET_KEY.match(key)
            if not m:
                out[key] = value
            elif m.group(2) == "":
                existing = out.setdefault(m.group(1), [])
                if isinstance(existing, list):
                    existing.append(value)
            else:
                existing = out.setdefault(m.group(1), {})
                if isinstance(existing, dict):
                    existing[m.group(2)] = value
        return out

    def payload(self) -> dict[str, Any]:
        """The body as a dict, by content type (form-urlencoded or JSON)."""
        if self.content_type == "application/x-www-form-urlencoded":
            return self.form()
        return self.json()


def require_strings(payload: Mapping[str, Any], *names: str) -> list[str]:
    """Values of required string fields; MissingFieldsError names every missing one."""
    missing = [n for n in names if not isinstance(payload.get(n), str) or not payload[n].strip()]
    if missing:
        raise MissingFieldsError(*missing)
    return [payload[n] for n in names]


@dataclass
class Response:
    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)

    def to_event(self) -> dict[str, Any]:
        """The Lambda proxy result API Gateway turns into the HTTP response."""
        if self.status == 204 or self.body is None:
            return {"statusCode": self.status, "headers": dict(self.headers), "body": ""}
        return {
            "statusCode": self.status,
            "headers": {"content-type": "application/json", **self.headers},
            "body": dumps(self.body),
        }


def ok(data: Any = None, message: str = "OK", status: int = 200) -> Response:
    return Response(status, {"message": message, "code": status, "data": data})


def created(data: Any = None, message: str = "Created") -> Response:
    return ok(data, message, 201)


def no_content() -> Response:
    return Response(204, None)


def error_response(error: PayPulseError) -> Response:
    return Response(error.http_status, {"error": {"code": error.code, "message": error.message}})
