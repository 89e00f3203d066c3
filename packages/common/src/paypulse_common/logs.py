"""Structured JSON logs with the invocation's request id. Never pass secrets, tokens, passwords
or e-mail bodies.

In Lambda the functions use Lambda's own JSON log format (``logging_config.log_format = JSON``):
the runtime puts a handler on the root logger that writes one JSON object per record with
``timestamp``, ``level``, ``message``, ``logger``, ``requestId`` and every ``extra`` field, and
applies the function's application log level. So in Lambda (``AWS_LAMBDA_FUNCTION_NAME`` is
set) ``paypulse`` loggers only propagate to it. Anywhere else (local stack, tests, CLI) the
same fields are written by ``JsonFormatter``, with the request id the runtime adapter binds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "aws_request_id",
}
_request_id: ContextVar[str | None] = ContextVar("paypulse_request_id", default=None)


def request_id() -> str | None:
    """The request id of the invocation running in this context (None outside one)."""
    return _request_id.get()


@contextlib.contextmanager
def bound_request(value: str | None) -> Iterator[None]:
    """Log records made inside carry ``requestId`` (tasks and ``to_thread`` copies inherit it)."""
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """Lambda's JSON log fields, for runs outside Lambda."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        rid = getattr(record, "aws_request_id", None) or _request_id.get()
        if rid:
            entry["requestId"] = rid
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["errorType"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["stackTrace"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def get_logger(name: str) -> logging.Logger:
    root = logging.getLogger("paypulse")
    if root.level == logging.NOTSET:
        # Records at this level or above are made; propagation reaches the root logger's
        # handlers whatever the root logger's own level (Lambda then applies its log level).
        root.setLevel(os.environ.get("PAYPULSE_LOG_LEVEL", "INFO"))
        if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:  # not in Lambda: write them ourselves
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(JsonFormatter())
            root.addHandler(handler)
            root.propagate = False
    return logging.getLogger(name)
