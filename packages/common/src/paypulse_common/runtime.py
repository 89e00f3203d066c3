"""The Lambda runtime adapter: one event loop per execution environment, reused while warm.

``handler = http_handler(handle)`` turns ``async def handle(request, principal)`` into the sync
``handler(event, context)`` Lambda calls. Clients and settings are created lazily, once, on the
environment's loop. The local stack runs several environments in threads: each thread is one
execution environment with its own loop (Lambda itself calls one invocation at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from paypulse_common import metrics
from paypulse_common.errors import InternalError, PayPulseError
from paypulse_common.logs import bound_request, get_logger

if TYPE_CHECKING:
    from paypulse_common.http import Contract

T = TypeVar("T")
log = get_logger("paypulse.runtime")


class Runtime:
    """An execution environment: its event loop, settings and lazily created resources."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env  # None: the process environment (Lambda); a mapping: the local stack
        self._runner = asyncio.Runner()
        self._resources: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._exit = contextlib.AsyncExitStack()
        self._settings: Any = None
        self._task: asyncio.Task[Any] | None = None
        self.context: Any = None  # the Lambda context of the invocation running now

    def run(self, coro: Awaitable[T], context: Any = None) -> T:
        """Run one invocation to completion. Tasks it started and left pending (a failed
        ``gather``'s siblings, a forgotten ``create_task``) are cancelled and awaited before
        it returns, so nothing of this invocation resumes inside the next one."""
        return self._runner.run(self._invocation(coro, context))

    async def _invocation(self, coro: Awaitable[T], context: Any) -> T:
        self._task = asyncio.current_task()
        self.context = context
        try:
            return await coro
        finally:
            self.context = None
            self._task = None
            await _cancel_strays()

    def cancel(self) -> bool:
        """Cancel the invocation running now, from any thread (the local stack does this when
        the function's timeout expires). False when nothing is running."""
        task = self._task
        if task is None or task.done():
            return False
        task.get_loop().call_soon_threadsafe(task.cancel)
        return True

    def restart(self) -> None:
        """A fresh environment after a timed-out invocation: Lambda does not reuse an
        execution environment whose invocation timed out, so clients, caches and settings
        are created again on a new loop."""
        self.close()
        self._runner = asyncio.Runner()
        self._resources.clear()
        self._locks.clear()
        self._exit = contextlib.AsyncExitStack()
        self._settings = None

    @property
    def settings(self) -> Any:
        if self._settings is None:
            from paypulse_common.settings import load_settings

            self._settings = load_settings(self._env)
        return self._settings

    async def resource(self, key: str, factory: Callable[[], Awaitable[T]]) -> T:
        """Create a resource once per environment (clients, caches); later calls reuse it."""
        if key in self._resources:
            return self._resources[key]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._resources:
                self._resources[key] = await factory()
        return self._resources[key]

    async def keep_open(self, cm: contextlib.AbstractAsyncContextManager[T]) -> T:
        """Enter an async context manager that stays open for the environment's lifetime."""
        return await self._exit.enter_async_context(cm)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._runner.run(self._exit.aclose())
        self._runner.close()


async def _cancel_strays() -> None:
    me = asyncio.current_task()
    strays = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    if not strays:
        return
    log.warning("cancelling tasks left running by the invocation", extra={"tasks": len(strays)})
    for task in strays:
        task.cancel()
    await asyncio.gather(*strays, return_exceptions=True)


async def gather_all(*aws: Awaitable[T]) -> list[T]:
    """Run awaitables concurrently and return their results in order. On the first failure
    (or when cancelled) the others are cancelled and awaited before the error propagates,
    as ``asyncio.TaskGroup`` does, but the first error is raised as is (no ExceptionGroup),
    so ``except PayPulseError`` keeps working. ``asyncio.gather`` leaves them running."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def remaining_seconds() -> float | None:
    """Time left in the current invocation (None outside a Lambda invocation)."""
    context = current().context
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return None
    return float(context.get_remaining_time_in_millis()) / 1000.0


_local = threading.local()


def current() -> Runtime:
    """This execution environment's runtime (one per thread; in Lambda, one per process)."""
    rt = getattr(_local, "runtime", None)
    if rt is None:
        rt = _local.runtime = Runtime()
    return rt


@contextlib.contextmanager
def activated(rt: Runtime) -> Iterator[Runtime]:
    """Make ``rt`` this thread's runtime for the duration (the local stack runs each function
    with its own environment and runtime in its worker threads)."""
    previous = getattr(_local, "runtime", None)
    _local.runtime = rt
    try:
        yield rt
    finally:
        _local.runtime = previous


def reset() -> None:
    """Drop this thread's runtime (tests, or the local stack after settings change)."""
    rt = getattr(_local, "runtime", None)
    if rt is not None:
        rt.close()
        _local.runtime = None


def settings() -> Any:
    return current().settings


# --------------------------------------------------------------------------- adapters


