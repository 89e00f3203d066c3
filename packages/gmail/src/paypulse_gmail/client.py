"""Async Gmail client on google-api-python-client with the bundled discovery document.

Blocking client calls run in a worker thread pool (never on the event loop), bounded by a
semaphore; every thread has its own ``httplib2.Http`` (it is not thread-safe). Listing follows
every ``nextPageToken``; message details are fetched with batch requests of at most 50.

Quota (see ``pacing``): every request (each item of a batch) first reserves its method's units
from the user's token bucket, sized from Gmail's documented 15,000 units per user per minute, so
a large mailbox is fetched at the rate Gmail allows instead of being refused. 429, 5xx and 403
with reason ``rateLimitExceeded``/``userRateLimitExceeded`` (whole calls and single items
inside a batch) are retried with exponential backoff and jitter; a rate-limit answer also empties
the bucket. Waiting is bounded: a sleep that would end after ``deadline`` (default: 25 s after
the client is built) raises QuotaWaitTooLongError (a retryable DependencyError) instead, so a
Lambda never blocks past its own timeout.

Incremental sync (https://developers.google.com/workspace/gmail/api/guides/sync): ``get_profile``
gives the mailbox's current ``historyId``; ``list_history`` the messages added after a stored one
(every page); a start id Gmail no longer answers for (404) → HistoryExpiredError, and the caller
falls back to a full search.

Errors: a 401 that survives the client's own refresh → GmailTokenExpiredError; other HTTP or
network failures → DependencyError. ``googleapiclient`` is imported lazily (≈0.2 s).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from paypulse_common import metrics
from paypulse_common.errors import DependencyError, GmailTokenExpiredError, PayPulseError
from paypulse_common.runtime import gather_all
from paypulse_gmail.mime import Attachment, b64url_decode, find_attachments
from paypulse_gmail.pacing import (
    METHOD_UNITS,
    RATE_LIMIT_REASONS,
    QuotaWaitTooLongError,
    TokenBucket,
    backoff_delay,
    bucket_for,
)

if TYPE_CHECKING:
    from paypulse_gmail.credentials import GmailCredentials

__all__ = [
    "DEFAULT_ROOT_URL",
    "MAX_BATCH",
    "Attachment",
    "GmailClient",
    "HistoryChanges",
    "HistoryExpiredError",
]

log = logging.getLogger(__name__)

DEFAULT_ROOT_URL = "https://gmail.googleapis.com"
MAX_BATCH = 50
MAX_PAGE_SIZE = 500
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Without an explicit deadline, never sleep past this long after the client is built: inside
# API Gateway's 30 s integration timeout.
DEFAULT_TIME_BUDGET_S = 25.0

T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """One worker pool per process (reused across warm invocations)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="gmail")
        return _executor


_services: dict[str, _Resources] = {}
_services_lock = threading.Lock()


def _import_discovery() -> Any:
    with warnings.catch_warnings():
        # google.api_core warns about Python 3.11's end of life at import time.
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"google\..*")
        from googleapiclient import discovery, errors, http  # noqa: F401

    return discovery


def _error_reasons(exc: Any) -> set[str]:
    try:
        return {e.get("reason") for e in json.loads(exc.content)["error"]["errors"]}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()


def _rate_limited(exc: Any) -> bool:
    """429, or a 403 whose reason is a rate limit (Gmail sends both)."""
    status = exc.resp.status
    return status == 429 or (status == 403 and bool(_error_reasons(exc) & RATE_LIMIT_REASONS))


def _retryable(exc: Any) -> bool:
    """Rate limits and 5xx."""
    return exc.resp.status in RETRYABLE_STATUS or _rate_limited(exc)


@dataclass(frozen=True)
class _Resources:
    users: Any
    messages: Any
    attachments: Any
    history: Any


class HistoryExpiredError(DependencyError):
    """Gmail no longer answers for the start history id (404): "If you receive an HTTP 404 error
    response, your application should perform a full sync" (users.history.list,
    https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.history/list)."""


@dataclass(frozen=True)
class HistoryChanges:
    """Messages added after a start history id (oldest first, each once, as Gmail's
    ``messagesAdded[].message``: id, threadId, labelIds) and the mailbox's history id to start
    from next time."""

    added: list[dict[str, Any]]
    history_id: int


class GmailNotFoundError(DependencyError):
    """Gmail answered 404 (the resource, or for history the start id, does not exist)."""


class _TransientError(Exception):
    """A network-level failure worth retrying."""


