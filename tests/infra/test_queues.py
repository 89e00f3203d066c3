"""The sync work queue in the mocked stack: queue + DLQ with redrive, visibility timeout six
times the worker's timeout, the worker's SQS event source mapping (partial batch responses,
maximum concurrency) and least-privilege SQS grants (producers send, the worker consumes)."""

from __future__ import annotations

import json

QUEUE = "aws:sqs/queue:Queue"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


def _queue(offline, logical_name):
    (queue,) = [r for r in offline.of_type(QUEUE) if r.name == logical_name]
    return queue


def test_queue_has_a_dlq_redrive_and_six_times_the_worker_timeout(offline, ws):
    worker = ws.consumer("sync")
    assert worker is not None and worker.name == "sync_invoices"
    queue, dlq = _queue(offline, "queues-sync"), _queue(offline, "queues-sync-dlq")
    assert queue.inputs["visibilityTimeoutSeconds"] == 6 * worker.timeout
    redrive = json.loads(queue.inputs["redrivePolicy"])
    assert redrive == {
        "deadLetterTargetArn": dlq.state["arn"],
        "maxReceiveCount": ws.resources.queues["sync"].max_receive_count,
    }
    assert dlq.inputs["messageRetentionSeconds"] > queue.inputs["messageRetentionSeconds"]
    assert queue.inputs["sqsManagedSseEnabled"] and dlq.inputs["sqsManagedSseEnabled"]


def test_worker_mapping_reports_batch_item_failures_with_bounded_concurrency(offline, ws):
    queue = _queue(offline, "queues-sync")
    mappings = [
        m.inputs
        for m in offline.of_type(MAPPING)
        if m.inputs["eventSourceArn"] == queue.state["arn"]
    ]
    assert len(mappings) == 1
    (props,) = mappings
    fn = ws.consumer("sync")
    assert props["eventSourceArn"] == queue.state["arn"]
    assert props["functionName"].endswith(f":paypulse-test-{fn.name}")
    assert props["batchSize"] == fn.sqs.batch_size
    assert props["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["scalingConfig"]["maximumConcurrency"] == fn.sqs.maximum_concurrency
    assert "startingPosition" not in props and "destinationConfig" not in props


def _statements(offline, function):
    (policy,) = [
        r for r in offline.of_type("aws:iam/rolePolicy:RolePolicy") if f"fn-{function}-" in r.name
    ]
    return json.loads(policy.inputs["policy"])["Statement"]


def test_producers_may_only_send_and_the_worker_only_consume(offline, ws):
    arn = _queue(offline, "queues-sync").state["arn"]
    granted: dict[str, set[str]] = {}
    for name in ws.functions:
        for st in _statements(offline, name):
            if arn in st["Resource"]:
                granted.setdefault(name, set()).update(st["Action"])
    producers = {n for n, f in ws.functions.items() if "sync" in f.queues}
    assert producers == {
        "fetch_invoices",
        "fetch_latest_invoice",
        "fetch_retail_invoices",
        "receive_gmail_push",
        "renew_gmail_watches",
        "sync_invoices",  # hands on what a Gmail push's sync found, in chunks
        "sweep_rental_invoices",
    }
    assert granted == {
        **{p: {"sqs:SendMessage"} for p in producers},
        "sync_invoices": {
            "sqs:SendMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        },
    }


def test_the_queue_dlq_is_alarmed_and_on_the_dashboard(offline):
    dlq = _queue(offline, "queues-sync-dlq").state["name"]
    alarmed = {
        d["value"]
        for a in offline.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        for d in [{"value": (a.inputs.get("dimensions") or {}).get("QueueName")}]
    }
    assert dlq in alarmed
    (dashboard,) = offline.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dlq in dashboard.inputs["dashboardBody"]
