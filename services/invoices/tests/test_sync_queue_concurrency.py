"""The sync queue's event source mapping runs its batches concurrently, never more at once
than its maximum concurrency (Lambda developer guide, "Configuring scaling behavior for SQS
event source mappings"), and each message is handled once."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter

import pytest

from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.events import SQS_INITIAL_BATCHES, SQS_SCALE_UP_PER_MINUTE, _Consumer

BOUND = 3
BATCH = 5  # the declared batch size of sync_invoices


@pytest.fixture
def bounded_pump(local_stack, monkeypatch):
    """The sync mapping with maximum concurrency BOUND (as stack config would set it)."""
    assert local_stack.ws.functions["sync_invoices"].sqs.batch_size == BATCH
    monkeypatch.setitem(local_stack.events.maximum_concurrency, "sync_invoices", BOUND)
    local_stack.events.configure(local_stack.names)
    return local_stack.events


@pytest.fixture
def gated_job(monkeypatch):
    """A rental job that returns only once ``gate`` jobs have started (or after 5 s): a pump
    running one batch at a time never gets past the first batch quickly, and each batch holds
    its invocation open until the others of its wave are running."""
    from paypulse_invoices import sync_jobs

    ran: Counter[str] = Counter()
    started = threading.Condition()
    state = {"gate": BOUND * BATCH, "timeouts": 0}

    def wait_for_gate() -> None:
        with started:
            started.notify_all()
            if not started.wait_for(lambda: sum(ran.values()) >= state["gate"], timeout=5):
                state["timeouts"] += 1

    async def job(user_id, body):
        with started:
            ran[user_id] += 1
        await asyncio.to_thread(wait_for_gate)

    monkeypatch.setitem(sync_jobs.JOBS, "rental_latest", ("rental", job))
    return ran, state


def _send(local_stack, users: list[str]) -> None:
    sqs = boto_client("sqs", local_stack.aws_endpoint)
    url = local_stack.names.queues["sync"]
    for i in range(0, len(users), 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(j), "MessageBody": json.dumps({"kind": "rental_latest", "user_id": u})}
                for j, u in enumerate(users[i : i + 10])
            ],
        )


def test_batches_run_concurrently_up_to_the_maximum_and_each_message_once(
    local_stack, bounded_pump, gated_job
):
    ran, state = gated_job
    users = [f"u-{i}" for i in range(BOUND * BATCH + 2 * BATCH)]  # five full batches
    _send(local_stack, users)

    deliveries = bounded_pump.drain(timeout=60)

    assert state["timeouts"] == 0  # the first BOUND batches were running at the same time
    assert ran == Counter(users)  # every message handled exactly once
    assert all(d.ok for d in deliveries) and len(deliveries) == len(users) // BATCH
    stats = bounded_pump.queue_stats()["sync"]
    assert stats["peak_in_flight"] == BOUND
    assert stats["max_depth"] == len(users)  # sampled before the first receive
    assert stats["messages"] == len(users) and stats["in_flight"] == 0
    # measured around the handler itself, not by the pump's own count
    assert local_stack.invocation_stats.snapshot()["sync_invoices"]["peak_running"] == BOUND


def test_scaling_starts_at_five_batches_and_adds_300_per_minute():
    from paypulse_devkit.events import QueueStats

    consumer = _Consumer(None, "", "", "", 5, stats=QueueStats(maximum_concurrency=1000))  # type: ignore[arg-type]
    assert consumer.allowed(100.0) == SQS_INITIAL_BATCHES  # not active yet
    consumer.active_since = 100.0
    assert consumer.allowed(100.0) == 5
    assert consumer.allowed(160.0) == 5 + SQS_SCALE_UP_PER_MINUTE
    assert consumer.allowed(100.0 + 60 * 10) == 1000  # the mapping's maximum concurrency
    consumer.stats.maximum_concurrency = 2
    assert consumer.allowed(100.0) == 2
