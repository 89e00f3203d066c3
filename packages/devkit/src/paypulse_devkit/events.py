"""Asynchronous triggers of the local stack, wired from the same declarations as infra.

moto stores events but never runs functions, so the pump delivers them itself:
- S3 triggers: the bucket notifies an SQS queue per function (prefix/suffix filters from the
  declaration); the pump turns each message back into the S3 event for the handler.
- Stream triggers: the pump reads the table's DynamoDB stream (dynamodbstreams) and hands the
  declared event types to the handler in batches.
Like Lambda, a failing event is retried and then sent to the function's dead-letter queue, so
nothing is dropped silently: asynchronous invocations (S3, EventBridge schedules) get 2
retries within the maximum event age; stream batches the retries of their event source
mapping within the maximum record age (the values infra/components/function.py deploys). A
function that runs past its timeout fails like any other error (``Sandbox.Timedout``).
Lambda waits about 1 then 2 minutes between asynchronous attempts; the pump does not sleep but
counts those waits in the event's age, so the maximum event age cuts retries as it would on
AWS. S3 keys arrive URL-encoded as S3 sends them (space → ``+``, non-ASCII percent-encoded).
- SQS triggers (work queues): the queue is a real moto queue with the declared redrive
  policy; the pump polls it as Lambda's event source mapping does (with the consumer's IAM
  policy: ReceiveMessage, DeleteMessage), hands up to ``batch_size`` messages as one SQS event to
  the worker, deletes the messages not named in ``batchItemFailures`` and leaves the others to
  become visible again (the whole batch when the function failed or answered an invalid
  response). The visibility timeout is not waited for: ``drain()`` lets it pass as soon as
  nothing else is pending (``redelivery_after`` seconds in the background thread), and SQS
  itself moves a message received ``maxReceiveCount`` times to the dead-letter queue.
  Batches run concurrently, as the event source mapping's pollers run them: at first five
  batches at a time, then up to 300 more concurrent invocations per minute while messages are
  still available, never more than the mapping's ``maximum_concurrency`` (``ScalingConfig.
  MaximumConcurrency``, 2-1000: "limits the number of concurrent instances that the Amazon SQS
  event source can invoke"). The pump records the largest backlog it saw
  (``ApproximateNumberOfMessages``, sampled before receiving) and the most batches in flight
  at once (``queue_stats``).
  Ref: Lambda developer guide, "Using Lambda with Amazon SQS" (example event), "Handling
  errors for an SQS event source in Lambda" (partial batch responses) and "Configuring scaling
  behavior for SQS event source mappings" (five batches first, +300 per minute, maximum
  concurrency); CloudFormation ``AWS::Lambda::EventSourceMapping ScalingConfig`` (2-1000).
``drain()`` delivers everything pending now (tests); ``start()`` runs a background thread
(``paypulse dev``).

Refs: Lambda developer guide, "Configuring error handling for asynchronous invocation"
(MaximumRetryAttempts 0-2, MaximumEventAgeInSeconds 60-21600, retry waits) and "Event message
structure" for S3 ("The s3 key ... is URL encoded").
Every event is told in one readable line (``lines``, and the stack's log): ingested, parsed,
pushed, failed, dead-lettered.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from infra.workspace import Function, Workspace
from paypulse_devkit.aws_local import PhysicalNames, boto_client


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # the first try plus the retries
    max_age_s: float  # older events are not tried again (sent to the dead-letter queue)
    waits_s: tuple[float, ...] = ()  # what Lambda waits before each retry


# Mirrors infra/components/function.py (ASYNC_RETRIES, MAX_EVENT_AGE; STREAM_RETRIES,
# STREAM_MAX_RECORD_AGE), which imports Pulumi and so cannot be imported here.
ASYNC_POLICY = RetryPolicy(attempts=1 + 2, max_age_s=6 * 3600, waits_s=(60.0, 120.0))
STREAM_POLICY = RetryPolicy(attempts=1 + 3, max_age_s=24 * 3600)

MAX_LINES = 500

# SQS event source mapping scaling (Lambda developer guide, "Configuring scaling behavior for SQS
# event source mappings"): "Lambda starts processing five batches at a time with five concurrent
# invocations of your function. If messages are still available, Lambda increases the number of
# processes that are reading batches by up to 300 more instances per minute", bounded by the
# mapping's maximum concurrency.
SQS_INITIAL_BATCHES = 5
SQS_SCALE_UP_PER_MINUTE = 300
DEPTH_SAMPLE_EVERY_S = 0.25  # ApproximateNumberOfMessages is read at most this often per queue


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def _recorded_failures(result: Any) -> int:
    """Permanent failures a parser recorded and returned from (its invocation succeeded)."""
    if not isinstance(result, dict):
        return 0
    failed = result.get("failed", 0)
    outcomes = [r.get("outcome") for r in result.get("results", []) if isinstance(r, dict)]
    return (failed if isinstance(failed, int) else 0) + outcomes.count("failed")


def event_subject(event: dict[str, Any]) -> str:
    """What an event is about, for a log line: object keys, invoice ids or the schedule."""
    from urllib.parse import unquote_plus

    if event.get("source") == "aws.events":
        return ", ".join(r.rsplit("/", 1)[-1] for r in event.get("resources", []))
    names = []
    for record in event.get("Records", []):
        if "s3" in record:
            names.append(unquote_plus(record["s3"]["object"]["key"]))
        elif "dynamodb" in record:
            image = record["dynamodb"].get("NewImage") or record["dynamodb"].get("Keys") or {}
            names.append(str((image.get("InvoiceID") or {}).get("S", record.get("eventName"))))
    more = f" (+{len(names) - 3} more)" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


@dataclass
class Delivery:
    function: str
    ok: bool
    attempts: int
    error: str | None = None
    result: Any = None
    event: Any = None


def _batch_item_failures(result: Any, ids: set[str]) -> set[str]:
    """The message ids a partial batch response reports as failed. An invalid response (not
    an object, or an itemIdentifier that is empty or not in the batch) fails the whole batch,
    as Lambda does (Lambda developer guide, "Handling errors for an SQS event source" > success
    and failure conditions: an invalid JSON response, an empty or null itemIdentifier, or one
    naming a message not in the batch make the whole batch a failure)."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return set(ids)
    failures = result.get("batchItemFailures") or []
    if not isinstance(failures, list):
        return set(ids)
    failed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in ids:
            return set(ids)
        failed.add(identifier)
    return failed


