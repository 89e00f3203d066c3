"""The operator's CloudWatch dashboard: invoices, pushes, dead letters, Gmail and Gemini use, and
API latency per route.

The PayPulse metrics are the ones the functions write in embedded metric format
(``paypulse_common.metrics``, a stdlib-only module: the names and dimensions are read from it,
never retyped). The body follows "Dashboard Body Structure and Syntax" (CloudWatch API
reference): a ``widgets`` array (at most 500) on a 24-column grid; a metric widget's
``properties`` hold ``region`` and ``metrics``, each metric an array ``[namespace, name,
dimension name, dimension value, ..., {rendering options}]``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from paypulse_common import metrics as m

PERIOD = 300
GRID_COLUMNS = 24
# Gmail API usage limits: 1,200,000 quota units per project per minute.
GMAIL_PROJECT_UNITS_PER_MINUTE = 1_200_000


@dataclass(frozen=True)
class DashboardArgs:
    stack: str
    region: pulumi.Input[str]
    routes: Sequence[str]  # API route keys, "GET /v1/users/me"
    dead_letter_queues: Mapping[str, pulumi.Input[str]]  # label -> physical queue name


def _dlq_depth(label: str, queue: str) -> list[Any]:
    return [
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue,
        {"stat": "Maximum", "label": label},
    ]  # fmt: skip


def _route_p95(stack: str, route: str) -> list[Any]:
    return [
        m.NAMESPACE, m.REQUEST_LATENCY, m.STACK, stack, m.ROUTE, route,
        {"stat": "p95", "label": route},
    ]  # fmt: skip


def dashboard_body(
    stack: str, region: str, routes: Sequence[str], queues: Mapping[str, str]
) -> dict[str, Any]:
    """The dashboard body (a dict; ``json.dumps`` it for the API)."""

    def _metric(name: str, label: str, **options: Any) -> list[Any]:
        """One of the functions' metrics: summed unless ``stat`` says otherwise."""
        return [m.NAMESPACE, name, m.STACK, stack, {"stat": "Sum", "label": label, **options}]

    def graph(title: str, series: list[list[Any]], **props: Any) -> dict[str, Any]:
        return {
            "type": "metric",
            "properties": {
                "title": title,
                "region": region,
                "view": "timeSeries",
                "stacked": False,
                "period": PERIOD,
                "metrics": series,
                **props,
            },
        }

    widgets = [
        graph(
            "Invoices",
            [
                _metric(m.INVOICES_INGESTED, "ingested"),
                _metric(m.INVOICES_PARSED, "parsed"),
                _metric(m.INVOICES_NEEDS_REVIEW, "needs review"),
                _metric(m.INVOICES_FAILED, "failed"),
            ],
        ),
        graph("Pushes sent", [_metric(m.PUSHES_SENT, "invoices notified")]),
        graph(
            "Dead-letter queues (messages waiting)",
            [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    queue,
                    {"stat": "Maximum", "label": label},
                ]
                for label, queue in sorted(queues.items())
            ],
        ),
        graph(
            "Gmail quota units per minute",
            [_metric(m.GMAIL_QUOTA_UNITS, "units used")],
            period=60,
            annotations={
                "horizontal": [{"label": "project limit", "value": GMAIL_PROJECT_UNITS_PER_MINUTE}]
            },
        ),
        graph(
            "Gemini",
            [
                _metric(m.GEMINI_CALLS, "calls"),
                _metric(m.GEMINI_TOKENS, "tokens", yAxis="right"),
            ],
        ),
        graph(
            "API latency p95 by route (ms)",
            [
                [
                    m.NAMESPACE,
                    m.REQUEST_LATENCY,
                    m.STACK,
                    stack,
                    m.ROUTE,
                    route,
                    {"stat": "p95", "label": route},
                ]
                for route in sorted(routes)
            ],
        ),
    ]
    sizes = [(12, 6), (6, 6), (6, 6), (8, 6), (8, 6), (GRID_COLUMNS, 8)]
    x = y = row_height = 0
    for widget, (width, height) in zip(widgets, sizes, strict=True):
        if x + width > GRID_COLUMNS:
            x, y, row_height = 0, y + row_height, 0
        widget.update(x=x, y=y, width=width, height=height)
        x, row_height = x + width, max(row_height, height)
    return {"start": "-PT24H", "periodOverride": "inherit", "widgets": widgets}


class Dashboard(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:Dashboard", name, None, opts)
        labels = sorted(args.dead_letter_queues)
        body = pulumi.Output.all(
            args.region, *(args.dead_letter_queues[label] for label in labels)
        ).apply(
            lambda values: json.dumps(
                dashboard_body(
                    args.stack, values[0], args.routes, dict(zip(labels, values[1:], strict=True))
                ),
                sort_keys=True,
            )
        )
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"paypulse-{args.stack}",
            dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboard_name": self.dashboard_name})
