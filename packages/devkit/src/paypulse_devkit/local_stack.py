"""`paypulse dev`: the whole backend on this machine.

moto (server mode) provisioned from the declarations, a local Google (OAuth, userinfo, Gmail),
and an HTTP server that turns requests into API Gateway payload-2.0 events for the declared
handlers. Each function runs with exactly the environment infra would give it, in worker
threads that each act as one Lambda execution environment (own event loop, own clients).
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, parse_qsl, urlsplit

from infra.workspace import (
    DEFAULT_TOKEN_STORE,
    Function,
    GmailPush,
    Workspace,
    gmail_push_environment,
    runtime_environment,
    workspace,
)
from paypulse_devkit import api_gateway, aws_local
from paypulse_devkit.google_server import GoogleServer
from paypulse_devkit.invocations import (
    IntegrationTimeoutError,
    Invocation,
    InvocationStats,
    LambdaContext,
)
from paypulse_devkit.router import Router

T = TypeVar("T")
log = logging.getLogger("paypulse.local_stack")
_TEXT_TYPES = ("application/json", "text/")

Reply = tuple[int, dict[str, str], bytes]

# The local stack's Gmail push setup: what a deployer creates in GCP (README "Gmail push
# notifications"), with the local Google's project and a local push service account.
LOCAL_PUSH_ENDPOINT = "https://paypulse.local/v1/gmail/push"
LOCAL_PUSH_SUBSCRIPTION = "projects/paypulse-local/subscriptions/gmail-push"
LOCAL_PUSH = {
    "topic": "projects/paypulse-local/topics/gmail-push",
    "audience": LOCAL_PUSH_ENDPOINT,
    "service_account": "gmail-push@paypulse-local.iam.gserviceaccount.com",
}


class LocalStack:
    """Start with ``start()``; call functions with ``invoke``; serve HTTP with ``serve``."""

    def __init__(
        self,
        ws: Workspace | None = None,
        *,
        workers: int = 8,
        mailbox: str | None = "demo",
        gmail_latency: float = 0.0,
        separate_aws: bool = False,
        timeout_scale: float = 1.0,
        push: bool = True,
    ) -> None:
        """``mailbox``: "demo" (every Google account, once authorized, finds generated rent
        notices + unrelated mail addressed to it), None (empty), or a folder of .eml files
        (each delivered to its addressees). ``timeout_scale`` stretches the declared timeouts and
        API Gateway's: up to ``workers`` environments share this process and its CPUs, where AWS
        gives each its own (the test suite uses 2). Each SQS event source mapping gets its
        ``maximum_concurrency`` environments on top of ``workers``, so its batches run at the
        concurrency it declares."""
        from paypulse_devkit.gmail_api import GmailApi

        # PAYPULSE_TOKEN_STORE picks the Gmail token store, as paypulse:tokenStore does.
        self.ws = ws or workspace(os.environ.get("PAYPULSE_TOKEN_STORE") or DEFAULT_TOKEN_STORE)
        self.router = Router(self.ws.routes())
        self.moto = aws_local.MotoServer(separate=separate_aws)
        self.google = GoogleServer()
        self._mailbox_source = mailbox
        self.mailbox = self._new_mailbox()
        self.gmail_api = GmailApi(
            self.mailbox,
            latency_s=gmail_latency,
            access_token_check=self.google.accounts.owner,
            pubsub=self.google.pubsub,
        )
        # Gmail push notifications, on by default locally (push=None: off, as in a stack
        # without paypulse:gmailPushTopic): the local Pub/Sub pushes to this stack's route.
        self.push: GmailPush | None = GmailPush(**LOCAL_PUSH) if push else None
        self.google.gmail_api = self.gmail_api
        self.events: Any = None
        self.aws_endpoint = ""
        self.names: aws_local.PhysicalNames | None = None
        mapped = sum(f.sqs.maximum_concurrency for f in self.ws.functions.values() if f.sqs)
        self._pool = ThreadPoolExecutor(max_workers=workers + mapped, thread_name_prefix="lambda")
        self.invocation_stats = InvocationStats()
        self._env: dict[str, dict[str, str]] = {}
        self._local = threading.local()
        self._jwt_signing_key = secrets.token_urlsafe(48)
        self._runtimes: list[Any] = []
        self.iam: Any = None  # iam_enforcement.Enforcer unless PAYPULSE_IAM=off
        # Per-function timeout overrides in seconds (tests); otherwise the declared timeout.
        self.timeouts: dict[str, float] = {}
        self.timeout_scale = timeout_scale
        self.integration_timeout = api_gateway.INTEGRATION_TIMEOUT_S * timeout_scale
        self._running = 0  # invocations whose worker has not finished (some outlive a 503)
        self._idle = threading.Condition()
        self.emf_lines: deque[str] = deque(maxlen=2000)  # what the functions wrote as metrics
        self._emf_writer: Callable[[str], None] | None = None
        self.dev_routes: dict[tuple[str, str], Callable[[bytes], Reply]] = {
            ("GET", "/healthz"): lambda body: _json(200, {"status": "ok"}),
            ("GET", "/openapi.json"): self._openapi,
            ("GET", "/_local/info"): self._info,
            ("POST", "/_local/google/authorize"): self._authorize,
            ("POST", "/_local/google/revoke"): self._revoke,
            ("POST", "/_local/mailbox"): self._deliver_mail,
            ("GET", "/_local/notifications"): self._notifications,
            ("GET", "/_local/"): self._page,
        }

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        from paypulse_common import metrics

        self._emf_writer = metrics.set_writer(self.emf_lines.append)
        aws_local.use_fake_credentials()
        self.aws_endpoint = self.moto.start()
        aws_local.reset(self.aws_endpoint)  # moto's backends are per process, not per server
        self.names = aws_local.provision(
            self.ws, self.aws_endpoint, jwt_signing_key=self._jwt_signing_key
        )
        self.google.start()
        if self.push is not None:
            self.push = GmailPush(
                **{**LOCAL_PUSH, "certs_url": f"{self.google.url}/oauth2/v3/certs"}
            )
            self.google.pubsub.transport = self._push_transport
            self.google.pubsub.subscribe(
                self.push.topic,
                name=LOCAL_PUSH_SUBSCRIPTION,
                endpoint=LOCAL_PUSH_ENDPOINT,
                audience=self.push.audience,
                service_account=self.push.service_account,
            )
        for fn in self.ws.functions.values():
            self._env[fn.name] = self._function_env(fn)
        from paypulse_devkit import iam_enforcement

        if iam_enforcement.enabled():
            self.iam = iam_enforcement.Enforcer(
                self.ws, self.names, self.aws_endpoint, aws_local.REGION
            )
        from paypulse_devkit.events import EventPump

        self.events = EventPump(self.ws, self.aws_endpoint, self.invoke)
        self.events.iam = self.iam
        self.events.configure(self.names)

    def _new_mailbox(self) -> Any:
        from paypulse_devkit.mailbox import Mailbox

        if self._mailbox_source == "demo":
            return Mailbox.demo_for()
        if self._mailbox_source:
            return Mailbox.from_folder(self._mailbox_source)
        return Mailbox()

    def reset(self) -> None:
        """Empty every table, bucket and topic and forget Google grants (between tests).
        Physical names and the JWT key stay the same, so warm environments remain valid."""
        self.wait_idle()
        aws_local.reset(self.aws_endpoint)
        names = aws_local.provision(
            self.ws, self.aws_endpoint, jwt_signing_key=self._jwt_signing_key
        )
        assert self.names is not None and names.tables == self.names.tables
        self.names = names
        if self.iam is not None:
            self.iam.reset()
            if names.key_arns:  # new key ids: the policies name the new ARNs
                self.iam.configure(names)
        self.google.accounts.clear()
        self.google.pubsub.clear_deliveries()
        self.mailbox = self.gmail_api.mailbox = self._new_mailbox()
        self.gmail_api.quota.reset()
        self.emf_lines.clear()
        self.invocation_stats.clear()
        self.events.configure(self.names)

    def stop(self) -> None:
        if self.events is not None:
            self.events.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for rt in self._runtimes:
            rt.close()  # closes each environment's AWS clients on its own loop
        if self.iam is not None:
            self.iam.write_usage()
        self.google.stop()
        self.moto.stop()
        if self._emf_writer is not None:
            from paypulse_common import metrics

            metrics.set_writer(self._emf_writer)

    def _function_env(self, fn: Function) -> dict[str, str]:
        assert self.names is not None
        extra = {
            "AWS_REGION": aws_local.REGION,
            "PAYPULSE_AWS_ENDPOINT_URL": self.aws_endpoint,
            "PAYPULSE_GOOGLE_OAUTH_BASE": self.google.url,
            "PAYPULSE_GOOGLE_USERINFO_BASE": self.google.url,
            "PAYPULSE_GMAIL_API_ROOT": self.google.url,
        }
        if "endpoints" in fn.topics.values() and self.names.apns_platform_app_arn:
            extra["PAYPULSE_APNS_PLATFORM_APP_ARN"] = self.names.apns_platform_app_arn
        extra.update(gmail_push_environment(fn, self.push))
        env = runtime_environment(fn, self.names.lookup, stack="local", extra=extra, ws=self.ws)
        return {k: str(v) for k, v in env.items()}

    def _push_transport(self, url: str, headers: dict[str, str], body: bytes) -> int:
        """The local Pub/Sub's push request reaches this stack's API like any HTTP request."""
        status, _, _ = self.handle_http("POST", urlsplit(url).path, headers, body, "66.102.0.1")
        return status

    def use_google(self, url: str) -> None:
        """Point every function at another Google stand-in (e.g. one in its own process).
        Call before the first invocation: environments read their settings once."""
        for env in self._env.values():
            for var in (
                "PAYPULSE_GOOGLE_OAUTH_BASE",
                "PAYPULSE_GOOGLE_USERINFO_BASE",
                "PAYPULSE_GMAIL_API_ROOT",
            ):
                env[var] = url

    def function_env(self, name: str) -> dict[str, str]:
        return dict(self._env[name])

    # ---------------------------------------------------------------- invocation
    def function_timeout(self, name: str) -> float:
        declared = float(self.ws.functions[name].timeout) * self.timeout_scale
        return self.timeouts.get(name, declared)

    def invoke(self, name: str, event: Mapping[str, Any], *, wait: float | None = None) -> Any:
        """Run one invocation of a declared function in a worker ("execution environment").
        Raises FunctionTimeoutError when it outlives the function's timeout (Lambda's
        ``Sandbox.Timedout``), IntegrationTimeoutError when ``wait`` passes first."""
        fn = self.ws.functions[name]
        payload = dict(event)
        timeout = self.function_timeout(name)

        def call() -> Any:
            context = LambdaContext(fn.name, fn.memory, timeout)
            return importlib.import_module(fn.module).handler(payload, context)

        return self.run_in(name, call, wait=wait)

    def run_in(self, name: str, work: Callable[[], T], *, wait: float | None = None) -> T:
        """Run ``work`` in a worker thread with the function's runtime active, cancelled
        when the function's timeout expires (see paypulse_devkit.invocations)."""
        fn = self.ws.functions[name]
        invocation = Invocation(name, self.function_timeout(name))
        with self._idle:
            self._running += 1
        worker = self._pool.submit(self._in_env, fn, invocation.wrap(work))
        worker.add_done_callback(self._worker_done)
        invocation.attach(worker)
        return invocation.result(wait)  # type: ignore[no-any-return]

    def _worker_done(self, _: Any) -> None:
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no invocation is running (e.g. one API Gateway stopped waiting for)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    def _in_env(self, fn: Function, work: Callable[[], T]) -> T:
        from paypulse_common.runtime import Runtime, activated

        runtimes: dict[str, Runtime] = self._local.__dict__.setdefault("runtimes", {})
        rt = runtimes.get(fn.name)
        if rt is None:
            rt = runtimes[fn.name] = self.runtime(fn.name)
            self._runtimes.append(rt)
        started = self.invocation_stats.begin(fn.name)
        try:
            with activated(rt):
                return work()
        finally:
            self.invocation_stats.end(fn.name, started)

    def runtime(self, name: str, overrides: Mapping[str, str] | None = None) -> Any:
        """A new execution environment of a declared function: its environment (plus
        ``overrides``) and, unless enforcement is off, AWS clients authorized by its policy
        (the environment's ``aws:session`` resource is a session carrying the IAM hooks)."""
        from paypulse_common.runtime import Runtime

        rt = Runtime({**self._env[name], **(overrides or {})})
        if self.iam is not None:
            session = self.iam.session(name)

            async def provide() -> Any:
                return session

            rt.run(rt.resource("aws:session", provide))
        return rt

    # ---------------------------------------------------------------- HTTP
    def handle_http(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> Reply:
        parts = urlsplit(raw_path)
        path = parts.path or "/"
        dev = self.dev_routes.get((method, path))
        if dev is not None:
            return dev(body)
        if method == "GET" and path == "/_local/google/usage":
            return self.google.handle(method, path, parse_qs(parts.query), headers, body)
        if method == "POST" and path.startswith("/_local/schedules/"):
            return self._fire_schedule(path.rsplit("/", 1)[-1])
        over_quota = api_gateway.request_limits(method, raw_path, headers, body)
        if over_quota is not None:
            return over_quota
        match, allowed = self.router.match(method, path)
        if match is None:
            if allowed:
                reply = _error(405, "METHOD_NOT_ALLOWED", f"Use {', '.join(allowed)} on this path")
                reply[1]["Allow"] = ", ".join(allowed)
                return reply
            return _error(404, "NOT_FOUND", f"No route for {method} {path}")
        event = api_event(method, path, parts.query, headers, body, match, source_ip)
        return self._integrate(match.function.name, event)

    def _integrate(self, name: str, event: dict[str, Any]) -> Reply:
        """The Lambda proxy integration: API Gateway waits at most its integration timeout."""
        try:
            result = self.invoke(name, event, wait=self.integration_timeout)
        except IntegrationTimeoutError:
            log.warning("integration timeout: %s ran past %.1f s", name, self.integration_timeout)
            return api_gateway.service_unavailable()
        except Exception as exc:  # a function error (its own timeout included)
            log.warning("function error in %s: %s", name, exc)
            return api_gateway.internal_server_error()
        try:
            return proxy_result(result)
        except (KeyError, TypeError, ValueError):
            return api_gateway.internal_server_error()

    def _openapi(self, body: bytes) -> Reply:
        from paypulse_devkit.openapi import build

        return _json(200, build(self.ws))

    def _info(self, body: bytes) -> Reply:
        return _json(
            200,
            {
                "google_base_url": self.google.url,
                "aws_endpoint_url": self.aws_endpoint,
                "region": aws_local.REGION,
                "tables": self.names.tables if self.names else {},
                "buckets": self.names.buckets if self.names else {},
                "queues": self.events.queue_stats() if self.events else {},
                "invocations": self.invocation_stats.snapshot(),
            },
        )

    def _authorize(self, body: bytes) -> Reply:
        email = _json_field(body, "email")
        if email is None:
            return _error(400, "MISSING_FIELDS", "Missing key in request body: 'email'")
        return _json(200, self.google.accounts.authorize(email))

    def _deliver_mail(self, body: bytes) -> Reply:
        if not body.strip():
            return _error(400, "MISSING_FIELDS", "POST a raw RFC 822 message as the body")
        from paypulse_devkit.mailbox import NoRecipientError

        try:
            delivered = self.mailbox.deliver(body)
        except NoRecipientError:
            return _error(400, "MISSING_FIELDS", "The message needs a Delivered-To, To or Cc")
        return _json(201, {"delivered": delivered})

    def _fire_schedule(self, name: str) -> Reply:
        delivery = self.events.fire_schedule(name)
        if delivery is None:
            known = sorted(s.name for f in self.ws.functions.values() for s in f.schedules)
            return _error(404, "NOT_FOUND", f"No schedule {name!r}; declared: {', '.join(known)}")
        return _json(
            200 if delivery.ok else 502,
            {
                "function": delivery.function,
                "ok": delivery.ok,
                "attempts": delivery.attempts,
                "result": delivery.result,
                "error": delivery.error,
            },
        )

    def _page(self, body: bytes) -> Reply:
        from paypulse_devkit.local_page import render

        page = render(self).encode("utf-8")
        return 200, {"content-type": "text/html; charset=utf-8"}, page

    def _notifications(self, body: bytes) -> Reply:
        return _json(200, {"notifications": published_notifications()})

    def _revoke(self, body: bytes) -> Reply:
        email = _json_field(body, "email")
        if email is None:
            return _error(400, "MISSING_FIELDS", "Missing key in request body: 'email'")
        return _json(200, {"revoked": self.google.accounts.revoke_all(email)})


def published_notifications() -> list[dict[str, Any]]:
    """Everything published to SNS topics and platform endpoints, newest first (moto keeps it
    in-process; the server runs in this process)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID][aws_local.REGION]
    out: list[dict[str, Any]] = []
    for topic in backend.topics.values():
        for message_id, message, subject, attributes, _ in topic.sent_notifications:
            user = ((attributes or {}).get("user_id") or {}).get("Value")
            out.append(
                {
                    "id": message_id,
                    "target": topic.arn,
                    "subject": subject,
                    "message": message,
                    "user_id": user,
                }
            )
    for endpoint in backend.platform_endpoints.values():
        for message_id, message in endpoint.messages.items():
            out.append(
                {
                    "id": message_id,
                    "target": endpoint.arn,
                    "subject": None,
                    "message": message,
                    "user_id": endpoint.custom_user_data,
                }
            )
    return list(reversed(out))


def api_event(
    method: str,
    path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    match: Any,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event, as AWS builds it."""
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    content_type = headers.get("content-type", "")
    is_text = content_type.startswith(_TEXT_TYPES)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": str(match.route),
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": str(match.route),
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if match.path_params:
        event["pathParameters"] = match.path_params
    if body:
        if is_text:
            event["body"] = body.decode("utf-8", "replace")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def proxy_result(result: Any) -> Reply:
    """Turn a Lambda proxy result into status, headers and body bytes."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return _json(200, result)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return int(result["statusCode"]), dict(result.get("headers") or {}), data


def _json_field(body: bytes, name: str) -> str | None:
    try:
        value = json.loads(body or b"{}").get(name)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def _json(status: int, payload: Any) -> Reply:
    return status, {"content-type": "application/json"}, json.dumps(payload).encode()


def _error(status: int, code: str, message: str) -> Reply:
    return _json(status, {"error": {"code": code, "message": message}})


# -------------------------------------------------------------------- HTTP server


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 128

    def __init__(self, stack: LocalStack, host: str, port: int) -> None:
        self.stack = stack
        super().__init__((host, port), _ApiHandler)


class _ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ApiServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > api_gateway.MAX_PAYLOAD_BYTES:  # refused before the body is read
            status, headers, payload = api_gateway.payload_too_large()
            self._discard(length)
            self.close_connection = True
        else:
            body = self.rfile.read(length) if length else b""
            headers_in: dict[str, str] = {}
            for key, value in self.headers.items():
                k = key.lower()
                headers_in[k] = f"{headers_in[k]},{value}" if k in headers_in else value
            try:
                status, headers, payload = self.server.stack.handle_http(
                    self.command, self.path, headers_in, body, self.client_address[0]
                )
            except Exception as exc:  # a crash of the stack itself, not of a handler
                status, headers, payload = _error(
                    500, "INTERNAL_SERVER_ERROR", f"Local stack error: {type(exc).__name__}"
                )
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def _discard(self, length: int, limit: int = 8 * api_gateway.MAX_PAYLOAD_BYTES) -> None:
        """Read and drop an oversized body (up to ``limit``) before answering, so the client is
        not reset mid-upload and reads the 413 (clients do not read while they send)."""
        remaining = min(length, limit)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                break
            remaining -= len(chunk)

    def __getattr__(self, name: str) -> Any:
        """Every other method (OPTIONS, TRACE, anything) goes through the router too, so it
        gets the 405 + Allow (or 404) envelope API Gateway answers, never http.server's 501."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(
            f"{self.command} {self.path.split('?')[0]} -> {args[1] if len(args) > 1 else ''}\n"
        )


# -------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    parser.add_argument(
        "--mailbox", default="demo", help="folder of .eml files for the local Gmail (default: demo)"
    )


def run(args: argparse.Namespace) -> int:
    stack = LocalStack(mailbox=args.mailbox)
    try:
        server = ApiServer(stack, args.host, args.port)
    except OSError as exc:
        print(
            f"paypulse dev: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        print("Pick another port with --port N (0 chooses a free one).", file=sys.stderr)
        return 2
    stack.start()
    stack.events.start()
    host, port = args.host, server.server_address[1]
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(
        f"PayPulse API ready on http://{host}:{port}  (OpenAPI: /openapi.json, local page: /_local/, Ctrl-C stops)",
        flush=True,
    )
    for route in api_gateway.routes_longer_than_the_gateway(stack.ws):
        print(f"warning: may outlive API Gateway's 30 s: {route}", file=sys.stderr)
    stop.wait()
    print("Stopping…", flush=True)
    server.shutdown()
    server.server_close()
    stack.stop()
    return 0