def http_handler(
    handle: Callable[..., Awaitable[Any]],
    contract: Contract | Mapping[str, Contract],
    *,
    public: bool = False,
    allow_deleted: bool = False,
    on_schedule: Callable[[Mapping[str, Any]], Awaitable[Any]] | None = None,
) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    """Adapter for API routes. ``public`` handlers get ``handle(request)``; the others
    ``handle(request, principal)`` after the bearer token is verified. The request is validated
    against ``contract`` first (``request.params``, ``request.data``); the OpenAPI document is
    generated from the same contract. A function serving several routes maps each route key
    (``"GET /v1/invoices/rental"``) to its contract. ``on_schedule`` also serves EventBridge events
    (``source == "aws.events"``) for functions with a schedule. A deleted (or being deleted)
    user's token is refused (401 TOKEN_EXPIRED) except by ``allow_deleted`` handlers (the
    deletion itself, so a second DELETE finishes an interrupted one)."""

    def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        if on_schedule is not None and event.get("source") == "aws.events":
            return current().run(_observed(on_schedule(event), context), context)
        return current().run(
            _observed(_serve(handle, contract, event, public, allow_deleted), context, event),
            context,
        )

    handler.public = public  # type: ignore[attr-defined]
    handler.handle = handle  # type: ignore[attr-defined]
    handler.contract = contract  # type: ignore[attr-defined]
    return handler


async def _observed(work: Awaitable[T], context: Any, event: Mapping[str, Any] | None = None) -> T:
    """Run one invocation with its request id bound to the logs and its metrics collected,
    written once at the end; API events also record the handler's latency under their route."""
    rt = current()
    stack = (rt._env if rt._env is not None else os.environ).get("PAYPULSE_STACK", "local")
    request_id = getattr(context, "aws_request_id", None)
    started = time.perf_counter()
    with (
        bound_request(request_id),
        metrics.invocation(
            stack, function=getattr(context, "function_name", ""), requestId=request_id or ""
        ),
    ):
        try:
            return await work
        finally:
            route = (event or {}).get("routeKey")
            if route:
                elapsed = (time.perf_counter() - started) * 1000
                metrics.observe(metrics.REQUEST_LATENCY, round(elapsed, 3), Route=str(route))


async def _serve(
    handle: Callable[..., Awaitable[Any]],
    contract: Contract | Mapping[str, Contract],
    event: Mapping[str, Any],
    public: bool,
    allow_deleted: bool = False,
) -> dict[str, Any]:
    from paypulse_common.http import Contract, Request, error_response

    try:
        request = Request.from_event(event)
        if not isinstance(contract, Contract):
            contract = contract[request.route_key]
        if public:
            request.bind(contract)
            response = await handle(request)
        else:
            from paypulse_common.auth import authenticate

            principal = await authenticate(request, live=not allow_deleted)
            request.bind(contract)
            response = await handle(request, principal)
        return response.to_event()
    except PayPulseError as err:
        if err.http_status >= 500:
            log.error("request failed", extra={"code": err.code, "error": type(err).__name__})
        return error_response(err).to_event()
    except Exception:
        log.exception("unexpected error")
        return error_response(InternalError()).to_event()


def event_handler(
    handle: Callable[[Mapping[str, Any]], Awaitable[Any]],
) -> Callable[[Mapping[str, Any], Any], Any]:
    """Adapter for asynchronous triggers (S3, streams, schedules). Errors propagate so Lambda
    retries the event and finally sends it to the dead-letter queue: nothing is swallowed."""

    def handler(event: Mapping[str, Any], context: Any = None) -> Any:
        try:
            return current().run(_observed(handle(event), context), context)
        except Exception:
            log.exception("event failed; will be retried")
            raise

    handler.handle = handle  # type: ignore[attr-defined]
    return handler


def queue_handler(
    handle: Callable[[Mapping[str, Any]], Awaitable[Any]],
) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    """Adapter for an SQS event source mapping with ``ReportBatchItemFailures``: the records of
    a batch are handled concurrently, each on its own; ``handle(body)`` gets the JSON body.

    - returns: the message is done (the mapping deletes it);
    - raises a non-retryable PayPulseError (the handler already recorded why; a body that is not
      a JSON object is one too): done as well, retrying cannot help;
    - raises anything else: its ``messageId`` goes into ``batchItemFailures``, so only that
      message becomes visible again after the visibility timeout and, after the queue's
      ``maxReceiveCount``, moves to its dead-letter queue.

    Ref: Lambda developer guide, "Handling errors for an SQS event source in Lambda" >
    "Implementing partial batch responses" (``{"batchItemFailures": [{"itemIdentifier":
    messageId}]}``; an empty list means every record succeeded)."""

    async def one(record: Mapping[str, Any]) -> bool:
        import json

        from paypulse_common.errors import InvalidJsonError

        try:
            try:
                body = json.loads(record.get("body") or "")
            except ValueError as exc:
                raise InvalidJsonError("the queue message is not JSON") from exc
            if not isinstance(body, dict):
                raise InvalidJsonError("the queue message is not a JSON object")
            await handle(body)
            return True
        except PayPulseError as err:
            if err.retryable:
                log.warning("queue message failed; will be retried", extra={"code": err.code})
                return False
            log.error("queue message failed for good; not retried", extra={"code": err.code})
            return True
        except Exception:
            log.exception("queue message failed; will be retried")
            return False

    async def batch(event: Mapping[str, Any]) -> dict[str, Any]:
        records = list(event.get("Records") or [])
        results = await asyncio.gather(*(one(r) for r in records))
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]}
                for r, ok in zip(records, results, strict=True)
                if not ok
            ]
        }

    def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        return current().run(_observed(batch(event), context), context)

    handler.handle = handle  # type: ignore[attr-defined]
    return handler


logging.getLogger("botocore").setLevel(logging.WARNING)
