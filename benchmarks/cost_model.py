"""Monthly AWS cost per 1,000 / 10,000 / 100,000 users, for both Gmail token stores.

The calls are counted, not typed in: a few users live through the month's code paths in the
local stack (the real handlers, IAM enforced), once per token store, and every AWS API call each
function makes is counted by a botocore hook on the functions' sessions (the same sessions the
IAM enforcement authorizes), with each invocation's wall time. One user's month is then:

    30 x app session     GET /v1/user/me, GET /v1/invoices/rental, GET /v1/invoices/retail
     1 x rent notice     the rental sync that finds this month's notice: fetch, S3 put, the
                         S3-triggered parse, the push
  20.7 x idle rental sync (weekdays 08:30: 21.7 a month, one finds the notice)
  4.35 x retail sync     (Sundays 18:00)
  with Gmail push on (paypulse:gmailPushTopic set), also:
     6 x watch renewal   the daily renew_gmail_watches run that finds the user's watch expiring
                         within 2 days (watches live 7 days: renewed every 5 days, 30/5 a month)
                         and the sync_invoices worker's users.watch
     N x Gmail push      an incoming (unrelated) e-mail: the local Pub/Sub's OIDC-signed push ->
                         API Gateway POST /v1/gmail/push -> receive_gmail_push -> sync queue ->
                         sync_invoices (incremental rental + retail sync that finds nothing);
                         at most PUSH_REFRESHES_PER_MONTH of them refresh the access token

Every scenario runs until the local stack is quiet again: the Pub/Sub pushes acknowledged and
the event pump drained (sync and notify queues, S3-triggered parses, stream-triggered pushes), so
the fan-out worker's, the parser's and the notifier's calls are counted with the step that
caused them. Before every scheduled sync the stored access token is made stale, as it is in
production (Google's access tokens live 1 h, syncs are hours or days apart): each sync refreshes
it, so the token store's read + write per refresh is counted with it. Syncs are driven through
the user's ingest route, which queues the work as the schedule does (the API Gateway request is
not counted; its JWT check's secret read is, a slight overcount); renewals through the schedule
(one run per user here: the run's 8 shard queries are shared by every user in production, an
overcount). SQS requests are counted: the functions' SendMessage(Batch) on their sessions, and the
event source mapping's ReceiveMessage (those that returned messages) and DeleteMessageBatch on
the local mapping's client, plus the mapping's idle long polling (ESM_IDLE_RECEIVES_PER_QUEUE).
Durations are measured here on a shared 2-core machine against moto and the local Google (no
network latency), so GB-s are indicative.

Free tiers are left out (the figures are what the usage costs above them). Not modelled:
CloudWatch Logs/metrics, data transfer, Gemini/APNs, DynamoDB storage (under 1 GB at 100,000
users: well inside the 25 GB free tier) and PITR backups.

Run: ``python -m benchmarks cost_model``.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

USERS = (1_000, 10_000, 100_000)
SIM_USERS = 3  # users simulated per store (their calls are averaged)

# ---------------------------------------------------------------------------- prices
# USD, eu-west-1 (Ireland), on-demand list prices as published on the AWS pricing pages, read
# 2026-11-26 (no free tier applied):
#   Lambda      https://aws.amazon.com/lambda/pricing/   (Arm: per GB-second; per request)
#   API Gateway https://aws.amazon.com/api-gateway/pricing/   (HTTP APIs, first 300 M requests;
#               metered in 512 KB increments: a Pub/Sub push body is under 1 KB, one request)
#   DynamoDB    https://aws.amazon.com/dynamodb/pricing/on-demand/   (halved in Nov 2024)
#   S3          https://aws.amazon.com/s3/pricing/   (Standard: first 50 TB; PUT/LIST, GET)
#   SQS         https://aws.amazon.com/sqs/pricing/   (standard queue, per request; each 64 KB
#               chunk of a payload is a request: every message here is under 2 KB)
#   Secrets Mgr https://aws.amazon.com/secrets-manager/pricing/   ($0.40/secret, $0.05/10k calls)
#   KMS         https://aws.amazon.com/kms/pricing/   ($1/key/month, each rotation +$1 for the
#               first two; $0.03 per 10,000 symmetric requests)
#   SNS         https://aws.amazon.com/sns/pricing/   (mobile push notifications)
PRICES = {
    "lambda_gb_s": 0.0000133334,  # arm64 (paypulse:architecture default)
    "lambda_request": 0.20 / 1e6,
    "http_api_request": 1.11 / 1e6,
    "dynamodb_wru": 0.7068 / 1e6,
    "dynamodb_rru": 0.1415 / 1e6,
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # GET and all other requests
    "s3_gb_month": 0.023,
    "sqs_request": 0.40 / 1e6,
    "secret_month": 0.40,
    "secrets_api_call": 0.05 / 10_000,
    "kms_key_month": 1.00,
    "kms_rotation_month": 1.00,  # per rotated key material, first two rotations
    "kms_request": 0.03 / 10_000,
    "sns_push": 0.50 / 1e6,
}

# ---------------------------------------------------------------------------- assumptions
APP_SESSIONS_PER_MONTH = 30.0  # the app opened once a day
RENTAL_SYNCS_PER_MONTH = 365.25 / 7 * 5 / 12  # cron(30 8 ? * MON-FRI *): 21.7
RETAIL_SYNCS_PER_MONTH = 365.25 / 7 / 12  # cron(0 18 ? * SUN *): 4.35
RENT_NOTICES_PER_MONTH = 1.0
MONTHS_OF_NOTICES_KEPT = 12  # S3 storage: a year of notices per user
# Gmail push (README "Gmail push notifications"). ASSUMPTION, not a measurement: an active
# mailbox gets ~50 e-mails a day into the watched labels (everything but SPAM/TRASH), each one
# push (Gmail publishes one notification per mailbox change; a message sent from the mailbox
# is a change too, so 50 covers received + sent mail of a typical personal inbox). PUSH_PROFILES
# prices a few other volumes.
PUSHES_PER_MONTH = 50 * 30.4  # ~1,500
PUSH_PROFILES = (0, 300, 1_500, 6_000)  # pushes per user per month (0: push off)
# A push finds the access token stale only when the last refresh is over 1 h old: mail spread
# over ~16 waking hours a day refreshes it at most 16 times a day (ASSUMPTION).
PUSH_REFRESHES_PER_MONTH = 16 * 30.4
WATCH_RENEWALS_PER_MONTH = 30 / 5  # 7-day watch renewed when it expires within 2 days (daily run)
# The event source mapping keeps polling an empty queue. Lambda's SQS mapping long-polls
# (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html: "Lambda polls the queue and
# invokes your function synchronously"; it starts with five concurrent pollers/batches) and SQS
# bills empty receives as any request (https://aws.amazon.com/sqs/pricing/; long polling waits up
# to 20 s: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/
# sqs-short-and-long-polling.html). ASSUMPTION: 5 pollers x one 20 s receive each = 15 a minute
# per mapped queue, all month (a fixed charge per queue, whatever the users).
ESM_IDLE_RECEIVES_PER_QUEUE = 5 * 3 * 60 * 24 * 30.4
FIXED_STACK_SECRETS = 3  # jwt_signing_key, google_client_id, gemini_api_key
KMS_ROTATIONS_PRICED = 1  # the first yearly rotation (a second adds $1 more in year 3)

SCENARIOS = {  # scenario -> times per user per month (push off)
    "app_session": APP_SESSIONS_PER_MONTH,
    "rent_notice_sync": RENT_NOTICES_PER_MONTH,
    "idle_rental_sync": RENTAL_SYNCS_PER_MONTH - RENT_NOTICES_PER_MONTH,
    "retail_sync": RETAIL_SYNCS_PER_MONTH,
}


def push_scenarios(pushes: float, burst: int = 1) -> dict[str, float]:
    """The push scenarios' times per user per month for ``pushes`` pushes (0: push off),
    arriving one at a time (``burst`` 1) or in bursts of BURST (faster than the worker picks
    the job up: one sync per burst). The refresh scenario is a delta (stale minus fresh)."""
    if pushes <= 0:
        return {}
    if burst == 1:
        stale = min(pushes, PUSH_REFRESHES_PER_MONTH)
        return {
            "watch_renewal": WATCH_RENEWALS_PER_MONTH,
            "gmail_push_refresh": stale,
            "gmail_push": pushes - stale,
        }
    assert burst == BURST, burst
    bursts = pushes / BURST
    stale = min(bursts, PUSH_REFRESHES_PER_MONTH)
    return {
        "watch_renewal": WATCH_RENEWALS_PER_MONTH,
        "gmail_push_burst": bursts,
        "gmail_push_refresh": stale,  # + the refresh of a stale token ...
        "gmail_push": -stale,  # ... over a fresh one
    }


# A burst: mail arriving faster than the worker picks the queued gmail_push job up (a thread of
# replies, a filter moving messages, a newsletter batch). ASSUMPTION for the bursty profile:
# every push is in a burst of 5.
BURST = 5
STORES = ("secretsmanager", "dynamodb-kms")


# ---------------------------------------------------------------------------- counting


@dataclass
class Usage:
    """What a set of invocations used (summable, scalable)."""

    calls: Counter[str] = field(default_factory=Counter)  # "service:Operation"
    wru: float = 0.0
    rru: float = 0.0
    s3_bytes: float = 0.0
    invocations: Counter[str] = field(default_factory=Counter)  # function -> count
    gb_s: float = 0.0
    http: float = 0.0

    def add(self, other: Usage, times: float = 1.0) -> None:
        for k, v in other.calls.items():
            self.calls[k] += v * times
        for k, v in other.invocations.items():
            self.invocations[k] += v * times
        self.wru += other.wru * times
        self.rru += other.rru * times
        self.s3_bytes += other.s3_bytes * times
        self.gb_s += other.gb_s * times
        self.http += other.http * times


def _item_kb(item: dict[str, Any]) -> float:
    """DynamoDB item size: attribute names + values (DynamoDB developer guide, "Item sizes")."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        ((kind, v),) = value.items()
        if kind == "B":
            size += len(v)
        elif kind in ("S", "N"):
            size += len(str(v).encode())
        else:
            size += len(json.dumps(v, default=str).encode())
    return size / 1024


