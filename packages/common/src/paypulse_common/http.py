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
    PayloadTooLargeError,
    PayPulseError,
)
from paypulse_common.schema import Obj, Schema

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
MAX_FORM_FIELDS = 200
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
    params: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

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
        """The JSON object body; an empty body is an empty object. Strict JSON (RFC 8259): no
        NaN/Infinity, no nesting beyond ``MAX_JSON_DEPTH``, no lone surrogates."""
        return parse_json_object(self.text())

    def form(self) -> dict[str, Any]:
        """x-www-form-urlencoded body, with Alamofire's ``a[]=x`` arrays and ``m[k]=v`` maps
        (OpenAPI's ``deepObject``); a key given more than once becomes a list."""
        try:
            pairs = parse_qsl(
                self.text(),
                keep_blank_values=True,
                max_num_fields=MAX_FORM_FIELDS,
                strict_parsing=False,
            )
        except ValueError as exc:  # more than MAX_FORM_FIELDS fields
            raise InvalidRequestError(
                f"A form body may have at most {MAX_FORM_FIELDS} fields"
            ) from exc
        out: dict[str, Any] = {}
        for key, value in pairs:
            m = _BRACKET_KEY.match(key)
            if not m:
                if key in out:  # a repeated key is a list (OpenAPI's form style, explode)
                    previous = out[key]
                    out[key] = (
                        [*previous, value] if isinstance(previous, list) else [previous, value]
                    )
                else:
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

    @property
    def is_form(self) -> bool:
        return self.content_type == "application/x-www-form-urlencoded"

    def payload(self) -> dict[str, Any]:
        """The body as a dict, by content type (form-urlencoded or JSON)."""
        return self.form() if self.is_form else self.json()

    def bind(self, contract: Contract) -> None:
        """Validate path, query and body against the route's contract (``params``, ``data``)."""
        self.params = (
            contract.params.parse({**self.query, **self.path_params}, from_text=True)
            if contract.params
            else {}
        )
        if contract.body is not None:
            form = contract.form and self.is_form
            payload = self.form() if form else self.json()
            self.data = contract.body.parse(payload, from_text=form, form=form)


def _reject_constant(name: str) -> Any:
    raise InvalidJsonError(f"{name} is not valid JSON")


def parse_json_object(text: str) -> dict[str, Any]:
    text = text.strip()
    if not text:
        return {}
    if _nesting(text) > MAX_JSON_DEPTH:
        raise InvalidJsonError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, InvalidJsonError):
            raise
        raise InvalidJsonError() from exc
    if not isinstance(value, dict):
        raise InvalidJsonError("Request body must be a JSON object")
    return value


def _nesting(text: str) -> int:
    """Bracket depth outside strings, counted without recursion (json.loads recurses once per
    level and would hit the interpreter's limit on hostile input)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


@dataclass(frozen=True)
class Contract:
    """What a route accepts and answers: the one declaration the runtime validates requests
    with and the OpenAPI document is generated from.

    ``params``: path and query parameters as one object model (names in the route's path are
    path parameters, the others query parameters); ``body``: the JSON body model (``form``: also accepted form-urlencoded);
    ``responses``: status -> model of ``data`` (None: ``data`` is null; 204: no body);
    ``errors``: the route's own error classes beyond the ones every route can return."""

    summary: str
    responses: Mapping[int, Schema | None]
    params: Obj | None = None
    body: Obj | None = None
    form: bool = False
    errors: tuple[type[PayPulseError], ...] = ()
    description: str = ""


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
