"""``GET /_local/``: what the local stack holds, on one page.

Mailbox (headers only, never bodies), ingestion ledger, invoices per user, queues and dead
letters, notifications sent, the metrics the functions wrote (their EMF lines, summed) and the
event log. Every value is HTML-escaped; the page loads nothing from elsewhere (inline CSS, no
scripts). Reads moto directly with paginated scans: this is a development page, never deployed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from html import escape
from typing import Any

from paypulse_common.metrics import UNITS
from paypulse_devkit.aws_local import boto_client

MAX_ROWS = 200  # per table on the page
CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:2px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4}.num{text-align:right}
.bad{color:#a00;font-weight:600}.empty{color:#777;font-style:italic}
pre{background:#f8f8f8;padding:.6em;overflow-x:auto;font-size:12px}
"""


def _table(headers: list[str], rows: Iterable[Iterable[Any]], *, css_id: str) -> str:
    body = []
    for i, row in enumerate(rows):
        if i == MAX_ROWS:
            body.append(
                f'<tr><td colspan="{len(headers)}" class="empty">… more not shown</td></tr>'
            )
            break
        cells = []
        for value in row:
            css = ' class="num"' if isinstance(value, int | float) else ""
            cells.append(f"<td{css}>{escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return f'<p id="{css_id}" class="empty">nothing yet</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f'<table id="{css_id}"><tr>{head}</tr>{"".join(body)}</table>'


def _scan(endpoint: str, table: str) -> Iterator[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    des = TypeDeserializer()
    for page in boto_client("dynamodb", endpoint).get_paginator("scan").paginate(TableName=table):
        for item in page.get("Items", []):
            yield {k: des.deserialize(v) for k, v in item.items()}


def _header(resource: dict[str, Any], name: str) -> str:
    for header in (resource.get("payload") or {}).get("headers") or []:
        if header.get("name", "").lower() == name:
            return str(header.get("value", ""))
    return ""


def _mailbox(stack: Any) -> str:
    rows = []
    every = (m for owner in stack.mailbox.owners() for m in stack.mailbox.messages(owner))
    for m in sorted(every, key=lambda m: m.internal_ms, reverse=True):
        sent = datetime.fromtimestamp(m.internal_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        rows.append(
            (sent, m.owner, _header(m.resource, "from"),
             _header(m.resource, "subject"), ", ".join(m.filenames))
        )  # fmt: skip
    return _table(["sent", "mailbox", "from", "subject", "attachments"], rows, css_id="mailbox")


def _ledger(stack: Any) -> str:
    items = sorted(
        _scan(stack.aws_endpoint, stack.names.tables["ingestion_ledger"]),
        key=lambda i: (i["UserID"], i["LedgerKey"]),
    )
    rows = [
        (i["UserID"], i["LedgerKey"], i.get("status"), i.get("kind"), i.get("invoice_id"),
         i.get("reason"))
        for i in items
    ]  # fmt: skip
    return _table(["user", "key", "status", "kind", "invoice", "reason"], rows, css_id="ledger")


def _invoices(stack: Any) -> str:
    emails = {
        u["UserID"]: u.get("Email", "")
        for u in _scan(stack.aws_endpoint, stack.names.tables["users"])
    }
    per_user: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for kind in ("rental", "retail"):
        for i in _scan(stack.aws_endpoint, stack.names.tables[f"{kind}_invoices"]):
            amount = i.get("Total Amount", i.get("total_amount"))
            when = i.get("Due Date") or i.get("invoice_date")
            vendor = i.get("vendor_name") or i.get("Filename")
            per_user[i["UserID"]].append(
                (kind, i["InvoiceID"], vendor, str(amount), when, i.get("status"))
            )
    if not per_user:
        return '<p id="invoices" class="empty">nothing yet</p>'
    parts = ['<div id="invoices">']
    for user, rows in sorted(per_user.items()):
        label = f"{emails.get(user) or '?'} ({user}): {len(rows)} invoices"
        parts.append(f'<h3 class="user">{escape(label)}</h3>')
        newest_first = sorted(rows, key=lambda r: (r[0], str(r[4])), reverse=True)
        headers = ["kind", "invoice", "vendor / file", "amount", "date", "status"]
        parts.append(_table(headers, newest_first, css_id=f"invoices-{user}"))
    parts.append("</div>")
    return "".join(parts)


def _queues(stack: Any) -> str:
    sqs = boto_client("sqs", stack.aws_endpoint)
    urls: list[str] = []
    for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix="paypulse-local-"):
        urls.extend(page.get("QueueUrls", []))
    rows = []
    for url in sorted(urls):
        attrs = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        name = url.rsplit("/", 1)[-1]
        waiting = int(attrs.get("ApproximateNumberOfMessages", 0))
        rows.append((name, waiting, int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))))
    queues = _table(["queue", "waiting", "in flight"], rows, css_id="queues")
    dead = []
    for fn in sorted(stack.ws.functions.values(), key=lambda f: f.name):
        if fn.s3 or fn.stream or fn.schedules:
            from paypulse_devkit.events import event_subject

            for letter in stack.events.dead_letters(fn.name):
                dead.append((fn.name, event_subject(letter["event"]), letter.get("error")))
    return (
        queues
        + "<h3>Dead letters</h3>"
        + _table(["function", "event", "last error"], dead, css_id="dead-letters")
    )


def _notifications() -> str:
    from paypulse_devkit.local_stack import published_notifications

    rows = [
        (n["user_id"], n["target"].rsplit(":", 1)[-1], n["subject"], n["message"])
        for n in published_notifications()
    ]
    return _table(["user", "target", "subject", "message"], rows, css_id="notifications")


def _metrics(lines: Iterable[str]) -> str:
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    kept = list(lines)
    for line in kept:
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            dims = ", ".join(
                f"{k}={doc[k]}" for d in directive["Dimensions"] for k in d if k != "Stack"
            )
            for metric in directive["Metrics"]:
                value = doc[metric["Name"]]
                totals[(metric["Name"], dims)].extend(value if isinstance(value, list) else [value])
    rows = []
    for (name, dims), values in sorted(totals.items()):
        p95: float | str = ""  # a percentile only where CloudWatch shows one: timings
        if UNITS.get(name) == "Milliseconds":
            ordered = sorted(values)
            p95 = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3)
        rows.append((name, dims, len(values), round(sum(values), 3), p95))
    summary = _table(["metric", "dimensions", "values", "sum", "p95"], rows, css_id="metrics")
    recent = "\n".join(escape(line) for line in kept[-20:])
    return summary + (f'<h3>Last EMF lines</h3><pre id="emf">{recent}</pre>' if kept else "")


def render(stack: Any) -> str:
    """The whole page."""
    sections = [
        ("Mailbox", _mailbox(stack)),
        ("Ingestion ledger", _ledger(stack)),
        ("Invoices per user", _invoices(stack)),
        ("Queues", _queues(stack)),
        ("Notifications", _notifications()),
        ("Metrics (embedded metric format)", _metrics(stack.emf_lines)),
        ("Events", _table(["event"], ([line] for line in stack.events.lines), css_id="events")),
    ]
    body = "".join(f"<h2>{escape(title)}</h2>{html}" for title, html in sections)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="10"><title>PayPulse local stack</title>'
        f"<style>{CSS}</style></head><body><h1>PayPulse local stack</h1>{body}</body></html>"
    )
