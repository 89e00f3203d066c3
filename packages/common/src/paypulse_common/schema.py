"""Request and response models: one declaration validates input and is the JSON Schema the
OpenAPI document is generated from (no second copy).

A model is a tree of small frozen dataclasses (``Str``, ``Int``, ``Num``, ``Bool``, ``Arr``,
``Obj``, ``Map``, ``AnyOf``). ``json_schema()`` returns JSON Schema 2020-12 (OpenAPI 3.1);
``parse(value)`` checks a decoded value against the same declaration and returns it, raising the
app's errors: ``MissingFieldsError`` (MISSING_FIELDS) for absent required fields,
``InvalidRequestError`` (INVALID_REQUEST) for everything else. Strings are checked with Python's
``re.search`` on the declared pattern, as JSON Schema patterns are (unanchored), and must be
valid Unicode (no lone surrogates: DynamoDB and every JSON encoder downstream reject them).

Query strings and form bodies only carry strings: ``parse(value, from_text=True)`` converts
``"12"`` to 12 and ``"true"`` to True where the model says integer or boolean.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from paypulse_common.errors import InvalidRequestError, MissingFieldsError

NOT_BLANK = r"\S"
_INT_TEXT = re.compile(r"^-?[0-9]{1,18}$")


def _where(path: str) -> str:
    return f"'{path}'" if path else "the value"


def _invalid(path: str, what: str) -> InvalidRequestError:
    return InvalidRequestError(f"{_where(path)} {what}")


class Schema:
    """Base of every model node."""

    description: str = ""

    def json_schema(self) -> dict[str, Any]:  # pragma: no cover - every node overrides
        raise NotImplementedError

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> Any:
        raise NotImplementedError  # pragma: no cover

    def _doc(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass(frozen=True)
class Str(Schema):
    min_length: int = 0
    max_length: int = 1024
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    format: str | None = None
    description: str = ""
    _compiled: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.pattern is not None:
            object.__setattr__(self, "_compiled", re.compile(self.pattern))

    def json_schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "string"}
        if self.enum is not None:
            s["enum"] = list(self.enum)
        else:
            if self.min_length:
                s["minLength"] = self.min_length
            s["maxLength"] = self.max_length
            if self.pattern is not None:
                s["pattern"] = self.pattern
        if self.format is not None:
            s["format"] = self.format
        return self._doc(s)

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> str:
        if not isinstance(value, str):
            raise _invalid(path, "must be a string")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _invalid(path, "must be valid Unicode text") from exc
        if self.enum is not None:
            if value not in self.enum:
                raise _invalid(path, f"must be one of {', '.join(self.enum)}")
            return value
        if not self.min_length <= len(value) <= self.max_length:
            raise _invalid(path, f"must be {self.min_length} to {self.max_length} characters")
        if self._compiled is not None and not self._compiled.search(value):
            raise _invalid(path, "has an invalid format")
        if self.format == "date":
            try:
                date.fromisoformat(value) if len(value) == 10 else None
            except ValueError:
                value = ""
            if len(value) != 10:
                raise _invalid(path, "must be a date as YYYY-MM-DD")
        return value


@dataclass(frozen=True)
class Int(Schema):
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        return self._doc(s)

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> int:
        if from_text and isinstance(value, str) and _INT_TEXT.match(value):
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(path, "must be an integer")
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise _invalid(path, f"must be from {self.minimum} to {self.maximum}")
        return value


@dataclass(frozen=True)
class Num(Schema):
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        return self._doc({"type": "number"})

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> Any:
        if from_text and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(path, "must be a number")
        if value != value or value in (float("inf"), float("-inf")):
            raise _invalid(path, "must be a finite number")
        return value


@dataclass(frozen=True)
class Bool(Schema):
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        return self._doc({"type": "boolean"})

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> bool:
        if from_text and isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise _invalid(path, "must be true or false")
        return value


@dataclass(frozen=True)
class Null(Schema):
    def json_schema(self) -> dict[str, Any]:
        return {"type": "null"}

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> None:
        if value is not None:
            raise _invalid(path, "must be null")


@dataclass(frozen=True)
class Arr(Schema):
    items: Schema
    max_items: int = 100
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        return self._doc(
            {"type": "array", "items": self.items.json_schema(), "maxItems": self.max_items}
        )

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> list[Any]:
        if from_text and isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise _invalid(path, "must be an array")
        if len(value) > self.max_items:
            raise _invalid(path, f"may hold at most {self.max_items} items")
        return [
            self.items.parse(v, f"{path}[{i}]", from_text=from_text) for i, v in enumerate(value)
        ]


@dataclass(frozen=True)
class AnyOf(Schema):
    options: tuple[Schema, ...]
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        return self._doc({"anyOf": [o.json_schema() for o in self.options]})

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> Any:
        first: InvalidRequestError | None = None
        for option in self.options:
            try:
                return option.parse(value, path, from_text=from_text)
            except InvalidRequestError as exc:
                first = first or exc
        assert first is not None
        raise first


def nullable(schema: Schema) -> AnyOf:
    return AnyOf((schema, Null()))


@dataclass(frozen=True)
class Obj(Schema):
    """A JSON object. ``required`` names the fields that must be present (and, for strings,
    not blank); others may be absent or null. ``extra`` is the schema of undeclared keys
    (None: accepted and dropped from the parsed value; False: rejected)."""

    fields: Mapping[str, Schema]
    required: tuple[str, ...] = ()
    extra: Schema | bool | None = None
    name: str | None = None  # a named component in the OpenAPI document
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        props = {
            k: (v.json_schema() if k in self.required else nullable(v).json_schema())
            for k, v in self.fields.items()
        }
        s: dict[str, Any] = {"type": "object", "properties": props}
        if self.required:
            s["required"] = list(self.required)
        if self.extra is False:
            s["additionalProperties"] = False
        elif isinstance(self.extra, Schema):
            s["additionalProperties"] = self.extra.json_schema()
        return self._doc(s)

    def parse(
        self, value: Any, path: str = "", *, from_text: bool = False, form: bool = False
    ) -> dict[str, Any]:
        """``form``: a form body, where a null is sent as the text "null" (query strings have
        no null: there "null" is just an invalid integer or boolean)."""
        if not isinstance(value, Mapping):
            raise _invalid(path, "must be an object")
        prefix = f"{path}." if path else ""
        missing = [
            k
            for k in self.required
            if value.get(k) is None or (isinstance(value.get(k), str) and not value[k].strip())
        ]
        if missing:
            raise MissingFieldsError(*(prefix + k for k in missing))
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = self.fields.get(key)
            if sub is not None:
                # Form bodies carry a null as the text "null" (not a value of a non-string type).
                if item is None or (form and item == "null" and not isinstance(sub, Str)):
                    continue
                out[key] = sub.parse(item, prefix + key, from_text=from_text)
            elif self.extra is False:
                raise _invalid(prefix + str(key), "is not a known field")
            elif isinstance(self.extra, Schema):
                out[key] = self.extra.parse(item, prefix + str(key), from_text=from_text)
        return out


@dataclass(frozen=True)
class Map(Schema):
    """An object used as a dictionary: keys matching ``keys`` map to ``values``."""

    values: Schema
    keys: str = r"^.+$"
    max_keys: int = 100
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        return self._doc(
            {
                "type": "object",
                "patternProperties": {self.keys: self.values.json_schema()},
                "additionalProperties": False,
                "maxProperties": self.max_keys,
            }
        )

    def parse(self, value: Any, path: str = "", *, from_text: bool = False) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _invalid(path, "must be an object")
        if len(value) > self.max_keys:
            raise _invalid(path, f"may hold at most {self.max_keys} keys")
        prefix = f"{path}." if path else ""
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str) or not re.search(self.keys, key):
                raise _invalid(prefix + str(key), "is not an allowed key")
            Str().parse(key, prefix + key)
            out[key] = self.values.parse(item, prefix + key, from_text=from_text)
        return out


def components(root: Schema, found: dict[str, Obj] | None = None) -> dict[str, Obj]:
    """Every named ``Obj`` under ``root`` (for the OpenAPI components section)."""
    found = {} if found is None else found
    children: list[Schema] = []
    if isinstance(root, Obj):
        if root.name:
            found.setdefault(root.name, root)
        children = list(root.fields.values())
        if isinstance(root.extra, Schema):
            children.append(root.extra)
    elif isinstance(root, Arr):
        children = [root.items]
    elif isinstance(root, Map):
        children = [root.values]
    elif isinstance(root, AnyOf):
        children = list(root.options)
    for child in children:
        components(child, found)
    return found
