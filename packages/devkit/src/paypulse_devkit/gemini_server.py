"""A local Gemini API (``generateContent``) answering from recorded fixtures, so the real
google-genai client can be pointed at it through ``HttpOptions(base_url=...)``.

Fixture file (JSON, any name in ``fixtures_dir``)::

    {"match": {"text_sha256": "<sha256 of the request's text parts>"}   # exact request, or
              {"contains": ["Zalando", "clothing orders"]},             # all substrings present
     "response": {...the JSON object the model returns...}             # or "response_text": "..."
     "status": 200}                                                    # optional error status

Requests whose ``responseSchema`` is not an OBJECT schema, or whose fixture answer lacks a
required property of that schema, get a 400 INVALID_ARGUMENT, so schema drift fails tests.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Any

from paypulse_devkit.loopback import LoopbackServer

_PATH = re.compile(r"^/(v1|v1beta|v1alpha)/models/(?P<model>[^/:]+):generateContent$")
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def request_text(body: dict) -> str:
    """All text parts of a generateContent request body, joined by newlines."""
    parts = []
    for content in body.get("contents") or []:
        for part in (content or {}).get("parts") or []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
    return "\n".join(parts)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class GeminiServer:
    """Threaded local server; ``start()`` returns the base URL (port 0 → a free port)."""

    def __init__(self, fixtures_dir: Path | None = None, api_key: str = "local-gemini-key") -> None:
        self.api_key = api_key
        self.fixtures: list[dict] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._httpd: LoopbackServer | None = None
        if fixtures_dir is not None:
            for path in sorted(Path(fixtures_dir).glob("*.json")):
                self.add_fixture(**json.loads(path.read_text(encoding="utf-8")))

    def add_fixture(
        self,
        match: dict,
        response: Any = None,
        response_text: str | None = None,
        status: int = 200,
        **_: Any,
    ) -> None:
        """Register an answer (same shape as a fixture file)."""
        text = response_text if response_text is not None else json.dumps(response)
        with self._lock:
            self.fixtures.append({"match": match, "text": text, "status": status})

    def start(self) -> str:
        self._httpd = LoopbackServer(self._handle)
        return self._httpd.start()

    def _handle(
        self, method: str, path: str, query: dict, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if method == "POST":
            status, payload = self._answer(path, headers, body)
        else:
            status, payload = 404, _error(404, f"no route for {method} {path}")
        return (
            status,
            {"content-type": "application/json; charset=UTF-8"},
            json.dumps(payload).encode(),
        )

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("GeminiServer is not started")
        return self._httpd.url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.stop()
            self._httpd = None

    def __enter__(self) -> GeminiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ request handling
    def _answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict]:
        path = path.split("?", 1)[0]
        lower = {k.lower(): v for k, v in headers.items()}
        record: dict[str, Any] = {
            "path": path,
            "api_key_ok": lower.get("x-goog-api-key") == self.api_key,
        }
        with self._lock:
            self.requests.append(record)
        route = _PATH.match(path)
        if not route:
            return 404, _error(404, f"no route for POST {path}")
        record["model"] = route.group("model")
        if not record["api_key_ok"]:
            return 401, _error(401, "API key not valid. Please pass a valid API key.")
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return 400, _error(400, "Invalid JSON payload received.")
        text = request_text(body)
        config = body.get("generationConfig") or {}
        schema = config.get("responseSchema") or config.get("responseJsonSchema")
        record.update(
            body=body,
            text=text,
            text_sha256=text_hash(text),
            response_schema=schema,
            response_mime_type=config.get("responseMimeType"),
        )
        fixture = self._find(text)
        if fixture is None:
            return 404, _error(404, "no recorded fixture matches this request")
        if fixture["status"] != 200:
            return fixture["status"], _error(fixture["status"], "recorded error")
        problem = _schema_problem(schema, fixture["text"], config.get("responseMimeType"))
        if problem:
            return 400, _error(400, problem)
        return 200, {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": fixture["text"]}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": max(1, len(text) // 4),
                "candidatesTokenCount": max(1, len(fixture["text"]) // 4),
                "totalTokenCount": max(1, len(text) // 4) + len(fixture["text"]) // 4,
            },
            "modelVersion": record["model"],
        }

    def _find(self, text: str) -> dict | None:
        digest = text_hash(text)
        with self._lock:
            fixtures = list(self.fixtures)
        for fixture in fixtures:
            if fixture["match"].get("text_sha256") == digest:
                return fixture
        for fixture in fixtures:
            contains = fixture["match"].get("contains")
            if contains and all(s in text for s in contains):
                return fixture
        return None


def _error(code: int, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": _STATUS.get(code, "UNKNOWN")}}


def _schema_problem(schema: Any, answer: str, mime: str | None) -> str | None:
    if schema is None:
        return None
    if mime != "application/json":
        return "responseSchema requires responseMimeType application/json"
    if not isinstance(schema, dict) or str(schema.get("type", "")).upper() != "OBJECT":
        return "responseSchema must be an OBJECT schema"
    try:
        data = json.loads(answer)
    except json.JSONDecodeError:
        return None  # recorded invalid JSON is a legitimate fixture (model misbehaving)
    if not isinstance(data, dict):
        return None
    props = schema.get("properties") or {}
    missing = [k for k in schema.get("required") or [] if k not in data]
    unknown = [k for k in data if props and k not in props]
    if missing or unknown:
        return f"fixture does not fit responseSchema (missing {missing}, unknown {unknown})"
    return None