class Meter:
    """Counts the AWS calls of the local stack's functions and their invocations."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.on = False
        self.http = True  # count API Gateway requests (app sessions, not scheduled syncs)
        self.usage = Usage()
        self._install = stack.iam.install
        stack.iam.install = self._install_with_counter
        self._run_in = stack.run_in
        stack.run_in = self._timed_run_in
        self._handle_http = stack.handle_http
        stack.handle_http = self._counted_http
        for consumer in stack.events._consumers:  # the event source mappings' own clients
            self._count_mapping(consumer.client.meta.events)

    def take(self) -> Usage:
        used, self.usage = self.usage, Usage()
        return used

    def _install_with_counter(self, events: Any, function: str) -> None:
        self._install(events, function)

        def count(params: dict, model: Any, **_: Any) -> None:
            if self.on:
                self._count(model.service_model.service_name, model.name, params)

        events.register("before-parameter-build", count, unique_id=f"cost-{uuid.uuid4().hex}")

    def _count_mapping(self, events: Any) -> None:
        """The mapping's billed requests: receives that returned messages (its idle polling is
        priced apart) and the deletes of what the function handled."""

        def received(parsed: dict[str, Any], **_: Any) -> None:
            if self.on and parsed.get("Messages"):
                self.usage.calls["esm:sqs:ReceiveMessage"] += 1

        def deleted(**_: Any) -> None:
            if self.on:
                self.usage.calls["esm:sqs:DeleteMessageBatch"] += 1

        uid = uuid.uuid4().hex
        events.register("after-call.sqs.ReceiveMessage", received, unique_id=f"cost-r-{uid}")
        events.register(
            "before-parameter-build.sqs.DeleteMessageBatch", deleted, unique_id=f"cost-d-{uid}"
        )

    def _count(self, service: str, op: str, p: dict[str, Any]) -> None:
        u = self.usage
        u.calls[f"{service}:{op}"] += 1
        if service == "dynamodb":
            if op in ("GetItem", "Query", "Scan"):
                # One read unit per call (items under 4 KB, strongly consistent at worst).
                u.rru += 1
            elif op == "PutItem":
                u.wru += math.ceil(_item_kb(p["Item"]))
            elif op in ("UpdateItem", "DeleteItem"):
                u.wru += 1
            elif op == "BatchWriteItem":
                u.wru += sum(len(v) for v in p["RequestItems"].values())
            elif op == "TransactWriteItems":
                # Two write units per KB of each item (DynamoDB pricing: transactional writes);
                # a ConditionCheck is billed as a write too.
                for entry in p["TransactItems"]:
                    ((kind, action),) = entry.items()
                    kb = _item_kb(action["Item"]) if kind == "Put" else 1
                    u.wru += 2 * math.ceil(kb)
            elif op == "BatchGetItem":
                u.rru += sum(len(v["Keys"]) for v in p["RequestItems"].values())
        elif service == "s3" and op == "PutObject":
            body = p.get("Body", b"")
            u.s3_bytes += len(body) if isinstance(body, bytes | bytearray) else 0

    def _timed_run_in(self, name: str, work: Any, *, wait: float | None = None) -> Any:
        started = time.perf_counter()
        try:
            return self._run_in(name, work, wait=wait)
        finally:
            if self.on:
                elapsed = time.perf_counter() - started
                memory_gb = self.stack.ws.functions[name].memory / 1024
                self.usage.invocations[name] += 1
                # Lambda bills each invocation's duration rounded up to 1 ms.
                self.usage.gb_s += math.ceil(elapsed * 1000) / 1000 * memory_gb

    def _counted_http(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if self.on and self.http and not path.startswith("/_local"):
            self.usage.http += 1
        return self._handle_http(method, path, *args, **kwargs)


# ---------------------------------------------------------------------------- simulation


def _call(stack: Any, method: str, path: str, token: str | None = None, body: Any = None,
          form: str | None = None) -> tuple[int, Any]:  # fmt: skip
    headers = {"content-type": "application/json"}
    raw = json.dumps(body).encode() if body is not None else b""
    if form is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
        raw = form.encode()
    if token:
        headers["authorization"] = f"Bearer {token}"
    status, _, payload = stack.handle_http(method, path, headers, raw, "127.0.0.1")
    return status, json.loads(payload) if payload else None


def _connect(stack: Any, n: int) -> list[tuple[str, str]]:
    import jwt

    users = []
    for i in range(n):
        status, body = _call(stack, "POST", "/v1/auth/signup", body={
            "name": f"U{i}", "email": f"cost{i}@example.se", "password": "secret-pass-1"})  # fmt: skip
        assert status == 201, body
        token = body["data"]["access_token"]
        grant = stack.google.accounts.authorize(f"tenant{i}@gmail.com")
        form = f"access_token={grant['access_token']}&refresh_token={grant['refresh_token']}"
        status, body = _call(stack, "POST", "/v1/auth/gmail/store-tokens", token, form=form)
        assert status in (200, 201), body
        users.append((token, jwt.decode(token, options={"verify_signature": False})["sub"]))
    return users


def _make_stale(stack: Any, user_id: str) -> None:
    """The access token expired since the last sync (not counted)."""
    from paypulse_common.runtime import current

    async def expire() -> None:
        from dataclasses import replace

        from paypulse_gmail.token_store import token_store

        store = token_store()
        tokens = await store.load(user_id)
        assert tokens is not None
        past = datetime.now(UTC) - timedelta(hours=2)
        await store.save(user_id, replace(tokens, expires_at=past), previous=tokens)

    stack.run_in("gmail_store_tokens", lambda: current().run(expire()))


def _expire_watch(stack: Any, user_id: str, address: str) -> None:
    """The user's watch expires tomorrow: the next daily renewal picks it (not counted)."""
    from paypulse_common.gmail_watches import save_watch
    from paypulse_common.runtime import current

    tomorrow_ms = int((datetime.now(UTC) + timedelta(days=1)).timestamp() * 1000)
    stack.run_in(
        "gmail_store_tokens", lambda: current().run(save_watch(user_id, address, tomorrow_ms))
    )


