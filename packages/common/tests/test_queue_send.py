"""send_all: every message reaches the queue, in SendMessageBatch calls of 10 of which several
are in flight at once (a 10,000-user sweep sends 1,000 of them from one invocation)."""

from __future__ import annotations

from paypulse_devkit.aws_local import boto_client


def test_batches_are_sent_concurrently_and_all_arrive(local_stack, run_as, monkeypatch):
    from paypulse_common import aws, queue

    original = aws.client
    state = {"in_flight": 0, "peak": 0}

    async def scenario() -> int:
        real = await original("sqs")

        class Counting:
            def __getattr__(self, name):
                return getattr(real, name)

            async def send_message_batch(self, **kwargs):
                state["in_flight"] += 1
                state["peak"] = max(state["peak"], state["in_flight"])
                try:
                    return await real.send_message_batch(**kwargs)
                finally:
                    state["in_flight"] -= 1

        async def client(name: str):
            return Counting() if name == "sqs" else await original(name)

        monkeypatch.setattr(aws, "client", client)
        return await queue.send_all("sync", [{"kind": "rental_latest", "n": i} for i in range(250)])

    calls = run_as("fetch_latest_invoice", scenario())

    assert calls == 25
    assert 1 < state["peak"] <= queue.CONCURRENT_BATCHES
    sqs = boto_client("sqs", local_stack.aws_endpoint)
    attrs = sqs.get_queue_attributes(
        QueueUrl=local_stack.names.queues["sync"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "250"
