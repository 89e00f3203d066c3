"""Tolerant JSON-LD reading: real e-mails carry trailing commas, several objects without an
enclosing array, HTML comments/CDATA around the JSON, ``@graph`` wrappers and type arrays."""

from __future__ import annotations

import html
import json
import re
from typing import Any

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")


def _loads(text: str) -> Any:
    return json.loads(text, strict=False)


def parse_jsonld_block(raw: str) -> list[dict]:
    """Top-level schema.org objects of one ``<script type="application/ld+json">`` block."""
    text = _WRAPPERS.sub("", raw.strip()).strip()
    if not text:
        return []
    candidates = [text, _TRAILING_COMMA.sub(r"\1", text)]
    fixed = _TRAILING_COMMA.sub(r"\1", text)
    # objects concatenated without commas: "}{" or "} {" at top level
    candidates.append(re.sub(r"}\s*{", "},{", fixed))
    candidates.append("[" + re.sub(r"}\s*{", "},{", fixed) + "]")
    candidates.append(html.unescape(fixed))
    for candidate in candidates:
        try:
            data = _loads(candidate)
        except (json.JSONDecodeError, RecursionError, ValueError):
            continue
        return _objects(data)
    return _objects(_raw_decode_all(fixed))


def _raw_decode_all(text: str) -> list[Any]:
    """As many JSON values as can be decoded one after another (skipping junk between them)."""
    decoder = json.JSONDecoder(strict=False)
    values, i = [], 0
    while i < len(text):
        start = min((p for p in (text.find("{", i), text.find("[", i)) if p >= 0), default=-1)
        if start < 0:
            break
        try:
            value, end = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError):
            i = start + 1
            continue
        values.append(value)
        i = end
    return values


def _objects(data: Any) -> list[dict]:
    if isinstance(data, list):
        return [o for item in data for o in _objects(item)]
    if not isinstance(data, dict):
        return []
    if "@graph" in data and isinstance(data["@graph"], list):
        context = data.get("@context")
        out = []
        for o in _objects(data["@graph"]):
            if context and "@context" not in o:
                o = {"@context": context, **o}
            out.append(o)
        return out
    return [data]


def types_of(obj: Any) -> list[str]:
    """Short schema.org type names of an object (``http://schema.org/Order`` → ``Order``)."""
    if not isinstance(obj, dict):
        return []
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [str(v).rstrip("/").rsplit("/", 1)[-1] for v in values if isinstance(v, str) and v]