def s3_event_key(key: str) -> str:
    """An object key as S3 writes it into event notifications: form-URL-encoded (space → '+',
    UTF-8 percent-encoded), '/' kept."""
    return quote_plus(key, safe="/")


def _event_time(event: dict[str, Any]) -> float | None:
    """When the event happened (S3 eventTime, EventBridge time, stream creation time)."""
    records = event.get("Records") or []
    if records:
        first = records[0]
        if "eventTime" in first:
            return datetime.fromisoformat(first["eventTime"].replace("Z", "+00:00")).timestamp()
        created = (first.get("dynamodb") or {}).get("ApproximateCreationDateTime")
        if isinstance(created, int | float):
            return float(created)
        if isinstance(created, datetime):
            return created.timestamp()
    if "time" in event:
        return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00")).timestamp()
    return None


@dataclass
class QueueStats:
    """What the pump saw of one work queue since it was configured."""

    maximum_concurrency: int
    batches: int = 0
    messages: int = 0
    in_flight: int = 0  # batches handed to the function and not answered yet
    peak_in_flight: int = 0
    max_depth: int = 0  # largest ApproximateNumberOfMessages sampled before a receive

    def as_dict(self) -> dict[str, int]:
        return {
            "maximum_concurrency": self.maximum_concurrency,
            "batches": self.batches,
            "messages": self.messages,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "max_depth": self.max_depth,
        }


@dataclass
class _Consumer:
    function: Function
    url: str
    arn: str
    dlq: str
    max_receive_count: int
    client: Any = None  # authorized as the function (its execution role) when IAM is enforced
    invisible: list[tuple[float, str]] = field(default_factory=list)  # (since, receipt handle)
    stats: QueueStats = field(default_factory=lambda: QueueStats(maximum_concurrency=5))
    active_since: float | None = None  # when the pollers found messages (scale-up clock)
    depth_sampled: float = 0.0
    running: set[Future[None]] = field(default_factory=set)

    def allowed(self, now: float) -> int:
        """Concurrent batches the mapping may run now: five, then +300 per minute while
        messages keep coming, at most the maximum concurrency."""
        ramp = SQS_INITIAL_BATCHES
        if self.active_since is not None:
            ramp += int((now - self.active_since) * SQS_SCALE_UP_PER_MINUTE / 60)
        return min(self.stats.maximum_concurrency, ramp)


