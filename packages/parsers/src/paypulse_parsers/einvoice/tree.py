"""Namespace-agnostic navigation of an ElementTree by local names (CII and UBL documents use
several namespace prefixes and versions; the local names are what the standards fix)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from paypulse_parsers.einvoice.xml_safety import local

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


def children(el: Element | None, name: str) -> Iterator[Element]:
    if el is None:
        return
    for child in el:
        if local(child.tag) == name:
            yield child


def find(el: Element | None, *path: str) -> Element | None:
    """The first element at ``path`` (local names) below ``el``."""
    for name in path:
        el = next(children(el, name), None)
        if el is None:
            return None
    return el


def text(el: Element | None, *path: str) -> str | None:
    found = find(el, *path) if path else el
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def amount(el: Element | None, *path: str) -> Decimal | None:
    """A decimal amount (``xsd:decimal``: optional sign, digits, dot)."""
    raw = text(el, *path)
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