def _settle(stack: Any) -> None:
    """Until nothing is left to do: pushes acknowledged, queues, S3 and streams drained."""
    stack.google.pubsub.drain()
    stack.wait_idle()
    stack.events.drain()
    stack.wait_idle()


def simulate(store: str, n: int = SIM_USERS) -> dict[str, Usage]:
    """Per-user usage of each scenario with that token store (averaged over n users)."""
    from infra.workspace import workspace
    from paypulse_devkit.local_stack import LocalStack
    from paypulse_devkit.mailbox import compose_message

    stack = LocalStack(workspace(store), workers=4, mailbox="demo")
    stack.start()
    try:
        meter = Meter(stack)
        users = _connect(stack, n)
        _settle(stack)  # what connecting started (not counted)
        per_user: dict[str, Usage] = {}

        def measure(name: str, step: Any, *, http: bool = False, stale: bool = True) -> None:
            total = Usage()
            for i, (token, user_id) in enumerate(users):
                if stale:
                    _make_stale(stack, user_id)
                # Syncs run on schedule (no API Gateway); here they go through their user
                # route, whose requests are not counted (its JWT check is: a few secret reads).
                meter.on, meter.http = True, http
                status = step(i, token, user_id)
                _settle(stack)  # the worker, parses and pushes belong to the step
                meter.on = False
                assert 200 <= status < 300, (name, status)
                total.add(meter.take())
            average = Usage()
            average.add(total, 1 / n)
            per_user[name] = average

        def app(i: int, token: str, user_id: str) -> int:
            statuses = [_call(stack, "GET", p, token)[0] for p in
                        ("/v1/user/me", "/v1/invoices/rental", "/v1/invoices/retail")]  # fmt: skip
            return max(statuses)

        def route(path: str) -> Any:
            return lambda i, token, user_id: _call(stack, "POST", path, token)[0]

        def renewal(i: int, token: str, user_id: str) -> int:
            meter.on = False
            _expire_watch(stack, user_id, f"tenant{i}@gmail.com")
            meter.on = True
            delivery = stack.events.fire_schedule("gmail-watch-renewal")
            return 200 if delivery is not None and delivery.ok else 500

        def incoming_mail(i: int, token: str, user_id: str) -> int:
            raw = compose_message(
                sender="Nyhetsbrev <news@example.com>",
                to=f"tenant{i}@gmail.com",
                subject=f"Veckans erbjudanden {uuid.uuid4().hex[:8]}",
                sent=datetime.now(UTC),
                text="Inget som rör hyran.",
            )
            pubsub = stack.google.pubsub
            before = len(pubsub.deliveries)
            stack.mailbox.deliver(raw)  # Gmail publishes the change; Pub/Sub pushes it
            pubsub.drain()
            pushed = pubsub.deliveries[before:]
            assert len(pushed) == 1, pushed  # one change, one push
            return pushed[0].statuses[-1]

        measure("app_session", app, http=True, stale=False)
        measure("rent_notice_sync", route("/v1/invoices/rental/ingest/latest"))
        measure("idle_rental_sync", route("/v1/invoices/rental/ingest/latest"))
        measure("retail_sync", route("/v1/invoices/retail/ingest"))
        measure("watch_renewal", renewal)
        for i, (token, user_id) in enumerate(users):  # the first push syncs the backlog
            incoming_mail(i, token, user_id)
            _settle(stack)
        measure("gmail_push_refresh", incoming_mail, http=True)
        measure("gmail_push", incoming_mail, http=True, stale=False)

        def burst(i: int, token: str, user_id: str) -> int:
            # The pump is not polling meanwhile: the pushes find the first job still queued.
            return max(incoming_mail(i, token, user_id) for _ in range(BURST))

        measure("gmail_push_burst", burst, http=True, stale=False)
        return per_user
    finally:
        stack.stop()


