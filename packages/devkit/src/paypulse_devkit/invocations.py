"""Lambda's invocation limits in the local stack: the declared timeout, enforced.

Lambda stops an invocation when the function's configured timeout expires, reports
``Task timed out after N.NN seconds`` with error type ``Sandbox.Timedout`` to the caller (a
function error: API Gateway answers 500, asynchronous sources retry, then dead-letter), and
does not reuse the execution environment as it was (the runtime is restarted). Here a watchdog
timer cancels the invocation's task on its environment's loop when the deadline passes, the
caller is answered at the deadline even if the code is stuck in blocking work, and the
environment's runtime is restarted once the cancelled work has unwound.

Refs: Lambda developer guide, "Configure Lambda function timeout" (1-900 s) and
"Understanding the Lambda execution environment lifecycle" (timeouts reset the environment).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class FunctionTimeoutError(Exception):
    """The invocation ran past the function's timeout (Lambda: ``Sandbox.Timedout``)."""

    error_type = "Sandbox.Timedout"

    def __init__(self, function: str, timeout: float) -> None:
        self.function = function
        self.timeout = timeout
        super().__init__(f"Task timed out after {timeout:.2f} seconds")


class IntegrationTimeoutError(Exception):
    """API Gateway stopped waiting for the integration (HTTP API: 30 s, answered with 503);
    the function itself keeps running until its own timeout, as on AWS."""


class LambdaContext:
    """The context object Lambda passes to a handler (the fields this project reads)."""

    def __init__(self, name: str, memory: int, timeout: float) -> None:
        self.function_name = name
        self.memory_limit_in_mb = memory
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class Invocation:
    """One invocation: ``wrap(work)`` runs in the worker; ``result(wait)`` in the caller."""

    def __init__(self, function: str, timeout: float) -> None:
        self.function = function
        self.timeout = timeout
        self.timed_out = False
        self._outcome: Future[Any] = Future()
        self._started = threading.Event()
        self._started_at = 0.0
        self._runtime: Any = None
        self._lock = threading.Lock()
        self._watchdog = threading.Timer(timeout, self._expire)
        self._watchdog.daemon = True

    def wrap(self, work: Callable[[], T]) -> Callable[[], None]:
        def run() -> None:
            from paypulse_common.runtime import current

            self._runtime = current()
            self._started_at = time.monotonic()
            self._started.set()
            self._watchdog.start()  # Lambda's clock starts with the invocation, not the queue
            try:
                result = work()
            except BaseException as exc:  # CancelledError included: the watchdog fired
                self._settle(exception=exc)
            else:
                self._settle(result=result)
            finally:
                self._watchdog.cancel()
                if self.timed_out:
                    self._runtime.restart()

        return run

    def attach(self, future: Future[Any]) -> None:
        """Settle with the worker's own failure (e.g. the environment could not start)."""

        def done(f: Future[Any]) -> None:
            if f.exception() is not None:
                self._settle(exception=f.exception())
                self._started.set()

        future.add_done_callback(done)

    def _expire(self) -> None:
        with self._lock:
            self.timed_out = True
            runtime = self._runtime
        self._settle(exception=FunctionTimeoutError(self.function, self.timeout))
        if runtime is not None:
            runtime.cancel()

    def _settle(self, *, result: Any = None, exception: BaseException | None = None) -> None:
        with self._lock:
            if self._outcome.done():
                return
            if exception is not None:
                self._outcome.set_exception(exception)
            else:
                self._outcome.set_result(result)

    def result(self, wait: float | None = None) -> Any:
        """The handler's result; raises what it raised, FunctionTimeoutError at the timeout,
        or IntegrationTimeoutError when ``wait`` (shorter than the timeout) passes first.
        ``wait`` counts from the start of the invocation: on AWS every concurrent request gets
        an environment at once, so time queued for a local worker is not the function's."""
        from concurrent.futures import TimeoutError as WaitTimeout

        left = wait
        if wait is not None:
            self._started.wait()
            left = max(0.0, wait - (time.monotonic() - self._started_at))
        try:
            return self._outcome.result(timeout=left)
        except WaitTimeout:
            raise IntegrationTimeoutError(
                f"{self.function} did not answer within {wait:.2f} s"
            ) from None


class InvocationStats:
    """Per function: invocations, how many ran at once (at most) and the longest one, measured
    around the handler itself in its execution environment (time queued for a worker thread
    is not the function's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, dict[str, float]] = {}

    def begin(self, function: str) -> float:
        with self._lock:
            row = self._rows.setdefault(
                function, {"invocations": 0, "running": 0, "peak_running": 0, "max_s": 0.0}
            )
            row["invocations"] += 1
            row["running"] += 1
            row["peak_running"] = max(row["peak_running"], row["running"])
        return time.monotonic()

    def end(self, function: str, started: float) -> None:
        elapsed = time.monotonic() - started
        with self._lock:
            row = self._rows[function]
            row["running"] -= 1
            row["max_s"] = max(row["max_s"], elapsed)

    def snapshot(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {name: dict(row) for name, row in self._rows.items()}

    def clear(self) -> None:
        with self._lock:
            self._rows = {n: {**r, "invocations": 0, "peak_running": r["running"], "max_s": 0.0}
                          for n, r in self._rows.items()}  # fmt: skip
