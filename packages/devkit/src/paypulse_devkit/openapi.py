"""OpenAPI 3.1 document built from the function declarations and the app's models."""

from __future__ import annotations

import re
from typing import Any

from infra.workspace import Workspace
from paypulse_devkit import app_contract as models

_SUCCESS_STATUS = {"signup_user": "201", "gmail_store_tokens": "201"}


def build(ws: Workspace, server_url: str | None = None) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route, fn in ws.routes():
        params = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in re.findall(r"{([^}]+)}", route.path)
        ]
        data = models.RESPONSE_MODELS.get(fn.name)
        success = {
            "type": "object",
            "required": ["message", "code"],
            "properties": {
                "message": {"type": "string"},
                "code": {"type": "integer"},
                "data": {"anyOf": [data, {"type": "null"}]} if data else {"type": "null"},
            },
        }
        op: dict[str, Any] = {
            "operationId": fn.name,
            "summary": fn.description,
            "parameters": params,
            "responses": {
                _SUCCESS_STATUS.get(fn.name, "200"): {
                    "description": "Success",
                    "content": {"application/json": {"schema": success}},
                },
                "default": {
                    "description": "Error envelope",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
        if fn.auth != "none":
            op["security"] = [{"bearer": []}]
        if route.method in ("POST", "PUT", "PATCH"):
            op["requestBody"] = {
                "required": False,
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                },
            }
        paths.setdefault(route.path, {})[route.method.lower()] = op
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "PayPulse Cloud API", "version": "1.0.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": {"Error": models.ErrorResponse},
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