@dataclass
class _Stream:
    function: Function
    arn: str
    iterators: dict[str, str | None] = field(default_factory=dict)


class EventPump:
    def __init__(
        self, ws: Workspace, endpoint: str, invoke: Callable[[str, dict[str, Any]], Any]
    ) -> None:
        self.ws = ws
        self.endpoint = endpoint
        self.invoke = invoke
        self.deliveries: list[Delivery] = []
        self.clock: Callable[[], float] = time.time  # wall clock of event ages (tests move it)
        self.async_policy = ASYNC_POLICY
        self.stream_policy = STREAM_POLICY
        self.lines: deque[str] = deque(maxlen=MAX_LINES)
        self.on_line: Callable[[str], None] = _stderr
        self._queues: dict[str, tuple[str, str]] = {}  # function -> (queue url, dlq url)
        self._streams: list[_Stream] = []
        self._consumers: list[_Consumer] = []
        self.iam: Any = None  # iam_enforcement.Enforcer: the pump polls queues as the consumer
        self.redelivery_after = 30.0  # background thread: failed messages visible again after
        # function -> maximum concurrency of its SQS mapping (stack config); else the declaration
        self.maximum_concurrency: dict[str, int] = {}
        self._batches: ThreadPoolExecutor | None = None  # the mappings' concurrent invocations
        self._settled = threading.Condition()  # notified whenever a batch is answered
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- wiring
    def _client(self, service: str) -> Any:
        """The pump's own client of ``service`` (made once: a boto3 client costs tens of ms of
        CPU to build, and the pump polls several times a second)."""
        with self._clients_lock:
            client = self._clients.get(service)
            if client is None:
                client = self._clients[service] = boto_client(service, self.endpoint)
            return client

    def configure(self, names: PhysicalNames) -> None:
        """(Re)create queues, bucket notifications and stream readers after provisioning."""
        with self._lock:
            sqs = self._client("sqs")
            s3 = boto_client("s3", self.endpoint)
            self._queues.clear()
            self._streams.clear()
            self._consumers.clear()
            self.deliveries.clear()
            self.lines.clear()
            per_bucket: dict[str, list[dict[str, Any]]] = {}
            for fn in self.ws.functions.values():
                if fn.s3 or fn.stream or fn.schedules:
                    dlq = sqs.create_queue(QueueName=f"paypulse-local-{fn.name}-dlq")["QueueUrl"]
                    queue = ""
                    if fn.s3:
                        queue = sqs.create_queue(QueueName=f"paypulse-local-{fn.name}-s3")[
                            "QueueUrl"
                        ]
                        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
                            "Attributes"
                        ]["QueueArn"]
                        per_bucket.setdefault(names.buckets[fn.s3.bucket], []).append(
                            {
                                "Id": fn.name,
                                "QueueArn": arn,
                                "Events": ["s3:ObjectCreated:*"],
                                "Filter": {
                                    "Key": {
                                        "FilterRules": [
                                            {"Name": "prefix", "Value": fn.s3.prefix},
                                            {"Name": "suffix", "Value": fn.s3.suffix},
                                        ]
                                    }
                                },
                            }
                        )
                    self._queues[fn.name] = (queue, dlq)
                if fn.stream:
                    self._streams.append(_Stream(fn, names.stream_arns[fn.stream.table]))
                if fn.sqs:
                    client = boto_client("sqs", self.endpoint)
                    if self.iam is not None:
                        self.iam.install(client.meta.events, fn.name)
                    bound = self.maximum_concurrency.get(fn.name, fn.sqs.maximum_concurrency)
                    self._consumers.append(
                        _Consumer(
                            fn,
                            names.queues[fn.sqs.queue],
                            names.queue_arns[fn.sqs.queue],
                            names.dead_letter_queues[fn.sqs.queue],
                            self.ws.resources.queues[fn.sqs.queue].max_receive_count,
                            client,
                            stats=QueueStats(maximum_concurrency=bound),
                        )
                    )
            if self._consumers and self._batches is None:
                self._batches = ThreadPoolExecutor(
                    max_workers=sum(c.stats.maximum_concurrency for c in self._consumers),
                    thread_name_prefix="esm",
                )
            for bucket, configs in per_bucket.items():
                s3.put_bucket_notification_configuration(
                    Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configs}
                )
            streams = self._client("dynamodbstreams")
            for stream in self._streams:
                shards = streams.describe_stream(StreamArn=stream.arn)["StreamDescription"][
                    "Shards"
                ]
                for shard in shards:
                    stream.iterators[shard["ShardId"]] = streams.get_shard_iterator(
                        StreamArn=stream.arn,
                        ShardId=shard["ShardId"],
                        ShardIteratorType="TRIM_HORIZON",
                    )["ShardIterator"]

    # ---------------------------------------------------------------- delivery
    def _deliver(
        self, fn: Function, event: dict[str, Any], policy: RetryPolicy | None = None
    ) -> Delivery:
        policy = policy or self.async_policy
        happened = _event_time(event)
        started = self.clock()
        waited = 0.0
        error = "EventAgeExceeded: the event is older than the maximum event age"
        attempts = 0
        subject = event_subject(event)
        if fn.s3:
            self._say("ingested", fn.name, subject)
        done = "parsed" if fn.s3 else "pushed" if fn.stream and fn.topics else "ran"
        for attempt in range(1, policy.attempts + 1):
            if attempt > 1:
                waited += policy.waits_s[attempt - 2] if attempt - 2 < len(policy.waits_s) else 0
            age = self.clock() - (happened if happened is not None else started) + waited
            if age > policy.max_age_s:
                error = f"EventAgeExceeded: {age:.0f} s old, maximum {policy.max_age_s:.0f} s"
                break
            attempts = attempt
            try:
                result = self.invoke(fn.name, event)
                said = "failed" if _recorded_failures(result) else done  # recorded, not retried
                self._say(said, fn.name, subject, f"attempt {attempt}" if attempt > 1 else "")
                return self._record(Delivery(fn.name, True, attempt, result=result, event=event))
            except Exception as exc:  # the function raised or timed out: Lambda retries it
                kind = getattr(exc, "error_type", type(exc).__name__)
                error = f"{kind}: {exc}"
                self._say(
                    "failed", fn.name, subject, f"attempt {attempt}/{policy.attempts}: {error}"
                )
        sqs = self._client("sqs")
        sqs.send_message(
            QueueUrl=self._queues[fn.name][1],
            MessageBody=json.dumps({"event": event, "error": error}, default=str),
        )
        self._say("dead-lettered", fn.name, subject, f"after {attempts} attempts")
        return self._record(Delivery(fn.name, False, attempts, error, event=event))

    def _say(self, what: str, function: str, subject: str, detail: str = "") -> None:
        stamp = time.strftime("%H:%M:%S")
        line = f"{stamp} {what:<13} {function:<26} {subject}" + (f"  [{detail}]" if detail else "")
        self.lines.append(line[:500])
        self.on_line(line[:500])

    def _record(self, delivery: Delivery) -> Delivery:
        self.deliveries.append(delivery)
        return delivery

    def _poll_s3(self) -> int:
        sqs = self._client("sqs")
        handled = 0
        for name, (queue, _) in list(self._queues.items()):
            if not queue:
                continue
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            for message in messages:
                body = json.loads(message["Body"])
                if body.get("Event") == "s3:TestEvent":
                    pass
                elif body.get("Records"):
                    for record in body["Records"]:  # moto quote_plus-es '/' too; S3 does not
                        obj = record["s3"]["object"]
                        obj["key"] = s3_event_key(unquote_plus(obj["key"]))
                    self._deliver(self.ws.functions[name], body)
                    handled += 1
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return handled

    def _poll_streams(self) -> int:
        streams = self._client("dynamodbstreams")
        handled = 0
        for stream in self._streams:
            assert stream.function.stream is not None
            wanted = set(stream.function.stream.events)
            for shard, iterator in list(stream.iterators.items()):
                if not iterator:
                    continue
                response = streams.get_records(ShardIterator=iterator, Limit=100)
                stream.iterators[shard] = response.get("NextShardIterator")
                records = [r for r in response.get("Records", []) if r["eventName"] in wanted]
                size = stream.function.stream.batch_size
                for start in range(0, len(records), size):
                    batch = records[start : start + size]
                    for r in batch:
                        r["eventSourceARN"] = stream.arn
                    self._deliver(stream.function, {"Records": batch}, self.stream_policy)
                    handled += 1
        return handled

    def _poll_queues(self) -> int:
        """Start as many batches as each mapping may run now (one receive of up to its batch
        size each, one invocation per batch, running concurrently); failed messages of the
        background pump become visible again after ``redelivery_after``. Returns the batches
        started."""
        started = 0
        for consumer in self._consumers:
            if consumer.invisible:
                self._expire(consumer, self.redelivery_after)
            started += self._poll_queue(consumer)
        return started

    def _expire(self, consumer: _Consumer, older_than: float | None) -> None:
        """Let the visibility timeout of failed messages pass (the clock, not an API caller:
        an unauthorized client)."""
        now = time.monotonic()
        with self._settled:
            due = [
                h
                for since, h in consumer.invisible
                if older_than is None or now - since >= older_than
            ]
            if not due:
                return
            consumer.invisible = [(t, h) for t, h in consumer.invisible if h not in due]
        sqs = self._client("sqs")
        for start in range(0, len(due), 10):
            sqs.change_message_visibility_batch(
                QueueUrl=consumer.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                    for i, h in enumerate(due[start : start + 10])
                ],
            )

    def _sample_depth(self, consumer: _Consumer, now: float) -> None:
        """The queue's backlog (messages available for retrieval), read at most every
        DEPTH_SAMPLE_EVERY_S: moto counts the messages one by one."""
        if now - consumer.depth_sampled < DEPTH_SAMPLE_EVERY_S:
            return
        consumer.depth_sampled = now
        attrs = self._client("sqs").get_queue_attributes(
            QueueUrl=consumer.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        depth = int(attrs.get("ApproximateNumberOfMessages", "0"))
        consumer.stats.max_depth = max(consumer.stats.max_depth, depth)

    def _poll_queue(self, consumer: _Consumer) -> int:
        fn = consumer.function
        assert fn.sqs is not None and self._batches is not None
        started = 0
        while True:
            now = time.monotonic()
            with self._settled:
                free = consumer.allowed(now) - consumer.stats.in_flight
            if free <= 0:
                return started
            self._sample_depth(consumer, now)
            messages = consumer.client.receive_message(
                QueueUrl=consumer.url,
                MaxNumberOfMessages=fn.sqs.batch_size,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                if started == 0 and consumer.stats.in_flight == 0:
                    consumer.active_since = None  # idle: the pollers scale back
                return started
            if consumer.active_since is None:
                consumer.active_since = now
            with self._settled:
                stats = consumer.stats
                stats.in_flight += 1
                stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
                stats.batches += 1
                stats.messages += len(messages)
            future = self._batches.submit(self._run_batch, consumer, messages)
            consumer.running.add(future)
            future.add_done_callback(functools.partial(self._batch_done, consumer))
            started += 1

    def _batch_done(self, consumer: _Consumer, future: Future[None]) -> None:
        error = future.exception()
        if error is not None:  # the mapping itself failed (e.g. DeleteMessageBatch denied)
            self._say("failed", consumer.function.name, "event source mapping", repr(error))
        with self._settled:
            consumer.running.discard(future)
            consumer.stats.in_flight -= 1
            self._settled.notify_all()

    def _run_batch(self, consumer: _Consumer, messages: list[dict[str, Any]]) -> None:
        """One invocation with one batch, then what the event source mapping does with the
        answer: delete the messages that succeeded, leave the failed ones in flight."""
        fn = consumer.function
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes") or {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": consumer.arn,
                "awsRegion": consumer.arn.split(":")[3],
            }
            for m in messages
        ]
        event = {"Records": records}
        subject = f"{len(records)} message(s) of {consumer.url.rsplit('/', 1)[-1]}"
        ids = {r["messageId"] for r in records}
        try:
            result = self.invoke(fn.name, event)
            failed = _batch_item_failures(result, ids)
            error = None
        except Exception as exc:  # the function failed: the whole batch comes back
            result, failed = None, ids
            error = f"{getattr(exc, 'error_type', type(exc).__name__)}: {exc}"
        done = [r for r in records if r["messageId"] not in failed]
        for start in range(0, len(done), 10):
            consumer.client.delete_message_batch(
                QueueUrl=consumer.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                    for i, r in enumerate(done[start : start + 10])
                ],
            )
        now = time.monotonic()
        for r in records:
            if r["messageId"] in failed:
                with self._settled:
                    consumer.invisible.append((now, r["receiptHandle"]))
                received = int(r["attributes"].get("ApproximateReceiveCount", "1"))
                last = received >= consumer.max_receive_count
                self._say(
                    "failed",
                    fn.name,
                    r["messageId"],
                    f"receive {received}/{consumer.max_receive_count}"
                    + ("; next: dead-letter queue" if last else ""),
                )
        if not failed:
            self._say("ran", fn.name, subject)
        self._record(Delivery(fn.name, not failed, 1, error, result=result, event=event))

    def _in_flight(self) -> int:
        with self._settled:
            return sum(c.stats.in_flight for c in self._consumers)

    def _await_batches(self) -> None:
        """Wait until every batch handed to a function has been answered."""
        with self._settled:
            self._settled.wait_for(lambda: not any(c.stats.in_flight for c in self._consumers))

    def queue_stats(self) -> dict[str, dict[str, int]]:
        """Per work queue: batches, messages, the most batches in flight at once, the largest
        backlog seen and the mapping's maximum concurrency."""
        with self._settled:
            return {
                c.function.sqs.queue: c.stats.as_dict() for c in self._consumers if c.function.sqs
            }

    def queue_dead_letters(self, queue: str) -> list[dict[str, Any]]:
        """The messages in a work queue's dead-letter queue (left there)."""
        consumer = next(
            c for c in self._consumers if c.function.sqs and c.function.sqs.queue == queue
        )
        sqs = self._client("sqs")
        return sqs.receive_message(
            QueueUrl=consumer.dlq,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])

    def fire_schedule(self, name: str) -> Delivery | None:
        """Run the function that declares schedule ``name`` now, as EventBridge would."""
        fn = self.ws.scheduled(name)
        if fn is None:
            return None
        event = {
            "version": "0",
            "id": f"local-{time.time_ns()}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "resources": [f"local:schedule/{name}"],
            "detail": {},
        }
        with self._lock:
            return self._deliver(fn, event)

    def tick(self) -> int:
        """One poll of every source; returns once the queue batches it started are answered
        (tests read their deliveries right after)."""
        handled = self._poll()
        self._await_batches()
        return handled

    def _poll(self) -> int:
        with self._lock:
            return self._poll_s3() + self._poll_streams() + self._poll_queues()

    def drain(self, *, timeout: float = 60.0) -> list[Delivery]:
        """Deliver until two consecutive polls find nothing and no batch is in flight, letting
        the visibility timeout of failed queue messages pass whenever nothing else is pending;
        returns what was delivered. Queue batches keep running concurrently meanwhile."""
        before = len(self.deliveries)
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2 and time.monotonic() < deadline:
            if self._poll():
                quiet = 0
            elif self._in_flight():
                with self._settled:  # wake up when a batch is answered (a slot is free)
                    self._settled.wait(0.05)
                quiet = 0
            elif any(c.invisible for c in self._consumers):
                with self._lock:
                    for consumer in self._consumers:
                        self._expire(consumer, None)
                quiet = 0
            else:
                quiet += 1
        self._await_batches()
        return self.deliveries[before:]

    def dead_letters(self, function: str) -> list[dict[str, Any]]:
        sqs = self._client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self._queues[function][1], MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    # ---------------------------------------------------------------- background
    def start(self, interval: float = 0.2) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    started = self._poll()
                except Exception:  # keep pumping; a broken poll must not stop the stack
                    time.sleep(1)
                    continue
                if not started:  # poll again after ``interval`` or when a batch slot frees
                    with self._settled:
                        self._settled.wait(interval)

        self._thread = threading.Thread(target=loop, name="event-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._settled:
            self._settled.notify_all()
        if self._thread:
            self._thread.join(timeout=5)
        if self._batches is not None:
            self._batches.shutdown(wait=True)
