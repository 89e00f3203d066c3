"""The CloudWatch dashboard of the mocked stack: a body CloudWatch accepts ("Dashboard Body
Structure and Syntax"), whose PayPulse metrics are exactly the ones the functions write in
embedded metric format, covering every route and every dead-letter queue."""

from __future__ import annotations

import json

from paypulse_common import metrics

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
QUEUE = "aws:sqs/queue:Queue"
STATS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}


def _body(offline) -> dict:
    (dashboard,) = offline.of_type(DASHBOARD)
    name = dashboard.inputs["dashboardName"]
    assert 1 <= len(name) <= 255 and all(c.isalnum() or c in "-_" for c in name)
    return json.loads(dashboard.inputs["dashboardBody"])


def _series(body: dict) -> list[tuple[str, str, dict[str, str], dict]]:
    """Every metric of every metric widget: (namespace, name, dimensions, options)."""
    out = []
    for widget in body["widgets"]:
        if widget["type"] != "metric":
            continue
        for entry in widget["properties"]["metrics"]:
            options = entry[-1] if isinstance(entry[-1], dict) else {}
            plain = entry[:-1] if options else entry
            namespace, name, *pairs = plain
            assert len(pairs) % 2 == 0 and all(isinstance(p, str) for p in pairs)
            out.append((namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True)), options))
    return out


def test_body_follows_the_dashboard_body_structure(offline):
    body = _body(offline)
    assert 0 < len(body["widgets"]) <= 500
    cells: set[tuple[int, int]] = set()
    for widget in body["widgets"]:
        assert widget["type"] in {"metric", "text", "log", "alarm", "explorer"}
        assert widget["x"] >= 0 and widget["x"] + widget["width"] <= 24
        assert 1 <= widget["height"] <= 1000 and widget["y"] >= 0
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells  # widgets do not overlap
                cells.add((x, y))
        props = widget["properties"]
        assert props["region"] == "eu-west-1"
        assert props["period"] % 60 == 0
        assert props["view"] in {"timeSeries", "singleValue", "gauge", "bar", "pie"}
        assert 0 < len(props["metrics"]) <= 500
    for _, _, _, options in _series(body):
        stat = options.get("stat", "Average")
        assert stat in STATS or (stat[0] == "p" and 0 < float(stat[1:]) < 100)


def test_paypulse_metrics_are_the_ones_the_functions_emit(offline, ws):
    """Emit every metric the way the functions do, read the EMF lines back, and require every
    PayPulse series of the dashboard to be one of them (name and dimension set)."""
    routes = sorted(str(route) for route, _ in ws.routes())
    lines: list[str] = []
    previous = metrics.set_writer(lines.append)
    try:
        with metrics.invocation("test"):
            for name, unit in metrics.UNITS.items():
                if unit == "Count":
                    metrics.count(name)
            for route in routes:
                metrics.observe(metrics.REQUEST_LATENCY, 12.5, Route=route)
    finally:
        metrics.set_writer(previous)
    emitted = set()
    for line in lines:
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for dims in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    values = tuple(sorted((k, doc[k]) for k in dims))
                    emitted.add((directive["Namespace"], metric["Name"], values))

    ours = [s for s in _series(_body(offline)) if s[0] == metrics.NAMESPACE]
    shown = {(ns, name, tuple(sorted(dims.items()))) for ns, name, dims, _ in ours}
    assert shown <= emitted
    assert {name for _, name, _ in shown} == set(metrics.UNITS)  # nothing left off
    latency = [(dims, opts) for _, name, dims, opts in ours if name == metrics.REQUEST_LATENCY]
    assert sorted(d[metrics.ROUTE] for d, _ in latency) == routes
    assert {o["stat"] for _, o in latency} == {"p95"}


def test_every_dead_letter_queue_is_watched(offline):
    dlqs = {q.state["name"] for q in offline.of_type(QUEUE) if q.name.endswith("-dlq")}
    assert dlqs
    watched = {
        dims["QueueName"]: opts["stat"]
        for ns, name, dims, opts in _series(_body(offline))
        if ns == "AWS/SQS" and name == "ApproximateNumberOfMessagesVisible"
    }
    assert set(watched) == dlqs
    assert set(watched.values()) == {"Maximum"}
