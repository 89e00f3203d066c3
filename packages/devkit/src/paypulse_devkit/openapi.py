"""OpenAPI 3.1 document generated from the function declarations (routes, auth) and each
handler's ``Contract`` (paypulse_common.http): the same models the runtime validates requests
with. Nothing here restates a field, a parameter or a status."""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from typing import Any

from infra.workspace import Function, Route, Workspace
from paypulse_common import errors as err
from paypulse_common.http import Contract
from paypulse_common.schema import Obj, Schema, components

_ENVELOPE = "#/components/schemas/"
_EVERY_ROUTE: tuple[type[err.PayPulseError], ...] = (err.InternalError, err.DependencyError)
_AUTHENTICATED = (err.InvalidCredentialsError, err.InvalidTokenError, err.TokenExpiredError)
_WITH_INPUT = (err.InvalidRequestError, err.MissingFieldsError)
_WITH_BODY = (err.InvalidJsonError, err.PayloadTooLargeError)


def contract_of(fn: Function, route: Route) -> Contract:
    """The contract the handler of ``fn`` validates ``route`` with."""
    declared = importlib.import_module(fn.module).handler.contract
    return declared if isinstance(declared, Contract) else declared[str(route)]


def route_errors(fn: Function, contract: Contract) -> list[type[err.PayPulseError]]:
    """Every error class the route can answer with: its own plus the runtime's."""
    found = [*_EVERY_ROUTE, *contract.errors]
    if fn.auth != "none":
        found += _AUTHENTICATED
    if contract.params is not None or contract.body is not None:
        found += _WITH_INPUT
    if contract.body is not None:
        found += _WITH_BODY
    return list(dict.fromkeys(found))


def _ref(schema: Schema) -> dict[str, Any]:
    if isinstance(schema, Obj) and schema.name:
        return {"$ref": _ENVELOPE + schema.name}
    return schema.json_schema()


def _parameters(route: Route, contract: Contract) -> list[dict[str, Any]]:
    in_path = set(re.findall(r"{([^}]+)}", route.path))
    out = []
    for name, schema in (contract.params.fields if contract.params else {}).items():
        where = "path" if name in in_path else "query"
        param: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in contract.params.required,  # type: ignore[union-attr]
            "schema": schema.json_schema(),
        }
        if schema.description:
            param["description"] = schema.description
        out.append(param)
    missing = in_path - {p["name"] for p in out}
    assert not missing, f"{route}: path parameters without a model: {sorted(missing)}"
    return out


def _request_body(contract: Contract) -> dict[str, Any] | None:
    body = contract.body
    if body is None:
        return None
    content: dict[str, Any] = {"application/json": {"schema": _ref(body)}}
    if contract.form:
        deep = {
            k: {"style": "deepObject", "explode": True}
            for k, v in body.fields.items()
            if isinstance(v, Obj)
        }
        content["application/x-www-form-urlencoded"] = {"schema": _ref(body)}
        if deep:
            content["application/x-www-form-urlencoded"]["encoding"] = deep
    return {"required": bool(body.required), "content": content}


def _success(status: int, data: Schema | None) -> dict[str, Any]:
    if status == 204:
        return {"description": "No content (no body)"}
    envelope = {
        "type": "object",
        "required": ["message", "code", "data"],
        "properties": {
            "message": {"type": "string"},
            "code": {"const": status},
            "data": _ref(data) if data is not None else {"type": "null"},
        },
    }
    return {"description": "Success", "content": {"application/json": {"schema": envelope}}}


def _failures(classes: list[type[err.PayPulseError]]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = defaultdict(list)
    for cls in classes:
        if cls.code not in by_status[cls.http_status]:
            by_status[cls.http_status].append(cls.code)
    out: dict[str, Any] = {}
    for status, codes in sorted(by_status.items()):
        schema = {
            "allOf": [
                {"$ref": _ENVELOPE + "Error"},
                {"properties": {"error": {"properties": {"code": {"enum": sorted(codes)}}}}},
            ]
        }
        out[str(status)] = {
            "description": ", ".join(sorted(codes)),
            "content": {"application/json": {"schema": schema}},
        }
    return out


def _operation_id(ws: Workspace, fn: Any, route: Any) -> str:
    """The function's name; with several routes, plus the path's last segment, or the whole
    path when that segment is not unique among them (``.../rental/ingest/status``)."""
    mine = [r for r, f in ws.routes() if f.name == fn.name]
    if len(mine) == 1:
        return str(fn.name)
    last = route.path.rsplit("/", 1)[-1]
    if sum(1 for r in mine if r.path.rsplit("/", 1)[-1] == last) == 1:
        return f"{fn.name}_{last}"
    slug = "_".join(p for p in route.path.split("/") if p and not p.startswith("{"))
    return f"{fn.name}_{slug}"


def build(ws: Workspace, server_url: str | None = None) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Obj] = {}
    for route, fn in ws.routes():
        contract = contract_of(fn, route)
        for model in [contract.body, contract.params, *contract.responses.values()]:
            if model is not None:
                components(model, schemas)
        op: dict[str, Any] = {
            "operationId": _operation_id(ws, fn, route),
            "summary": contract.summary or fn.description,
            "description": contract.description or fn.description,
            "parameters": _parameters(route, contract),
            "responses": {
                **{str(s): _success(s, m) for s, m in sorted(contract.responses.items())},
                **_failures(route_errors(fn, contract)),
            },
        }
        body = _request_body(contract)
        if body is not None:
            op["requestBody"] = body
        if fn.auth != "none":
            op["security"] = [{"bearer": []}]
        paths.setdefault(route.path, {})[route.method.lower()] = op
    every_code = sorted({c.code for c in _all_errors()})
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "PayPulse Cloud API", "version": "1.0.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string", "enum": every_code},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                **{name: schemas[name].json_schema() for name in sorted(schemas)},
            },
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


def _all_errors() -> list[type[err.PayPulseError]]:
    out: list[type[err.PayPulseError]] = []
    stack: list[type[err.PayPulseError]] = [err.PayPulseError]
    while stack:
        cls = stack.pop()
        out.append(cls)
        stack.extend(cls.__subclasses__())
    return out