# ---------------------------------------------------------------------------- pricing


def monthly_usage(scenarios: dict[str, Usage], pushes: float = 0.0, burst: int = 1) -> Usage:
    """One user's month with ``pushes`` Gmail pushes (0: push off, no watch either), one at a
    time or in bursts of ``burst``."""
    month = Usage()
    for name, times in {**SCENARIOS, **push_scenarios(pushes, burst)}.items():
        month.add(scenarios[name], times)
    return month


def cost(month: Usage, users: int, store: str, mapped_queues: int = 2) -> dict[str, float]:
    """Monthly USD by line for ``users`` users, from one user's month (``mapped_queues``: the
    queues an event source mapping polls, a fixed charge)."""
    p, c = PRICES, month.calls
    sqs_calls = sum(v for k, v in c.items() if k.startswith(("sqs:", "esm:sqs:")))
    s3_put = sum(v for k, v in c.items() if k in ("s3:PutObject", "s3:ListObjectVersions",
                                                    "s3:ListObjectsV2", "s3:CopyObject"))  # fmt: skip
    s3_get = sum(v for k, v in c.items() if k.startswith("s3:")) - s3_put
    secrets_calls = sum(v for k, v in c.items() if k.startswith("secretsmanager:"))
    kms_calls = sum(v for k, v in c.items() if k.startswith("kms:"))
    lines = {
        "lambda": (
            month.gb_s * p["lambda_gb_s"] + sum(month.invocations.values()) * p["lambda_request"]
        )
        * users,
        "api_gateway": month.http * p["http_api_request"] * users,
        "dynamodb": (month.wru * p["dynamodb_wru"] + month.rru * p["dynamodb_rru"]) * users,
        "s3": (
            s3_put * p["s3_put"]
            + s3_get * p["s3_get"]
            + month.s3_bytes * MONTHS_OF_NOTICES_KEPT / 1e9 * p["s3_gb_month"]
        )
        * users,
        "sqs": (sqs_calls * users + mapped_queues * ESM_IDLE_RECEIVES_PER_QUEUE) * p["sqs_request"],
        "sns": c["sns:Publish"] * p["sns_push"] * users,
        "secrets_manager": FIXED_STACK_SECRETS * p["secret_month"]
        + secrets_calls * p["secrets_api_call"] * users
        + (users * p["secret_month"] if store == "secretsmanager" else 0.0),
        "kms": (
            p["kms_key_month"] + KMS_ROTATIONS_PRICED * p["kms_rotation_month"]
            if store == "dynamodb-kms"
            else 0.0
        )
        + kms_calls * p["kms_request"] * users,
    }
    lines["total"] = sum(lines.values())
    return lines