class GmailClient:
    """Gmail API for one user (``userId="me"``)."""

    def __init__(
        self,
        credentials: GmailCredentials,
        *,
        root_url: str = DEFAULT_ROOT_URL,
        concurrency: int = 8,
        max_retries: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 16.0,
        timeout: float = 30.0,
        bucket: TokenBucket | None = None,
        deadline: float | None = None,
        time_budget_s: float = DEFAULT_TIME_BUDGET_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """``bucket``: the user's quota bucket (default: this process's bucket for the
        credentials' user). No sleep (quota or backoff) may end after ``deadline`` (on
        ``clock``; pass the Lambda's deadline minus a margin), by default ``time_budget_s``
        after the client is built. ``clock``/``sleep`` are injectable so tests move time
        instead of waiting."""
        self._credentials = credentials
        self.root_url = root_url.rstrip("/")
        self.batch_uri = f"{self.root_url}/batch/gmail/v1"
        self._semaphore = asyncio.Semaphore(concurrency)
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._timeout = timeout
        self._bucket = bucket or bucket_for(str(getattr(credentials, "user_id", "")))
        self._deadline = deadline if deadline is not None else clock() + time_budget_s
        self._clock = clock
        self._sleep = sleep
        self._service: _Resources | None = None
        self._local = threading.local()
        self._build_lock = asyncio.Lock()

    # ------------------------------------------------------------------ public API
    async def list_message_ids(
        self, query: str, *, max_results: int | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> list[str]:
        """Ids of every message matching ``query``, newest first, following every page
        (stops at ``max_results`` when given)."""
        ids: list[str] = []
        seen: set[str] = set()
        token: str | None = None
        while True:
            size = min(page_size, MAX_PAGE_SIZE)
            if max_results is not None:
                size = min(size, max_results - len(ids))

            def request(svc: Any, t: str | None = token, s: int = size) -> Any:
                return svc.messages.list(userId="me", q=query, maxResults=s, pageToken=t)

            page = await self._call(request, "messages.list")
            for item in page.get("messages") or []:
                if item["id"] not in seen:
                    seen.add(item["id"])
                    ids.append(item["id"])
            token = page.get("nextPageToken")
            if not token or (max_results is not None and len(ids) >= max_results):
                return ids

    async def account_email(self) -> str | None:
        """The Gmail address the stored tokens were granted for (lower-cased; None when the
        stored tokens do not record it). No Gmail call."""
        await self._credentials.get()
        tokens = getattr(self._credentials, "tokens", None)
        email = getattr(tokens, "google_email", None)
        return str(email).lower() if email else None

    async def watch(
        self, topic: str, *, label_ids: list[str] | None = None, behavior: str = "include"
    ) -> dict:
        """``users.watch`` (100 units): push notifications of this mailbox to ``topic``;
        answers ``{"historyId", "expiration"}`` (epoch ms, about 7 days ahead)."""
        body: dict[str, Any] = {"topicName": topic, "labelFilterBehavior": behavior}
        if label_ids:
            body["labelIds"] = list(label_ids)
        return await self._call(lambda svc: svc.users.watch(userId="me", body=body), "watch")

    async def stop(self) -> None:
        """``users.stop`` (50 units): no more push notifications for this mailbox."""
        await self._call(lambda svc: svc.users.stop(userId="me"), "stop")

    async def get_profile(self) -> dict:
        """``users.getProfile``: emailAddress, messagesTotal, threadsTotal, historyId."""
        return await self._call(lambda svc: svc.users.getProfile(userId="me"), "getProfile")

    async def list_history(
        self,
        start_history_id: int,
        *,
        history_types: Iterable[str] = ("messageAdded",),
        label_id: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> HistoryChanges:
        """Every page of ``users.history.list`` after ``start_history_id``. The returned
        ``history_id`` is the last page's (Gmail: once no ``nextPageToken`` is returned "you
        can store the returned historyId for a future request"). HistoryExpiredError on 404."""
        types = list(history_types)
        added: dict[str, dict[str, Any]] = {}
        token: str | None = None
        while True:

            def request(svc: Any, t: str | None = token) -> Any:
                extra = {"labelId": label_id} if label_id else {}
                return svc.history.list(
                    userId="me",
                    startHistoryId=str(start_history_id),
                    historyTypes=types,
                    maxResults=min(page_size, MAX_PAGE_SIZE),
                    pageToken=t,
                    **extra,
                )

            try:
                page = await self._call(request, "history.list")
            except GmailNotFoundError as exc:
                raise HistoryExpiredError("Gmail history is no longer available") from exc
            for record in page.get("history") or []:
                for item in record.get("messagesAdded") or []:
                    message = item.get("message") or {}
                    if message.get("id"):
                        added.setdefault(str(message["id"]), message)
            token = page.get("nextPageToken")
            if not token:
                return HistoryChanges(list(added.values()), int(page["historyId"]))

    async def get_message(self, message_id: str, *, format: str = "full") -> dict:
        """One message resource."""
        return await self._call(
            lambda svc: svc.messages.get(userId="me", id=message_id, format=format),
            "messages.get",
        )

    async def get_messages(
        self,
        ids: Iterable[str],
        *,
        format: str = "full",
        metadata_headers: list[str] | None = None,
    ) -> list[dict]:
        """Message resources in the order of ``ids``, fetched in batches of ≤ 50 that run
        concurrently. Messages that no longer exist (404) are left out."""
        unique = list(dict.fromkeys(ids))
        chunks = [unique[i : i + MAX_BATCH] for i in range(0, len(unique), MAX_BATCH)]
        found: dict[str, dict] = {}
        for part in await gather_all(
            *(self._get_batch(chunk, format, metadata_headers) for chunk in chunks)
        ):
            found.update(part)
        return [found[i] for i in unique if i in found]

    async def get_attachment(self, message_id: str, attachment_id: str) -> bytes:
        """The decoded bytes of one attachment."""
        body = await self._call(
            lambda svc: svc.attachments.get(userId="me", messageId=message_id, id=attachment_id),
            "messages.attachments.get",
        )
        return b64url_decode(body.get("data") or "")

    async def download_attachments(
        self,
        message: dict,
        *,
        mime_types: Iterable[str] | None = ("application/pdf",),
        concurrency: int = 8,
        max_bytes: int | None = None,
    ) -> list[Attachment]:
        """Attachments of a ``format=full`` message (inline ``body.data`` or ``attachmentId``),
        filtered by type (None: all), downloaded concurrently (at most ``concurrency``).
        Parts whose ``body.size`` (Gmail: "number of bytes for the message part data",
        decoded) is over ``max_bytes`` are left out without being downloaded
        (``mime.oversized_attachments`` lists them)."""
        parts = [
            p
            for p in find_attachments(message.get("payload") or {}, mime_types)
            if max_bytes is None or p.size <= max_bytes
        ]
        bound = asyncio.Semaphore(max(1, concurrency))

        async def one(part: Any) -> Attachment:
            data = part.data
            if data is None:
                async with bound:
                    data = await self.get_attachment(message["id"], part.attachment_id)
            return Attachment.of(part.filename, part.effective_type, data)

        return list(await gather_all(*(one(p) for p in parts)))

    # ------------------------------------------------------------------ batches
    async def _get_batch(
        self, ids: list[str], format: str, metadata_headers: list[str] | None
    ) -> dict[str, dict]:
        results: dict[str, dict] = {}
        pending = ids
        attempt = 0
        while pending:

            def execute(
                http: Any, p: list[str] = pending
            ) -> tuple[dict[str, dict], dict[str, Any]]:
                return self._execute_batch(http, p, format, metadata_headers)

            done, errors = await self._call_blocking(
                execute, METHOD_UNITS["messages.get"] * len(pending)
            )
            results.update(done)
            retry: list[str] = []
            limited = False
            for message_id, exc in errors.items():
                if _retryable(exc):
                    retry.append(message_id)
                    limited = limited or _rate_limited(exc)
                elif exc.resp.status == 404:
                    log.info("gmail message vanished before it was fetched")
                else:
                    raise self._map_http_error(exc)
            if retry:
                if attempt >= self._max_retries:
                    raise DependencyError("Gmail API error: batch items kept failing")
                if limited:
                    self._bucket.drain()
                await self._wait(self._delay(attempt, None))
                attempt += 1
            pending = retry
        return results

    def _execute_batch(
        self, http: Any, ids: list[str], format: str, metadata_headers: list[str] | None
    ) -> tuple[dict[str, dict], dict[str, Any]]:
        from googleapiclient.http import BatchHttpRequest

        done: dict[str, dict] = {}
        errors: dict[str, Any] = {}

        def collect(request_id: str, response: Any, exception: Any) -> None:
            if exception is not None:
                errors[request_id] = exception
            else:
                done[request_id] = response

        batch = BatchHttpRequest(callback=collect, batch_uri=self.batch_uri)
        messages = self._resources().messages
        extra = {"metadataHeaders": metadata_headers} if metadata_headers else {}
        for message_id in ids:
            batch.add(
                messages.get(userId="me", id=message_id, format=format, **extra),
                request_id=message_id,
            )
        batch.execute(http=http)
        return done, errors

    # ------------------------------------------------------------------ plumbing
    async def _call(self, build_request: Callable[[Any], Any], method: str) -> Any:
        """Execute one API request built from the service, with retries."""
        return await self._call_blocking(
            lambda http: build_request(self._resources()).execute(http=http, num_retries=0),
            METHOD_UNITS[method],
        )

    async def _wait(self, seconds: float) -> None:
        """Sleep, unless that would end after the deadline."""
        if seconds <= 0:
            return
        if self._clock() + seconds > self._deadline:
            raise QuotaWaitTooLongError("Gmail quota or backoff would outlast the time left")
        await self._sleep(seconds)

    async def _pace(self, units: int) -> None:
        """Reserve ``units`` of the user's quota, waiting for them when the bucket is empty."""
        delay = self._bucket.reserve(units)
        try:
            await self._wait(delay)
        except QuotaWaitTooLongError:
            self._bucket.refund(units)
            raise

    async def _call_blocking(self, fn: Callable[[Any], T], units: int) -> T:
        creds = await self._credentials.get()
        if self._service is None:
            async with self._build_lock:
                if self._service is None:  # the import and discovery parse run off the loop
                    self._service = await asyncio.get_running_loop().run_in_executor(
                        _pool(), self._build, creds
                    )
        from google.auth import exceptions as gexc
        from googleapiclient.errors import Error as ClientError
        from googleapiclient.errors import HttpError

        attempt = 0
        while True:
            try:
                await self._pace(units)
                metrics.count(metrics.GMAIL_QUOTA_UNITS, units)  # what Gmail charges
                async with self._semaphore:
                    result = await asyncio.get_running_loop().run_in_executor(
                        _pool(), contextvars.copy_context().run, self._run, fn, creds
                    )  # the copied context carries the invocation's metrics and request id
            except HttpError as exc:
                if _retryable(exc) and attempt < self._max_retries:
                    if _rate_limited(exc):
                        self._bucket.drain()
                    await self._wait(self._delay(attempt, exc))
                    attempt += 1
                    continue
                await self._credentials.sync()
                raise self._map_http_error(exc) from exc
            except _TransientError as exc:
                if attempt < self._max_retries:
                    await self._wait(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise DependencyError("Network error communicating with Gmail") from exc.__cause__
            except gexc.GoogleAuthError as exc:
                await self._credentials.fail(exc)
            except ClientError as exc:
                raise DependencyError("Gmail API error") from exc
            await self._credentials.sync()
            return result

    def _resources(self) -> _Resources:
        assert self._service is not None, "built before the first call"
        return self._service

    def _build(self, creds: Any) -> _Resources:
        """The API's resource objects, parsed from the discovery document once per process and
        API root (every request is executed with the user's own authorized ``http``, so they
        hold no credentials): a worker syncing thousands of users builds them once (measured
        15 ms a build, benchmarks/sweep.py)."""
        with _services_lock:
            cached = _services.get(self.root_url)
            if cached is not None:
                return cached
            import httplib2

            discovery = _import_discovery()
            service = discovery.build(
                "gmail",
                "v1",
                http=httplib2.Http(timeout=self._timeout),  # never used: each call brings its own
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": self.root_url},
            )
            # Resource objects are rebuilt from the discovery document on every access (~1 ms):
            # make them once.
            users = service.users()
            messages = users.messages()
            built = _services[self.root_url] = _Resources(
                users=users,
                messages=messages,
                attachments=messages.attachments(),
                history=users.history(),
            )
            return built

    def _run(self, fn: Callable[[Any], T], creds: Any) -> T:
        import httplib2

        http = getattr(self._local, "http", None)
        if http is None or http.credentials is not creds:
            import google_auth_httplib2

            http = google_auth_httplib2.AuthorizedHttp(
                creds, http=httplib2.Http(timeout=self._timeout)
            )
            self._local.http = http
        try:
            return fn(http)
        except (TimeoutError, ConnectionError, httplib2.HttpLib2Error) as exc:
            self._local.http = None
            raise _TransientError(str(exc)) from exc

    def _delay(self, attempt: int, exc: Any) -> float:
        retry_after = None
        if exc is not None:
            try:
                retry_after = float(exc.resp.get("retry-after", ""))
            except (TypeError, ValueError):
                retry_after = None
        return backoff_delay(
            attempt, base=self._backoff_base, cap=self._backoff_max, retry_after=retry_after
        )

    def _map_http_error(self, exc: Any) -> PayPulseError:
        status = exc.resp.status
        if status == 401:
            return GmailTokenExpiredError()
        if status == 404:
            return GmailNotFoundError(f"Gmail API error ({status})")
        return DependencyError(f"Gmail API error ({status})")
