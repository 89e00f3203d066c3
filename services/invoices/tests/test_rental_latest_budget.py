"""POST /v1/invoices/rental/ingest/latest answers within API Gateway's limit whatever the
mailbox: it examines the newest messages of the window within a time budget and hands the
rest to the sync worker (rental_latest)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from paypulse_devkit.demo_invoices import demo_hyresavi_series
from paypulse_devkit.local_stack import published_notifications
from paypulse_devkit.mailbox import Mailbox, rent_notice

GMAIL_ACCOUNT = "tenant@gmail.com"  # the connected_user fixture's Gmail account


def units(local_stack) -> Counter:
    return Counter(local_stack.gmail_api.usage(GMAIL_ACCOUNT)["units"])


def mailbox_with_notices(local_stack, fillers: int, *, this_month_newest: bool) -> Mailbox:
    """``fillers`` notices of last month (one PDF, due last month) and this month's notice,
    all in the latest window: the newest message, or the oldest one."""
    today = datetime.now(UTC).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    current = demo_hyresavi_series(1, start=today.replace(day=1), seed=5)[0]
    previous = demo_hyresavi_series(1, start=last_month, seed=5)[0]
    now = datetime.now(UTC).replace(microsecond=0)
    box = Mailbox()
    for n in range(fillers):
        sent = now - timedelta(minutes=n + 2)
        raw = rent_notice(GMAIL_ACCOUNT, sent=sent, filename=f"Hyresavi_{n}.pdf", pdf=previous.pdf)
        box.add_raw(raw, owner=GMAIL_ACCOUNT)
    first = datetime.combine(last_month, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    sent = now - timedelta(minutes=1) if this_month_newest else first
    box.add_raw(
        rent_notice(GMAIL_ACCOUNT, sent=sent, filename=current.filename, pdf=current.pdf),
        owner=GMAIL_ACCOUNT,
    )
    local_stack.mailbox = local_stack.gmail_api.mailbox = box
    return box


def test_a_thousand_messages_in_the_window_answer_within_the_gateway_limit(
    api, local_stack, connected_user
):
    from paypulse_invoices.rental_latest import EXAMINE

    token, _ = connected_user
    mailbox_with_notices(local_stack, 999, this_month_newest=True)
    before = units(local_stack)

    r = api("POST", "/v1/invoices/rental/ingest/latest", token=token)

    assert r.status == 201, r  # not API Gateway's 503, nor a quota wait past the deadline
    used = units(local_stack) - before
    # Only the newest step was fetched and downloaded (5 units a request), not the window:
    # every message (Gmail's quota: 10,000 units = 40 s of this user's rate) would be.
    assert used["messages.attachments.get"] <= 5 * EXAMINE
    assert used["messages.get"] <= 5 * EXAMINE
    local_stack.events.drain()  # parse_invoice (S3) and the push (stream)
    assert api("POST", "/v1/invoices/rental/ingest/latest", token=token).status == 200


def test_out_of_budget_the_rest_is_handed_to_the_worker_which_finds_the_notice(
    api, local_stack, connected_user, monkeypatch
):
    from paypulse_invoices import rental_latest

    token, user_id = connected_user
    mailbox_with_notices(local_stack, 25, this_month_newest=False)
    monkeypatch.setattr(rental_latest, "ROUTE_BUDGET_S", 0.0)  # the budget is spent at once
    before = units(local_stack)

    r = api("POST", "/v1/invoices/rental/ingest/latest", token=token)

    # Not found (yet): 204, never 201 for a notice that may be among the unexamined messages.
    assert r.status == 204 and r.raw == b""
    assert (units(local_stack) - before)["messages.attachments.get"] == 0
    deliveries = local_stack.events.drain()
    worker = [d for d in deliveries if d.function == "sync_invoices"]
    assert [d.result for d in worker] == [{"batchItemFailures": []}]
    (job,) = [json_body(d) for d in worker]
    assert job["kind"] == "rental_latest" and sum(len(v) for v in job["ids"].values()) == 26
    assert [d.ok for d in deliveries if d.function == "parse_invoice"] == [True]
    assert len([n for n in published_notifications() if n["user_id"] == user_id]) == 1
    assert api("POST", "/v1/invoices/rental/ingest/latest", token=token).status == 200
    assert local_stack.events.queue_dead_letters("sync") == []


def test_the_worker_hands_on_what_its_budget_leaves_and_every_invocation_progresses(
    api, local_stack, connected_user, monkeypatch
):
    from paypulse_invoices import rental_latest

    token, user_id = connected_user
    mailbox_with_notices(local_stack, 25, this_month_newest=False)
    # no time at all, for the route and the worker: the route hands everything off, each
    # worker invocation examines its one step (EXAMINE messages) and hands on the rest
    monkeypatch.setattr(rental_latest, "budget", lambda cap: 0.0)
    before = units(local_stack)

    assert api("POST", "/v1/invoices/rental/ingest/latest", token=token).status == 204
    deliveries = local_stack.events.drain()

    worker = [d for d in deliveries if d.function == "sync_invoices"]
    assert all(d.ok and d.result == {"batchItemFailures": []} for d in worker)
    handed = [sum(len(v) for v in json_body(d)["ids"].values()) for d in worker]
    step = rental_latest.EXAMINE
    assert handed == list(range(26, 0, -step))  # 26, 16, 6: each invocation took one step
    # every PDF downloaded once (the notice is the oldest message): progress, not a retry loop
    assert (units(local_stack) - before)["messages.attachments.get"] == 5 * 26
    assert local_stack.events.queue_dead_letters("sync") == []
    assert len([n for n in published_notifications() if n["user_id"] == user_id]) == 1
    assert api("POST", "/v1/invoices/rental/ingest/latest", token=token).status == 200


def json_body(delivery) -> dict:
    import json

    (record,) = delivery.event["Records"]
    return json.loads(record["body"])


def test_route_function_fits_api_gateway_and_the_sweep_is_apart(local_stack):
    """API Gateway HTTP API waits 30 s at most for an integration: the route's function is
    declared within it; the weekday sweep (pages every user) is its own function."""
    functions = local_stack.ws.functions
    latest = functions["fetch_latest_invoice"]
    assert latest.timeout <= 29 and not latest.schedules
    sweeps = [
        f for f in functions.values() if any(s.name == "rental-weekdays" for s in f.schedules)
    ]
    assert [f.name for f in sweeps] == ["sweep_rental_invoices"] and not sweeps[0].routes