def _mapped_queues(store: str) -> int:
    from infra.workspace import workspace

    return len({f.sqs.queue for f in workspace(store).functions.values() if f.sqs})


def _profiles() -> dict[str, tuple[int, int]]:
    """label -> (pushes per user-month, burst): PUSH_PROFILES one at a time, and 1,500 in
    bursts of BURST."""
    profiles = {str(p): (p, 1) for p in PUSH_PROFILES}
    profiles[f"{PUSH_PROFILES[2]}/{BURST}"] = (PUSH_PROFILES[2], BURST)
    return profiles


def run(n: int = SIM_USERS) -> dict[str, Any]:
    result: dict[str, Any] = {"prices": PRICES, "prices_read": "2026-11-26", "region": "eu-west-1",
                              "simulated_users": n, "scenarios_per_month": SCENARIOS,
                              "push_scenarios_per_month": push_scenarios(PUSHES_PER_MONTH),
                              "push_profiles": list(_profiles())}  # fmt: skip
    for store in STORES:
        scenarios = simulate(store, n)
        queues = _mapped_queues(store)
        per_scenario = {
            name: {
                "calls": {k: round(v, 2) for k, v in sorted(u.calls.items())},
                "invocations": dict(u.invocations),
                "gb_s": round(u.gb_s, 4),
                "wru": round(u.wru, 1),
                "rru": round(u.rru, 1),
                "http_requests": u.http,
            }
            for name, u in scenarios.items()
        }
        result[store] = {"per_scenario": per_scenario, "cost": {}, "per_user_month": {}}
        for label, (pushes, burst) in _profiles().items():
            month = monthly_usage(scenarios, pushes, burst)
            result[store]["per_user_month"][label] = {
                "calls": {k: round(v, 2) for k, v in sorted(month.calls.items())},
                "invocations": {k: round(v, 2) for k, v in sorted(month.invocations.items())},
                "gb_s": round(month.gb_s, 3),
                "wru": round(month.wru, 1),
                "rru": round(month.rru, 1),
                "http_requests": round(month.http, 1),
            }
            result[store]["cost"][label] = {
                str(u): {k: round(v, 2) for k, v in cost(month, u, store, queues).items()}
                for u in USERS
            }
    return result


