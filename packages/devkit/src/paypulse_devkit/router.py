"""Route matching as API Gateway HTTP APIs do it: literal segments beat ``{param}`` segments,
so ``GET /v1/invoices/rental/ingest`` reaches ``GET /v1/invoices/rental/{invoice_id}`` while
``POST /v1/invoices/rental/ingest`` is its own resource."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from infra.workspace import Function, Route


@dataclass(frozen=True)
class Match:
    route: Route
    function: Function
    path_params: dict[str, str]


class Router:
    def __init__(self, routes: list[tuple[Route, Function]]) -> None:
        self._routes = [(r, f, r.path.strip("/").split("/")) for r, f in routes]

    def match(self, method: str, path: str) -> tuple[Match | None, list[str]]:
        """The best match for method+path, and the methods allowed on the path (for 405)."""
        segments = [unquote(s) for s in path.strip("/").split("/")]
        candidates: list[tuple[tuple[int, ...], Match]] = []
        bound: list[tuple[tuple[int, ...], str]] = []
        for route, fn, pattern in self._routes:
            params = _bind(pattern, segments)
            if params is None:
                continue
            specificity = tuple(0 if p.startswith("{") else 1 for p in pattern)
            bound.append((specificity, route.method))
            if route.method == method:
                candidates.append((specificity, Match(route, fn, params)))
        # Allow: the methods of the most specific resource the path names (a literal
        # /rental/ingest is its own resource, not an id under /rental/{invoice_id}).
        best = max((b[0] for b in bound), default=())
        allowed = sorted({m for spec, m in bound if spec == best})
        if not candidates:
            return None, allowed
        return max(candidates, key=lambda c: c[0])[1], allowed


def _bind(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for p, s in zip(pattern, segments, strict=True):
        if p.startswith("{") and p.endswith("}"):
            if not s:
                return None
            params[p[1:-1]] = s
        elif p != s:
            return None
    return params
