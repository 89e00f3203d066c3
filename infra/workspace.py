"""Discovery of the workspace's declarations: logical resources and Lambda functions.

Resources are declared once in the root ``pyproject.toml`` under ``[tool.paypulse.*]``; functions
once per service in ``services/<domain>/pyproject.toml`` under ``[tool.paypulse.functions.<name>]``.
The Pulumi program and the local stack both read this module. It imports no Pulumi and no
service code: handlers are named by convention (``paypulse_<domain>.handlers.<function>.handler``).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent

# Access levels: one or more distinct letters (infra/iam.py grants each letter's actions).
# tables:  r item reads + queries, i index queries, s Scan (table and indexes), w puts/updates,
#          d deletes, b BatchWriteItem, c condition checks (ConditionCheck items of a transaction:
#          the tombstone fence on the users row, paypulse_common.tombstone)
# buckets: r GetObject, w PutObject, d delete every version (lists versions under invoices/),
#          v delete a version by id (no listing: an upload of a deleted account, undone)
# secrets: m DescribeSecret only (whether it exists), r value, w put a new value, c create
#          (runtime-created per-user secrets), d delete
# keys:    r kms:Decrypt, w kms:GenerateDataKey (envelope encryption, encryption context bound)
# queues:  s SendMessage(Batch) (a producer; the consumer is the function whose `sqs` trigger
#          names the queue: its event source mapping receives and deletes)
ACCESS_LETTERS = {
    "tables": "risdwbc",
    "buckets": "rwdv",
    "secrets": "mrwcd",
    "keys": "rw",
    "queues": "s",
}
# paypulse:tokenStore: where the per-user Gmail tokens live. Resources marked with another
# ``token_store`` are not created; functions declare their access once, as to the secret, and
# with "dynamodb-kms" that access becomes access to the table (+ the key): TOKEN_STORE_ACCESS.
TOKEN_STORES = ("secretsmanager", "dynamodb-kms")
DEFAULT_TOKEN_STORE = "secretsmanager"  # noqa: S105 - a store name
TOKEN_STORE_RESOURCE = "gmail_tokens"  # noqa: S105 - a logical name
# secret letter -> (table letters, key letters). "m" (exists?) reads the item's key only;
# "d" queries the user's rows to delete them (delete_user's purge).
TOKEN_STORE_ACCESS = {
    "m": ("r", ""),
    "r": ("r", "r"),
    "w": ("w", "w"),
    "c": ("w", "w"),
    "d": ("rdb", ""),  # delete_user purges with BatchWriteItem
}
TOPIC_ACCESS = frozenset({"publish", "endpoints"})
LAYER_PACKAGES = {
    "common": "paypulse-common",
    "gmail": "paypulse-gmail",
    "parsers": "paypulse-parsers",
}
_ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9_\-{}/.]*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DeclarationError(ValueError):
    """A declaration in a pyproject.toml is missing, malformed or names an unknown resource."""


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: str
    range_key: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    hash_key: str
    range_key: str | None
    attributes: dict[str, str]
    indexes: tuple[Index, ...] = ()
    stream: str | None = None
    ttl: str | None = None
    capacity: dict[str, int] | None = None
    user_data: str | None = None
    token_store: str | None = None  # created only when paypulse:tokenStore is this store


@dataclass(frozen=True)
class Bucket:
    name: str
    user_prefix: str | None = None
    noncurrent_version_days: int = 30


@dataclass(frozen=True)
class Secret:
    name: str
    generated: bool = False
    config: str | None = None
    optional: bool = False
    prefix: str | None = None
    user_data: bool = False
    token_store: str | None = None


@dataclass(frozen=True)
class Key:
    """A symmetric KMS key (SYMMETRIC_DEFAULT, rotated yearly) the functions encrypt with."""

    name: str
    description: str = ""
    token_store: str | None = None


@dataclass(frozen=True)
class Topic:
    name: str
    display_name: str = "PayPulse"


@dataclass(frozen=True)
class Queue:
    """A work queue (SQS standard queue) with its dead-letter queue: a message received
    ``max_receive_count`` times without being deleted moves to the DLQ (redrive policy)."""

    name: str
    max_receive_count: int = 5
    retention_days: int = 4


# The consumer's visibility timeout: "we recommend setting the source queue's visibility
# timeout to at least six times the timeout that you configure on your function" (Lambda
# developer guide, "Using Lambda with Amazon SQS" > "Configuring a queue to use with Lambda").
VISIBILITY_PER_TIMEOUT = 6


@dataclass(frozen=True)
class Resources:
    tables: dict[str, Table]
    buckets: dict[str, Bucket]
    secrets: dict[str, Secret]
    topics: dict[str, Topic]
    queues: dict[str, Queue] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str


@dataclass(frozen=True)
class S3Trigger:
    bucket: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class StreamTrigger:
    table: str
    events: tuple[str, ...] = ("INSERT",)
    batch_size: int = 10


@dataclass(frozen=True)
class SqsTrigger:
    """An SQS event source mapping: batches of up to ``batch_size`` messages, at most
    ``maximum_concurrency`` concurrent invocations (a stack config may lower or raise it),
    partial batch responses (ReportBatchItemFailures)."""

    queue: str
    batch_size: int = 10
    maximum_concurrency: int = 5


@dataclass(frozen=True)
class Function:
    name: str
    service: str  # folder name under services/
    distribution: str  # paypulse-<service>
    package: str  # paypulse_<service>
    description: str
    memory: int
    timeout: int
    layers: tuple[str, ...]
    routes: tuple[Route, ...] = ()
    auth: str = "jwt"
    schedules: tuple[Schedule, ...] = ()
    s3: S3Trigger | None = None
    stream: StreamTrigger | None = None
    sqs: SqsTrigger | None = None
    tables: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    gmail_push: str | None = None  # "watch" (calls users.watch) | "receive" (the push route)

    @property
    def module(self) -> str:
        return f"{self.package}.handlers.{self.name}"

    @property
    def handler(self) -> str:
        """The Lambda handler string, derived from the naming convention (CONVENTIONS §3)."""
        return f"{self.module}.handler"

    @property
    def is_async_trigger(self) -> bool:
        """S3, stream and schedule invocations are asynchronous: they need retries and a DLQ."""
        return bool(self.schedules or self.s3 or self.stream)

    @property
    def source_dir(self) -> Path:
        return ROOT / "services" / self.service / "src" / self.package


@dataclass(frozen=True)
class Workspace:
    root: Path
    resources: Resources
    functions: dict[str, Function]
    token_store: str = DEFAULT_TOKEN_STORE

    def routes(self) -> list[tuple[Route, Function]]:
        return [(route, fn) for fn in self.functions.values() for route in fn.routes]

    def consumer(self, queue: str) -> Function | None:
        """The function whose event source mapping reads ``queue`` (at most one)."""
        return next((f for f in self.functions.values() if f.sqs and f.sqs.queue == queue), None)

    def scheduled(self, schedule: str) -> Function | None:
        """The function that declares the schedule named ``schedule`` (names are unique)."""
        return next(
            (f for f in self.functions.values() if any(s.name == schedule for s in f.schedules)),
            None,
        )

    def visibility_timeout(self, queue: str) -> int:
        """The queue's visibility timeout: six times its consumer's timeout."""
        consumer = self.consumer(queue)
        return VISIBILITY_PER_TIMEOUT * (consumer.timeout if consumer else 30)

    def user_data_tables(self) -> list[Table]:
        return [t for t in self.resources.tables.values() if t.user_data]


# --------------------------------------------------------------------------- env contract


def env_name(kind: str, logical: str) -> str:
    """Name of the environment variable carrying a resource's physical name to a function.

    kind is one of TABLE, BUCKET, SECRET, TOPIC, KEY, QUEUE (its URL). The values are names/ARNs, never secret values.
    """
    return f"PAYPULSE_{kind}_{logical.upper()}"


def runtime_environment(
    fn: Function,
    physical: Callable[[str, str], T],
    *,
    stack: str,
    extra: Mapping[str, str] = {},
    ws: Workspace | None = None,
) -> dict[str, T | str]:
    """The environment of one function: physical names of exactly the resources it declares.

    ``physical(kind, logical)`` returns the physical name (infra: a Pulumi Output; local stack: a
    string). Secrets are passed by *name/ARN*, never by value. Functions that may delete from every
    user-data table also get ``PAYPULSE_USER_DATA``: the registry of user-owned data (key schema
    per table, bucket prefixes, secret prefixes) that delete_user purges.
    """
    env: dict[str, T | str] = {"PAYPULSE_STACK": stack}
    for kind, granted in (
        ("TABLE", fn.tables),
        ("BUCKET", fn.buckets),
        ("SECRET", fn.secrets),
        ("TOPIC", fn.topics),
        ("QUEUE", fn.queues),
        ("KEY", fn.keys),
    ):
        for logical in sorted(granted):
            env[env_name(kind, logical)] = physical(kind, logical)
    env.update(extra)
    registry = user_data_registry(ws or workspace_of(fn))
    if registry["tables"] and all("d" in fn.tables.get(t, "") for t in registry["tables"]):
        env["PAYPULSE_USER_DATA"] = json.dumps(registry, sort_keys=True, separators=(",", ":"))
    return env


GMAIL_PUSH_ROLES = ("watch", "receive")
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs"


@dataclass(frozen=True)
class GmailPush:
    """Gmail push notifications of a stack (README "Gmail push notifications"): the Pub/Sub
    topic users.watch names, and what the push route accepts: the OIDC token's audience, the
    push subscription's service account and where Google's signing keys are published."""

    topic: str
    audience: str
    service_account: str
    certs_url: str = GOOGLE_CERTS_URL


def gmail_push_environment(fn: Function, push: GmailPush | None) -> dict[str, str]:
    """The settings a function declaring ``gmail_push`` gets (none while push is off)."""
    if push is None or fn.gmail_push is None:
        return {}
    if fn.gmail_push == "watch":
        return {"PAYPULSE_GMAIL_PUSH_TOPIC": push.topic}
    return {
        "PAYPULSE_GMAIL_PUSH_AUDIENCE": push.audience,
        "PAYPULSE_GMAIL_PUSH_SERVICE_ACCOUNT": push.service_account,
        "PAYPULSE_GOOGLE_CERTS_URL": push.certs_url,
    }


def user_data_registry(ws: Workspace) -> dict:
    """Every place user-owned data lives, from the `user_data` markers of the declarations."""
    return {
        "tables": {
            t.name: [t.hash_key, t.range_key] for t in ws.resources.tables.values() if t.user_data
        },
        "buckets": {b.name: b.user_prefix for b in ws.resources.buckets.values() if b.user_prefix},
        "secrets": {
            s.name: s.prefix for s in ws.resources.secrets.values() if s.user_data and s.prefix
        },
    }


def workspace_of(fn: Function) -> Workspace:
    return workspace()


# --------------------------------------------------------------------------- loading


def _read(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _resources(root_doc: dict) -> Resources:
    decl = root_doc.get("tool", {}).get("paypulse", {})
    tables: dict[str, Table] = {}
    for name, t in decl.get("tables", {}).items():
        indexes = tuple(
            Index(idx_name, spec["hash_key"], spec.get("range_key"))
            for idx_name, spec in t.get("indexes", {}).items()
        )
        attrs = dict(t["attributes"])
        for key in [t["hash_key"], t.get("range_key")] + [
            k for i in indexes for k in (i.hash_key, i.range_key)
        ]:
            if key and key not in attrs:
                raise DeclarationError(f"table {name}: key attribute {key!r} has no type")
        tables[name] = Table(
            token_store=t.get("token_store"),
            name=name,
            hash_key=t["hash_key"],
            range_key=t.get("range_key"),
            attributes=attrs,
            indexes=indexes,
            stream=t.get("stream"),
            ttl=t.get("ttl"),
            capacity=t.get("capacity"),
            user_data=t.get("user_data"),
        )
    buckets = {n: Bucket(name=n, **b) for n, b in decl.get("buckets", {}).items()}
    secrets = {n: Secret(name=n, **s) for n, s in decl.get("secrets", {}).items()}
    topics = {n: Topic(name=n, **t) for n, t in decl.get("topics", {}).items()}
    queues = {n: Queue(name=n, **q) for n, q in decl.get("queues", {}).items()}
    for q in queues.values():
        # SQS RedrivePolicy: maxReceiveCount 1-1,000 (SQS developer guide, "Using dead-letter
        # queues"); MessageRetentionPeriod 60 s - 14 days (CreateQueue API reference).
        if not 1 <= q.max_receive_count <= 1000 or not 1 <= q.retention_days <= 14:
            raise DeclarationError(f"queue {q.name}: max_receive_count 1-1000, retention 1-14 d")
    keys = {n: Key(name=n, **k) for n, k in decl.get("keys", {}).items()}
    return Resources(tables, buckets, secrets, topics, queues, keys)


def _function(name: str, service: str, raw: dict, resources: Resources) -> Function:
    where = f"services/{service}: function {name}"
    if not _NAME.match(name):
        raise DeclarationError(f"{where}: name must be snake_case")
    routes = []
    for r in raw.get("routes", []):
        m = _ROUTE.match(r)
        if not m:
            raise DeclarationError(f"{where}: bad route {r!r} (want 'METHOD /path')")
        routes.append(Route(m.group(1), m.group(2)))
    for kind, known in (
        ("tables", resources.tables),
        ("secrets", resources.secrets),
        ("buckets", resources.buckets),
        ("topics", resources.topics),
        ("queues", resources.queues),
        ("keys", resources.keys),
    ):
        for logical, level in raw.get(kind, {}).items():
            if logical not in known:
                raise DeclarationError(f"{where}: unknown {kind[:-1]} {logical!r}")
            valid = (
                level in TOPIC_ACCESS if kind == "topics" else _letters(level, ACCESS_LETTERS[kind])
            )
            if not valid:
                raise DeclarationError(f"{where}: {kind} {logical}: access {level!r}")
            if kind == "tables" and "i" in level and not resources.tables[logical].indexes:
                raise DeclarationError(f"{where}: tables {logical}: 'i' but the table has no index")
            if kind == "secrets" and "c" in level and not resources.secrets[logical].prefix:
                raise DeclarationError(f"{where}: secrets {logical}: 'c' needs a name prefix")
    layers = tuple(raw.get("layers", ["common"]))
    for layer in layers:
        if layer not in LAYER_PACKAGES:
            raise DeclarationError(f"{where}: unknown layer {layer!r}")
    s3 = raw.get("s3")
    stream = raw.get("stream")
    if s3 and s3["bucket"] not in resources.buckets:
        raise DeclarationError(f"{where}: s3 trigger on unknown bucket {s3['bucket']!r}")
    if stream and (
        stream["table"] not in resources.tables or not resources.tables[stream["table"]].stream
    ):
        raise DeclarationError(f"{where}: stream trigger on a table without a stream")
    sqs = raw.get("sqs")
    if sqs:
        if sqs.get("queue") not in resources.queues:
            raise DeclarationError(f"{where}: sqs trigger on unknown queue {sqs.get('queue')!r}")
        # Lambda CreateEventSourceMapping: BatchSize 1-10,000 for standard queues (above 10
        # needs a batching window); ScalingConfig.MaximumConcurrency 2-1,000.
        if not 1 <= int(sqs.get("batch_size", 10)) <= 10:
            raise DeclarationError(f"{where}: sqs batch_size must be 1-10")
        if not 2 <= int(sqs.get("maximum_concurrency", 5)) <= 1000:
            raise DeclarationError(f"{where}: sqs maximum_concurrency must be 2-1000")
    if raw.get("gmail_push") not in (None, *GMAIL_PUSH_ROLES):
        raise DeclarationError(f"{where}: gmail_push must be one of {GMAIL_PUSH_ROLES}")
    if not (routes or raw.get("schedules") or s3 or stream or sqs):
        raise DeclarationError(f"{where}: no trigger (routes, schedules, s3, stream or sqs)")
    return Function(
        name=name,
        service=service,
        distribution=f"paypulse-{service}",
        package=f"paypulse_{service}",
        description=raw.get("description", ""),
        memory=int(raw.get("memory", 256)),
        timeout=int(raw.get("timeout", 15)),
        layers=layers,
        routes=tuple(routes),
        auth=raw.get("auth", "jwt"),
        gmail_push=raw.get("gmail_push"),
        schedules=tuple(Schedule(s["name"], s["cron"]) for s in raw.get("schedules", [])),
        s3=S3Trigger(**s3) if s3 else None,
        stream=StreamTrigger(
            table=stream["table"],
            events=tuple(stream.get("events", ["INSERT"])),
            batch_size=int(stream.get("batch_size", 10)),
        )
        if stream
        else None,
        sqs=SqsTrigger(
            queue=sqs["queue"],
            batch_size=int(sqs.get("batch_size", 10)),
            maximum_concurrency=int(sqs.get("maximum_concurrency", 5)),
        )
        if sqs
        else None,
        tables=dict(raw.get("tables", {})),
        secrets=dict(raw.get("secrets", {})),
        buckets=dict(raw.get("buckets", {})),
        topics=dict(raw.get("topics", {})),
        queues=dict(raw.get("queues", {})),
        keys=dict(raw.get("keys", {})),
    )


def _letters(level: object, allowed: str) -> bool:
    """An access level: one or more distinct letters of ``allowed`` (e.g. "rw", "s", "rd")."""
    return (
        isinstance(level, str)
        and bool(level)
        and len(set(level)) == len(level)
        and set(level) <= set(allowed)
    )


def load(root: Path = ROOT, token_store: str = DEFAULT_TOKEN_STORE) -> Workspace:
    """Read every declaration; raise DeclarationError on the first inconsistency. Resources of
    another token store than ``token_store`` are left out (``select_token_store``)."""
    resources = _resources(_read(root / "pyproject.toml"))
    functions: dict[str, Function] = {}
    seen_routes: dict[str, str] = {}
    consumers: dict[str, str] = {}
    for pyproject in sorted((root / "services").glob("*/pyproject.toml")):
        service = pyproject.parent.name
        decl = _read(pyproject).get("tool", {}).get("paypulse", {}).get("functions", {})
        for name, raw in decl.items():
            if name in functions:
                raise DeclarationError(f"function {name} declared twice")
            fn = _function(name, service, raw, resources)
            for route in fn.routes:
                if str(route) in seen_routes:
                    raise DeclarationError(f"route {route} declared by {seen_routes[str(route)]}")
                seen_routes[str(route)] = name
            if fn.sqs:
                if fn.sqs.queue in consumers:
                    raise DeclarationError(
                        f"queue {fn.sqs.queue} consumed by {consumers[fn.sqs.queue]} and {name}"
                    )
                consumers[fn.sqs.queue] = name
            functions[name] = fn
    return select_token_store(Workspace(root, resources, functions), token_store)


def select_token_store(ws: Workspace, store: str) -> Workspace:
    """The workspace with the Gmail token store ``store``: the other store's resources dropped
    and, for "dynamodb-kms", each function's access to the token secret turned into access to
    the token table and key (TOKEN_STORE_ACCESS)."""
    if store not in TOKEN_STORES:
        raise DeclarationError(f"paypulse:tokenStore must be one of {TOKEN_STORES}, got {store!r}")
    res = ws.resources

    def keep(resource: Table | Secret | Key) -> bool:
        return resource.token_store in (None, store)

    resources = Resources(
        tables={n: t for n, t in res.tables.items() if keep(t)},
        buckets=res.buckets,
        secrets={n: s for n, s in res.secrets.items() if keep(s)},
        topics=res.topics,
        queues=res.queues,
        keys={n: k for n, k in res.keys.items() if keep(k)},
    )
    name = TOKEN_STORE_RESOURCE
    functions = dict(ws.functions)
    if store == "dynamodb-kms":
        if name not in resources.tables or name not in resources.keys:
            raise DeclarationError(f"token store {store}: declare table and key {name!r}")
        for fn_name, fn in ws.functions.items():
            level = fn.secrets.get(name)
            if not level:
                continue
            table = "".join(sorted({c for x in level for c in TOKEN_STORE_ACCESS[x][0]}))
            key = "".join(sorted({c for x in level for c in TOKEN_STORE_ACCESS[x][1]}))
            functions[fn_name] = replace(
                fn,
                secrets={k: v for k, v in fn.secrets.items() if k != name},
                tables={**fn.tables, name: table},
                keys={**fn.keys, name: key} if key else fn.keys,
            )
    return Workspace(ws.root, resources, functions, store)


@cache
def workspace(token_store: str = DEFAULT_TOKEN_STORE) -> Workspace:
    """The repository's workspace (with that Gmail token store), loaded once per process."""
    return load(ROOT, token_store)
