"""EMF lines and JSON logs as CloudWatch would read them.

``assert_valid_emf`` checks a line against the rules of the embedded metric format specification
(AWS docs, "Specification: Embedded metric format"): what CloudWatch Logs would reject or ignore.
"""

from __future__ import annotations

import io
import json
import logging
import numbers

import pytest

from paypulse_common import logs, metrics
from paypulse_common.http import Contract, ok
from paypulse_common.runtime import Runtime, activated, event_handler, http_handler

UNITS = {  # the spec's Unit values (the CloudWatch StandardUnit list), those a metric may carry
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None",
}  # fmt: skip


def assert_valid_emf(line: str) -> dict:
    doc = json.loads(line)  # one JSON object, nothing before or after it
    assert isinstance(doc, dict)
    meta = doc["_aws"]
    assert isinstance(meta["Timestamp"], int) and meta["Timestamp"] > 1_600_000_000_000
    directives = meta["CloudWatchMetrics"]
    assert isinstance(directives, list) and directives
    for d in directives:
        assert set(d) <= {"Namespace", "Dimensions", "Metrics"}
        assert isinstance(d["Namespace"], str) and 1 <= len(d["Namespace"]) <= 255
        for dimension_set in d["Dimensions"]:
            assert len(dimension_set) <= 30
            for key in dimension_set:
                assert isinstance(doc[key], str) and doc[key]
        assert 1 <= len(d["Metrics"]) <= 100
        for m in d["Metrics"]:
            assert set(m) <= {"Name", "Unit", "StorageResolution"}
            assert m.get("Unit", "None") in UNITS
            value = doc[m["Name"]]
            values = value if isinstance(value, list) else [value]
            assert 1 <= len(values) <= 100
            assert all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
    return doc


def metric_values(docs: list[dict], name: str) -> list:
    out = []
    for doc in docs:
        for d in doc["_aws"]["CloudWatchMetrics"]:
            if any(m["Name"] == name for m in d["Metrics"]):
                value = doc[name]
                out.extend(value if isinstance(value, list) else [value])
    return out


@pytest.fixture
def lines():
    captured: list[str] = []
    previous = metrics.set_writer(captured.append)
    yield captured
    metrics.set_writer(previous)


@pytest.fixture
def rt():
    r = Runtime({"AWS_REGION": "eu-west-1", "PAYPULSE_STACK": "prod"})
    with activated(r):
        yield r
    r.close()


class Context:
    function_name = "get_user_profile"
    aws_request_id = "9f0c1c8e-5d7e-4c51-9b7a-1f1f1f1f1f1f"


ANY_ROUTE = Contract(summary="test route", responses={200: None})


def api_event(route: str = "GET /v1/users/me") -> dict:
    return {
        "routeKey": route,
        "requestContext": {"http": {"method": route.split()[0], "path": "/v1/users/me"}},
        "headers": {},
    }


def test_one_flush_per_invocation_with_summed_counters_and_route_latency(rt, lines):
    async def handle(request):
        metrics.count(metrics.GMAIL_QUOTA_UNITS, 5)
        metrics.count(metrics.GMAIL_QUOTA_UNITS, 10)
        metrics.count(metrics.INVOICES_INGESTED)
        assert lines == []  # nothing written before the invocation ends
        return ok({})

    http_handler(handle, ANY_ROUTE, public=True)(api_event(), Context())
    docs = [assert_valid_emf(line) for line in lines]
    assert len(docs) == 2  # one per dimension set: {Stack} and {Stack, Route}
    assert metric_values(docs, metrics.GMAIL_QUOTA_UNITS) == [15]
    assert metric_values(docs, metrics.INVOICES_INGESTED) == [1]
    (latency_doc,) = [d for d in docs if metrics.REQUEST_LATENCY in d]
    assert latency_doc[metrics.ROUTE] == "GET /v1/users/me"
    assert latency_doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Stack", "Route"]]
    assert all(d["Stack"] == "prod" and d["requestId"] == Context.aws_request_id for d in docs)

    http_handler(handle, ANY_ROUTE, public=True)(api_event(), Context())
    assert len(lines) == 4  # the next invocation starts empty


