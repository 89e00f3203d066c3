"""Vendor configurations: loading and validating ``vendor_configs/*.json`` and building the
per-vendor Gmail query (backend spec §(f)). Standard library only.

A vendor file is plain JSON validated against ``vendor_configs/schema.json`` by the small
JSON-Schema subset validator below (type, enum, pattern, required, properties,
additionalProperties, items, minItems, uniqueItems, minLength, maxLength, anyOf, $ref).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from paypulse_common.categories import RETAIL_SUB_TYPES
from paypulse_common.errors import ConfigurationError

SCHEMA_FILE = "schema.json"
_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "number": (int, float),
    "integer": int,
}


def load_vendor_configs(folder: Path, *, include_inactive: bool = True) -> list[dict]:
    """Every ``<vendor_id>.json`` in ``folder`` (not ``schema.json``), validated, sorted by id.

    Raises ConfigurationError naming the file and the failing path when anything is invalid.
    """
    folder = Path(folder)
    schema = json.loads((folder / SCHEMA_FILE).read_text(encoding="utf-8"))
    vendors: list[dict] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name == SCHEMA_FILE:
            continue
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigurationError(f"{path.name}: not valid UTF-8 JSON ({exc})") from exc
        problems = validate(config, schema)
        problems += _semantic_problems(config, path.name)
        if problems:
            raise ConfigurationError(f"{path.name}: " + "; ".join(problems))
        vid = config["vendor_id"]
        if vid in seen:
            raise ConfigurationError(f"{path.name}: vendor_id {vid!r} already used by {seen[vid]}")
        seen[vid] = path.name
        if include_inactive or config["active"]:
            vendors.append(config)
    return vendors


def _semantic_problems(config: Any, file_name: str) -> list[str]:
    if not isinstance(config, dict):
        return []
    problems = []
    vid = config.get("vendor_id")
    if f"{vid}.json" != file_name:
        problems.append(f"file name must be {vid}.json")
    category, sub_type = config.get("invoice_category"), config.get("invoice_sub_type")
    if category == "retail" and sub_type not in RETAIL_SUB_TYPES:
        problems.append(f"invoice_sub_type {sub_type!r} is not a retail sub-type")
    if category == "rental" and (sub_type != "rental" or "parser" not in config):
        problems.append("a rental vendor needs invoice_sub_type 'rental' and a parser")
    return problems


def validate(
    instance: Any, schema: dict, *, root: dict | None = None, path: str = "$"
) -> list[str]:
    """Problems (``"<json path>: <reason>"``) of ``instance`` against a JSON Schema subset."""
    root = schema if root is None else root
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return [f"{path}: unsupported $ref {ref}"]
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        return validate(instance, target, root=root, path=path)
    if "anyOf" in schema:
        options = [validate(instance, s, root=root, path=path) for s in schema["anyOf"]]
        if all(options):
            best = min(options, key=len)
            return [f"{path}: matches none of the allowed shapes ({best[0]})"]
    expected = schema.get("type")
    if expected is not None:
        py_type = _TYPES[expected]
        is_bool = isinstance(instance, bool)
        if not isinstance(instance, py_type) or (is_bool and expected in ("number", "integer")):
            return [f"{path}: expected {expected}"]
    problems: list[str] = []
    if "const" in schema and instance != schema["const"]:
        problems.append(f"{path}: must be {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        problems.append(f"{path}: {instance!r} not one of {schema['enum']}")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            problems.append(f"{path}: too short")
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            problems.append(f"{path}: too long")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            problems.append(f"{path}: {instance!r} does not match {schema['pattern']}")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            problems.append(f"{path}: needs at least {schema['minItems']} item(s)")
        if schema.get("uniqueItems"):
            dumped = [json.dumps(v, sort_keys=True) for v in instance]
            if len(set(dumped)) != len(dumped):
                problems.append(f"{path}: items must be unique")
        if "items" in schema:
            for i, item in enumerate(instance):
                problems += validate(item, schema["items"], root=root, path=f"{path}[{i}]")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                problems.append(f"{path}: missing {key!r}")
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                problems += validate(value, props[key], root=root, path=f"{path}.{key}")
            elif extra is False:
                problems.append(f"{path}: unexpected property {key!r}")
            elif isinstance(extra, dict):
                problems += validate(value, extra, root=root, path=f"{path}.{key}")
    return problems


def vendor_for_sender(vendors: list[dict], sender: str) -> dict | None:
    """The vendor whose sender_patterns contain the address in ``sender`` (case-insensitive)."""
    match = re.search(r"[\w.+%&-]+@[\w.-]+", sender or "")
    if not match:
        return None
    address = match.group(0).lower()
    for vendor in vendors:
        if address in (s.lower() for s in vendor.get("sender_patterns", [])):
            return vendor
    return None
