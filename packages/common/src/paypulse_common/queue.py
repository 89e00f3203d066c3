"""Work queues (SQS): producers send JSON messages in batches, the consumer is an event source
mapping with partial batch responses (``paypulse_common.runtime.queue_handler``).

SendMessageBatch takes at most 10 entries (and at most 1 MiB together; kept at the former
256 KiB here, the messages are a few hundred bytes) and answers each entry
on its own (``Successful`` / ``Failed``; SQS API reference, SendMessageBatch): failed entries
whose error is the sender's fault raise at once, the others are sent again (bounded), and what
still fails raises ``DependencyError`` so the caller's own retry covers it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from typing import Any

from paypulse_common import aws
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import gather_all, settings

BATCH = 10  # SendMessageBatch: "up to 10 messages"
MAX_BATCH_BYTES = 256 * 1024  # the whole batch payload (SQS allows 1 MiB)
ATTEMPTS = 3
CONCURRENT_BATCHES = 10  # SendMessageBatch calls in flight at once (a sweep sends thousands)


def _batches(bodies: list[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    size = 0
    for body in bodies:
        if len(body.encode()) > MAX_BATCH_BYTES:
            raise ValueError("a queue message is larger than 256 KiB")
        if len(batch) == BATCH or size + len(body.encode()) > MAX_BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(body)
        size += len(body.encode())
    if batch:
        yield batch


async def send_all(queue: str, messages: Iterable[Mapping[str, Any]]) -> int:
    """Send every message (JSON) to the logical ``queue`` in batches of 10, up to
    CONCURRENT_BATCHES calls at once; returns how many SendMessageBatch calls were made."""
    sqs = await aws.client("sqs")
    url = settings().queue(queue)
    bodies = [json.dumps(m, separators=(",", ":"), sort_keys=True) for m in messages]
    bound = asyncio.Semaphore(CONCURRENT_BATCHES)

    async def send(batch: list[str]) -> int:
        calls = 0
        pending = {str(i): body for i, body in enumerate(batch)}
        async with bound:
            for _ in range(ATTEMPTS):
                calls += 1
                try:
                    answer = await sqs.send_message_batch(
                        QueueUrl=url,
                        Entries=[{"Id": i, "MessageBody": b} for i, b in pending.items()],
                    )
                except Exception as exc:
                    raise DependencyError("Error queueing work") from exc
                failed = answer.get("Failed") or []
                if any(f.get("SenderFault") for f in failed):
                    raise DependencyError(f"SQS refused a message: {failed[0].get('Code')}")
                pending = {f["Id"]: pending[f["Id"]] for f in failed}
                if not pending:
                    break
        if pending:
            raise DependencyError(f"{len(pending)} message(s) could not be queued")
        return calls

    return sum(await gather_all(*(send(b) for b in _batches(bodies))))