def table(r: dict[str, Any]) -> str:
    lines = [f"monthly cost, USD, {r['region']} (prices read {r['prices_read']}; calls counted "
             f"over {r['simulated_users']} simulated users per store; pushes per user-month, "
             f"0 = Gmail push off, N/{BURST} = N pushes in bursts of {BURST})"]  # fmt: skip
    first = r[STORES[0]]["cost"]
    items = list(next(iter(next(iter(first.values())).values())))
    lines.append(f"  {'users':>8} {'pushes':>8} {'store':<15}" + "".join(f"{k:>16}" for k in items))
    for u in USERS:
        for label in r["push_profiles"]:
            for store in STORES:
                row = r[store]["cost"][label][str(u)]
                lines.append(f"  {u:>8,} {label:>8} {store:<15}"
                             + "".join(f"{row[k]:>16,.2f}" for k in items))  # fmt: skip
    for store in STORES:
        for label in ("0", str(PUSH_PROFILES[2]), f"{PUSH_PROFILES[2]}/{BURST}"):
            per = r[store]["per_user_month"][label]
            token = {k: v for k, v in per["calls"].items() if k.startswith(("secrets", "kms"))}
            sqs = sum(v for k, v in per["calls"].items() if "sqs:" in k)
            lines.append(f"  {store}, {label} pushes: per user-month {per['gb_s']} GB-s, "
                         f"{sum(per['invocations'].values()):.0f} invocations, "
                         f"{per['http_requests']:.0f} HTTP API requests, {sqs:.0f} SQS requests, "
                         f"{per['wru']:.0f} WRU, {per['rru']:.0f} RRU, token calls {token}")  # fmt: skip
    return "\n".join(lines)
