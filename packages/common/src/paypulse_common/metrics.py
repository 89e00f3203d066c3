"""What the functions count, as CloudWatch embedded metric format (EMF) lines on stdout in Lambda.

Lambda sends stdout to the function's log group and CloudWatch Logs turns every log event that
follows the EMF specification into metrics; no agent and no PutMetricData call (AWS docs, "Using
the embedded metric format with Lambda"). The document shape and its limits come from the
specification (AWS docs, "Specification: Embedded metric format"):
- the root holds ``_aws`` = {``Timestamp`` (ms since the epoch), ``CloudWatchMetrics``: [
  MetricDirective]} and one target member per metric and per dimension;
- a MetricDirective = {``Namespace``, ``Dimensions``: [DimensionSet], ``Metrics``: [
  MetricDefinition {``Name``, ``Unit``}]}, at most 100 MetricDefinitions;
- a DimensionSet holds at most 30 keys, each a string member of the root;
- a metric's value is a number or an array of at most 100 numbers.

An invocation collects into one buffer (``invocation()``, opened by the runtime adapters) and
writes it once when the invocation ends: one line per dimension set. Outside an invocation a
value is written at once. Names are the constants below: the dashboard reads the same ones.
Never put user data here: dimensions are the stack and the route template only.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

NAMESPACE = "PayPulse"
STACK = "Stack"  # dimension on every metric: stacks share an account's namespace
ROUTE = "Route"  # dimension of REQUEST_LATENCY: the API route key, e.g. "GET /v1/users/me"

INVOICES_INGESTED = "InvoicesIngested"  # documents taken from Gmail and stored
INVOICES_PARSED = "InvoicesParsed"
INVOICES_NEEDS_REVIEW = "InvoicesNeedsReview"
INVOICES_FAILED = "InvoicesFailed"
PUSHES_SENT = "PushesSent"  # invoices whose owner was notified
GMAIL_QUOTA_UNITS = "GmailQuotaUnits"  # units of every Gmail API request sent
GEMINI_CALLS = "GeminiCalls"
GEMINI_TOKENS = "GeminiTokens"  # prompt + answer tokens Gemini reported
REQUEST_LATENCY = "RequestLatency"  # API handler time, per route

UNITS = {
    INVOICES_INGESTED: "Count",
    INVOICES_PARSED: "Count",
    INVOICES_NEEDS_REVIEW: "Count",
    INVOICES_FAILED: "Count",
    PUSHES_SENT: "Count",
    GMAIL_QUOTA_UNITS: "Count",
    GEMINI_CALLS: "Count",
    GEMINI_TOKENS: "Count",
    REQUEST_LATENCY: "Milliseconds",
}
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100
MAX_DIMENSIONS = 30

# The ledger is where every outcome is written once; its statuses map onto the counters.
LEDGER_OUTCOMES = {
    ("msg#", "done"): INVOICES_INGESTED,
    ("obj#", "parsed"): INVOICES_PARSED,
    ("obj#", "needs_review"): INVOICES_NEEDS_REVIEW,
    ("obj#", "failed"): INVOICES_FAILED,
    ("push#", "sent"): PUSHES_SENT,
}

Dimensions = tuple[tuple[str, str], ...]


def _print(line: str) -> None:
    """Lambda: stdout, which CloudWatch Logs reads. Elsewhere (CLI commands such as
    ``paypulse parse``, tests): stderr, so a command's own output stays clean."""
    stream = sys.stdout if "AWS_LAMBDA_FUNCTION_NAME" in os.environ else sys.stderr
    stream.write(line + "\n")
    stream.flush()


_writer: Callable[[str], None] = _print


def set_writer(writer: Callable[[str], None] | None) -> Callable[[str], None]:
    """Send EMF lines to ``writer`` (the local stack keeps them for its page); None restores
    the default. Returns the previous writer."""
    global _writer
    previous, _writer = _writer, writer or _print
    return previous


