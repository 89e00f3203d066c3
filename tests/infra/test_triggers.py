"""Every declared trigger can actually invoke its function: the Lambda permission for the
invoking service's principal, whose source ARN (matched the way Lambda matches ArnLike
conditions) covers the ARN the service invokes with, created before S3 validates it."""

from __future__ import annotations

from fnmatch import fnmatchcase

ACCOUNT = "123456789012"


def _function_arns(offline) -> dict[str, str]:
    return {
        r.inputs["tags"]["paypulse:function"]: r.state["arn"]
        for r in offline.of_type("aws:lambda/function:Function")
    }


def _permissions(offline, principal: str, function_arn: str) -> list:
    name = function_arn.rsplit(":", 1)[1]
    return [
        p
        for p in offline.of_type("aws:lambda/permission:Permission")
        if p.inputs["principal"] == principal and p.inputs["function"] in (name, function_arn)
    ]


def test_each_route_may_invoke_its_function_and_no_other(offline, ws):
    arns = _function_arns(offline)
    (api,) = offline.of_type("aws:apigatewayv2/api:Api")
    for route, fn in ws.routes():
        # What API Gateway presents as the source when it invokes for this route.
        invoked_as = f"{api.state['executionArn']}/$default/{route.method}{route.path}"
        sources = [
            p.inputs["sourceArn"]
            for p in _permissions(offline, "apigateway.amazonaws.com", arns[fn.name])
        ]
        assert any(fnmatchcase(invoked_as, s) for s in sources), (str(route), sources)
        others = [f for f in ws.functions if f != fn.name]
        for other in others:
            granted = _permissions(offline, "apigateway.amazonaws.com", arns[other])
            assert not any(fnmatchcase(invoked_as, p.inputs["sourceArn"]) for p in granted), (
                str(route), other)  # fmt: skip


def test_each_schedule_rule_may_invoke_its_function(offline, ws):
    arns = _function_arns(offline)
    rules = {r.state["name"]: r for r in offline.of_type("aws:cloudwatch/eventRule:EventRule")}
    declared = [(s, fn) for fn in ws.functions.values() for s in fn.schedules]
    assert declared
    for schedule, fn in declared:
        (rule,) = [r for r in rules.values() if r.inputs["scheduleExpression"] == schedule.cron]
        targets = [
            t for t in offline.of_type("aws:cloudwatch/eventTarget:EventTarget")
            if t.inputs["rule"] == rule.state["name"]
        ]  # fmt: skip
        assert [t.inputs["arn"] for t in targets] == [arns[fn.name]]
        sources = [p.inputs.get("sourceArn")
                   for p in _permissions(offline, "events.amazonaws.com", arns[fn.name])]  # fmt: skip
        assert sources == [rule.state["arn"]]


def test_each_s3_trigger_has_its_permission_before_the_notification(offline, ws):
    arns = _function_arns(offline)
    (notification,) = offline.of_type("aws:s3/bucketNotification:BucketNotification")
    (bucket,) = [
        b for b in offline.of_type("aws:s3/bucket:Bucket")
        if b.state["bucket"] == notification.inputs["bucket"]
    ]  # fmt: skip
    triggered = [fn for fn in ws.functions.values() if fn.s3]
    assert len(triggered) == 2
    for fn in triggered:
        (config,) = [c for c in notification.inputs["lambdaFunctions"]
                     if c["lambdaFunctionArn"] == arns[fn.name]]  # fmt: skip
        assert (config["filterPrefix"], config["filterSuffix"]) == (fn.s3.prefix, fn.s3.suffix)
        (permission,) = _permissions(offline, "s3.amazonaws.com", arns[fn.name])
        assert permission.inputs["sourceArn"] == bucket.state["arn"]
        assert permission.inputs["sourceAccount"] == ACCOUNT
        # S3 validates the destination when the notification is written: the permission first.
        assert permission.urn in notification.dependencies


def test_each_stream_trigger_reads_its_tables_stream(offline, ws):
    arns = _function_arns(offline)
    tables = {t.name.removeprefix("data-"): t for t in offline.of_type("aws:dynamodb/table:Table")}
    mappings = offline.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    streamed = [fn for fn in ws.functions.values() if fn.stream]
    assert streamed
    for fn in streamed:
        (mapping,) = [m for m in mappings if m.inputs["functionName"] == arns[fn.name]]
        assert mapping.inputs["eventSourceArn"] == tables[fn.stream.table].state["streamArn"]
        assert mapping.inputs["startingPosition"] in ("LATEST", "TRIM_HORIZON")


def test_nothing_else_may_invoke_a_function(offline, ws):
    principals = {
        p.inputs["principal"] for p in offline.of_type("aws:lambda/permission:Permission")
    }
    assert principals <= {"apigateway.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com"}
    for p in offline.of_type("aws:lambda/permission:Permission"):
        assert p.inputs.get("sourceArn"), p.name