def test_failing_event_still_flushes_what_it_counted(rt, lines):
    async def handle(event):
        metrics.count(metrics.INVOICES_FAILED)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        event_handler(handle)({"Records": []}, Context())
    (doc,) = [assert_valid_emf(line) for line in lines]
    assert doc[metrics.INVOICES_FAILED] == 1
    assert metrics.REQUEST_LATENCY not in doc  # only API routes have a latency


def test_more_than_100_values_split_into_valid_documents(lines):
    buffer = metrics.Buffer("dev")
    for i in range(250):
        buffer.add(metrics.REQUEST_LATENCY, float(i), (("Route", "GET /x"),), total=False)
    docs = buffer.documents()
    for doc in docs:
        assert_valid_emf(json.dumps(doc))
    assert sorted(metric_values(docs, metrics.REQUEST_LATENCY)) == [float(i) for i in range(250)]
    assert len(docs) == 3


def test_unknown_metric_names_are_refused():
    with pytest.raises(ValueError):
        metrics.Buffer("dev").add("Typo", 1, (), total=True)


def test_outside_an_invocation_a_value_is_written_at_once(lines):
    metrics.count(metrics.GEMINI_CALLS)
    (doc,) = [assert_valid_emf(line) for line in lines]
    assert doc[metrics.GEMINI_CALLS] == 1


@pytest.mark.parametrize(
    ("key", "status", "metric"),
    [
        ("msg#18f#ab", "done", metrics.INVOICES_INGESTED),
        ("obj#invoices/u/rental/x.pdf", "parsed", metrics.INVOICES_PARSED),
        ("obj#invoices/u/rental/x.pdf", "needs_review", metrics.INVOICES_NEEDS_REVIEW),
        ("obj#invoices/u/retail/x.html", "failed", metrics.INVOICES_FAILED),
        ("push#Invoice_1", "sent", metrics.PUSHES_SENT),
        ("obj#invoices/u/retail/x.html", "skipped", None),
        ("push#Invoice_1", "claimed", None),
        ("order#v#1", "done", None),
    ],
)
def test_ledger_outcomes(lines, key, status, metric):
    metrics.ledger_outcome(key, status)
    docs = [assert_valid_emf(line) for line in lines]
    if metric is None:
        assert docs == []
    else:
        assert metric_values(docs, metric) == [1]


def test_logs_carry_the_request_id_of_the_invocation(rt, lines):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    log = logs.get_logger("paypulse.test")
    log.addHandler(handler)
    try:

        async def handle(request):
            log.info("looked up", extra={"route": "GET /v1/users/me"})
            return ok({})

        http_handler(handle, ANY_ROUTE, public=True)(api_event(), Context())
        log.info("after")
    finally:
        log.removeHandler(handler)
    inside, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["requestId"] == Context.aws_request_id
    assert inside["level"] == "INFO" and inside["route"] == "GET /v1/users/me"
    assert inside["timestamp"].endswith("Z")
    assert "requestId" not in after


def test_in_lambda_records_go_to_the_runtime_json_handler():
    """In Lambda, paypulse loggers write nothing themselves: the runtime's handler on the root
    logger (Lambda's JSON format, which adds requestId) gets every INFO record."""
    import subprocess
    import sys

    code = (
        "import logging, json\n"
        "seen = []\n"
        "class H(logging.Handler):\n"
        "    def emit(self, record): seen.append(record.getMessage())\n"
        "logging.getLogger().addHandler(H())\n"  # what the Lambda runtime installs
        "from paypulse_common.logs import get_logger\n"
        "get_logger('paypulse.x').info('hello', extra={'k': 1})\n"
        "assert not logging.getLogger('paypulse').handlers\n"
        "print(json.dumps(seen))\n"
    )
    env = {"AWS_LAMBDA_FUNCTION_NAME": "paypulse-dev-x", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == ["hello"]


@pytest.mark.parametrize(("in_lambda", "stream"), [(True, "stdout"), (False, "stderr")])
def test_lines_go_to_stdout_in_lambda_and_stderr_elsewhere(in_lambda, stream):
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", **({"AWS_LAMBDA_FUNCTION_NAME": "f"} if in_lambda else {})}
    code = "from paypulse_common import metrics\nmetrics.count(metrics.PUSHES_SENT)\n"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    (line,) = getattr(done, stream).splitlines()
    assert assert_valid_emf(line)[metrics.PUSHES_SENT] == 1
    assert getattr(done, "stderr" if stream == "stdout" else "stdout") == ""