class Buffer:
    """The values of one invocation, by dimension set; safe to add to from worker threads."""

    def __init__(self, stack: str, properties: dict[str, str] | None = None) -> None:
        self.stack = stack
        self.properties = {k: v for k, v in (properties or {}).items() if v}
        self._values: dict[Dimensions, dict[str, list[float]]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, value: float, dimensions: Dimensions, *, total: bool) -> None:
        if name not in UNITS:
            raise ValueError(f"unknown metric {name!r}")
        with self._lock:
            values = self._values.setdefault(dimensions, {}).setdefault(name, [])
            if total and values:
                values[0] += value
            else:
                values.append(value)

    def documents(self, timestamp_ms: int | None = None) -> list[dict]:
        """The EMF documents of everything added (and forgets it)."""
        with self._lock:
            grouped, self._values = self._values, {}
        stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
        docs = []
        for dimensions, metrics in sorted(grouped.items()):
            keys = [STACK, *(k for k, _ in dimensions)]
            if len(keys) > MAX_DIMENSIONS:
                raise ValueError("an EMF dimension set holds at most 30 keys")
            names = sorted(metrics)
            for start in range(0, len(names), MAX_METRICS_PER_DIRECTIVE):
                chunk = names[start : start + MAX_METRICS_PER_DIRECTIVE]
                longest = max(len(metrics[n]) for n in chunk)
                for offset in range(0, longest, MAX_VALUES_PER_METRIC):
                    part = {
                        n: metrics[n][offset : offset + MAX_VALUES_PER_METRIC]
                        for n in chunk
                        if metrics[n][offset : offset + MAX_VALUES_PER_METRIC]
                    }
                    doc: dict = {
                        "_aws": {
                            "Timestamp": stamp,
                            "CloudWatchMetrics": [
                                {
                                    "Namespace": NAMESPACE,
                                    "Dimensions": [keys],
                                    "Metrics": [{"Name": n, "Unit": UNITS[n]} for n in part],
                                }
                            ],
                        },
                        **self.properties,
                        STACK: self.stack,
                        **dict(dimensions),
                    }
                    for n, values in part.items():
                        doc[n] = values[0] if len(values) == 1 else values
                    docs.append(doc)
        return docs

    def flush(self) -> None:
        for doc in self.documents():
            _writer(json.dumps(doc, separators=(",", ":")))


_buffer: ContextVar[Buffer | None] = ContextVar("paypulse_metrics", default=None)


@contextlib.contextmanager
def invocation(stack: str, **properties: str) -> Iterator[Buffer]:
    """Collect this invocation's values; write them once when it ends (errors included)."""
    buffer = Buffer(stack, properties)
    token = _buffer.set(buffer)
    try:
        yield buffer
    finally:
        _buffer.reset(token)
        buffer.flush()


def _add(name: str, value: float, dimensions: Dimensions, *, total: bool) -> None:
    buffer = _buffer.get()
    if buffer is not None:
        buffer.add(name, value, dimensions, total=total)
        return
    single = Buffer(os.environ.get("PAYPULSE_STACK", "local"))
    single.add(name, value, dimensions, total=total)
    single.flush()


def count(name: str, value: float = 1) -> None:
    """Add to a counter of this invocation (summed into one value)."""
    if value:
        _add(name, value, (), total=True)


def observe(name: str, value: float, **dimensions: str) -> None:
    """Record one value (kept apart, so CloudWatch can compute percentiles)."""
    _add(name, value, tuple(sorted(dimensions.items())), total=False)


def ledger_outcome(ledger_key: str, status: str, amount: int = 1) -> None:
    """Count a ledger write whose status is an outcome operators watch (see LEDGER_OUTCOMES)."""
    prefix = ledger_key[: ledger_key.find("#") + 1]
    name = LEDGER_OUTCOMES.get((prefix, status))
    if name is not None:
        count(name, amount)
