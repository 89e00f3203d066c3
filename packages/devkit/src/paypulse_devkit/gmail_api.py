"""The Gmail API v1 subset PayPulse uses, served from a ``Mailbox`` (attached to the local Google
server, or to any HTTP server calling ``GmailApi.handle``).

Routes: ``GET /gmail/v1/users/{userId}/messages`` (q, maxResults ≤ 500, default 100, pageToken,
labelIds), ``GET .../messages/{id}`` (format full | metadata + metadataHeaders | minimal | raw),
``GET .../messages/{id}/attachments/{attachmentId}``, ``GET .../profile``, ``GET .../history``
(see ``_history``), ``POST .../watch`` and ``POST .../stop`` (push notifications through the
local Pub/Sub, ``paypulse_devkit.pubsub_push``: see ``_watch``) and the batch endpoint
(``POST /batch/gmail/v1`` or ``/batch``: multipart/mixed of application/http parts, answered
with ``Content-ID: <response-…>`` parts as Google does).

Search (``q``), as Gmail's search operators page states them
(https://support.google.com/mail/answer/7190) and the API's "Search and filter messages" guide
(https://developers.google.com/workspace/gmail/api/guides/filtering): matching is by whole
words, case-insensitive, never by substring: ``subject:avi`` does not find "Hyresavi"; a quoted
phrase is consecutive words; ``from:``/``to:`` match words of the name or address
(``from:wallenstam.se`` finds kundservice@wallenstam.se, ``from:stam.se`` does not);
``filename:pdf`` / ``filename:avi.pdf`` match words of an attachment's name;
``has:attachment``; ``after:`` / ``before:`` take ``YYYY/MM/DD``, read as midnight **PST**
(the guide: "All dates used in the search query are interpreted as midnight on that date in the
PST timezone"), or epoch seconds; before is exclusive; ``newer_than:`` / ``older_than:``
(``Nd``/``Nm``/``Ny``), ``in:``, ``label:``, ``is:``, ``OR`` / ``{…}``, parentheses,
``field:(…)``, negation (``-term``) and bare words (any of subject, sender, recipients, body,
attachment names). As in Gmail, OR binds tighter than the implicit AND.

Quota: every call (each part of a batch on its own) is charged to its user and the project by a
``QuotaMeter`` (gmail_quota: Gmail's documented units and per-minute limits); over a limit the
call answers 429 with reason ``userRateLimitExceeded`` or ``rateLimitExceeded``.

Testing aids: ``latency_s`` (sleep per HTTP request), ``fail_next(status, count)`` (the next
API calls, or whole batch requests with ``batch=True``, answer ``status``) and ``stats``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from paypulse_devkit.gmail_quota import USER_LIMIT_REASON, QuotaMeter
from paypulse_devkit.mailbox import HistoryExpiredError, Mailbox, StoredMessage, words
from paypulse_devkit.pubsub_push import GMAIL_PUBLISHER, TOPIC_NAME, PubSub
from paypulse_gmail.mime import b64url_encode

Response = tuple[int, dict[str, str], bytes]
JSON_TYPE = "application/json; charset=UTF-8"
MAX_BATCH_ITEMS = 100
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

_STATUS = {
    400: ("Bad Request", "INVALID_ARGUMENT", "invalidArgument"),
    401: ("Unauthorized", "UNAUTHENTICATED", "authError"),
    403: ("Forbidden", "PERMISSION_DENIED", "forbidden"),
    404: ("Not Found", "NOT_FOUND", "notFound"),
    429: ("Too Many Requests", "RESOURCE_EXHAUSTED", "rateLimitExceeded"),
    500: ("Internal Server Error", "INTERNAL", "backendError"),
    502: ("Bad Gateway", "UNAVAILABLE", "backendError"),
    503: ("Service Unavailable", "UNAVAILABLE", "backendError"),
}


def _reason(status: int) -> str:
    return _STATUS.get(status, ("Error", "UNKNOWN", "unknown"))[0]


def error_body(
    status: int, message: str, reason: str | None = None, *, domain: str = "global"
) -> dict:
    """Google's JSON error envelope."""
    _, code, default_reason = _STATUS.get(status, ("Error", "UNKNOWN", "unknown"))
    reason = reason or default_reason
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": code,
        }
    }


def _json(status: int, body: Any, extra: dict[str, str] | None = None) -> Response:
    headers = {"Content-Type": JSON_TYPE, **(extra or {})}
    return status, headers, json.dumps(body).encode("utf-8")


def _error(status: int, message: str, reason: str | None = None) -> Response:
    extra = (
        {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if status == 401 else {}
    )
    return _json(status, error_body(status, message, reason), extra)


@dataclass(frozen=True)
class _Fault:
    status: int
    batch: bool
    path_contains: str | None
    reason: str | None

    def response(self) -> Response:
        return _error(self.status, _reason(self.status), self.reason)


# ============================================================================ watches
# "You must re-call watch at least every 7 days or else you will stop receiving updates"
# (https://developers.google.com/workspace/gmail/api/guides/push, "Renewing mailbox watch").
WATCH_LIFETIME_MS = 7 * 24 * 3600 * 1000
LOCAL_PROJECT = "paypulse-local"


@dataclass(frozen=True)
class Watch:
    topic: str
    label_ids: tuple[str, ...]
    behavior: str  # include | exclude
    expiration_ms: int

    def lets_through(self, label_ids: list[str]) -> bool:
        if self.expiration_ms <= time.time() * 1000:
            return False
        if not self.label_ids:
            return True
        hit = bool({x.upper() for x in self.label_ids} & {x.upper() for x in label_ids})
        return hit if self.behavior == "include" else not hit


# ============================================================================ search
class QueryError(ValueError):
    """The q parameter could not be parsed."""


@dataclass(frozen=True)
class _Term:
    field: str | None
    value: str


@dataclass(frozen=True)
class _Node:
    op: str  # "and" | "or" | "not"
    items: tuple[Any, ...]


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) | (?P<lbrace>\{) | (?P<rbrace>\}) |
        (?P<neg>-)(?=\S) |
        "(?P<phrase>[^"]*)"? |
        (?P<field>[A-Za-z_]+):(?:"(?P<fphrase>[^"]*)"?|(?P<fgroup>\()|(?P<fvalue>[^\s(){}"]+)) |
        (?P<word>[^\s(){}"]+)
    )""",
    re.VERBOSE,
)


def _tokenize(query: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    query = query.strip()
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None or match.end() == pos:
            raise QueryError(f"cannot parse query at {pos}")
        pos = match.end()
        kind = match.lastgroup
        if match.group("open") is not None:
            tokens.append(("(", None))
        elif match.group("close") is not None:
            tokens.append((")", None))
        elif match.group("lbrace") is not None:
            tokens.append(("{", None))
        elif match.group("rbrace") is not None:
            tokens.append(("}", None))
        elif match.group("neg") is not None:
            tokens.append(("-", None))
        elif match.group("phrase") is not None:
            tokens.append(("term", _Term(None, match.group("phrase"))))
        elif match.group("field") is not None:
            name = match.group("field").lower()
            if match.group("fgroup") is not None:
                tokens.append(("fgroup", name))
            else:
                value = match.group("fphrase")
                value = value if value is not None else match.group("fvalue")
                tokens.append(("term", _Term(name, value)))
        elif kind == "word" or match.group("word") is not None:
            word = match.group("word")
            if word == "OR":
                tokens.append(("or", None))
            elif word == "AND":
                continue
            else:
                tokens.append(("term", _Term(None, word)))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Any:
        node = self.conjunction(None, stop=None)
        if self.pos != len(self.tokens):
            raise QueryError("unbalanced parentheses")
        return node

    def conjunction(self, field: str | None, stop: str | None) -> Any:
        items = []
        while self.peek() is not None and self.peek() != stop:
            if self.peek() in (")", "}"):
                raise QueryError("unexpected closing bracket")
            items.append(self.disjunction(field))
        return _Node("and", tuple(items))

    def disjunction(self, field: str | None) -> Any:
        items = [self.unary(field)]
        while self.peek() == "or":
            self.take()
            if self.peek() is None:
                raise QueryError("OR at the end of the query")
            items.append(self.unary(field))
        return items[0] if len(items) == 1 else _Node("or", tuple(items))

    def unary(self, field: str | None) -> Any:
        if self.peek() == "-":
            self.take()
            if self.peek() is None:
                raise QueryError("dangling -")
            return _Node("not", (self.unary(field),))
        return self.atom(field)

    def atom(self, field: str | None) -> Any:
        kind, value = self.take()
        if kind == "(":
            node = self.conjunction(field, stop=")")
            self._expect(")")
            return node
        if kind == "fgroup":
            node = self.conjunction(value, stop=")")
            self._expect(")")
            return node
        if kind == "{":
            items = []
            while self.peek() not in ("}", None):
                if self.peek() == "or":
                    self.take()
                    continue
                items.append(self.unary(field))
            self._expect("}")
            return _Node("or", tuple(items))
        if kind == "term":
            return value if value.field or field is None else _Term(field, value.value)
        if kind == "or":
            raise QueryError("OR without a left operand")
        raise QueryError(f"unexpected {kind}")

    def _expect(self, kind: str) -> None:
        if self.peek() != kind:
            raise QueryError(f"expected {kind}")
        self.take()


def parse_query(query: str) -> Any:
    """Parse a Gmail search string into a small expression tree (raises QueryError)."""
    return _Parser(_tokenize(query)).parse()


# "All dates used in the search query are interpreted as midnight on that date in the PST
# timezone. To specify accurate dates for other timezones pass the value in seconds instead"
# (https://developers.google.com/workspace/gmail/api/guides/filtering).
PST = timezone(timedelta(hours=-8), "PST")


def _epoch_ms(value: str) -> int | None:
    value = value.strip()
    if value.isdigit() and len(value) > 8:
        return int(value) * 1000
    match = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", value)
    if not match:
        return None
    try:
        year, month, dom = (int(g) for g in match.groups())
        day = datetime(year, month, dom, tzinfo=PST)
    except ValueError:
        return None
    return int(day.timestamp() * 1000)


def _relative_ms(value: str, now: datetime) -> int | None:
    match = re.fullmatch(r"(\d+)([dmy])", value.strip().lower())
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2)
    days = {"d": 1, "m": 30, "y": 365}[unit] * amount
    return int((now - timedelta(days=days)).timestamp() * 1000)


def _size(value: str) -> int | None:
    match = re.fullmatch(r"(\d+)([kKmM]?)", value.strip())
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2).lower()]


def _has_phrase(haystack: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """``phrase`` occurs as consecutive whole words of ``haystack``."""
    n = len(phrase)
    if n == 0:
        return False
    return any(haystack[i : i + n] == phrase for i in range(len(haystack) - n + 1))


def _term_matches(term: _Term, m: StoredMessage, now: datetime) -> bool:
    value = term.value.lower().strip()
    field = term.field
    phrase = words(value)
    if field is None:
        return any(_has_phrase(w, phrase) for w in m.searchable_words)
    if field == "from":
        return _has_phrase(m.sender_words, phrase)
    if field in ("to", "cc", "bcc", "deliveredto"):
        return _has_phrase(m.recipient_words, phrase)
    if field == "subject":
        return _has_phrase(m.subject_words, phrase)
    if field in ("after", "newer", "before", "older"):
        ms = _epoch_ms(value)
        if ms is None:
            return False
        return m.internal_ms >= ms if field in ("after", "newer") else m.internal_ms < ms
    if field in ("newer_than", "older_than"):
        ms = _relative_ms(value, now)
        if ms is None:
            return False
        return m.internal_ms >= ms if field == "newer_than" else m.internal_ms < ms
    if field == "has":
        return value == "attachment" and m.has_attachment
    if field == "filename":
        return any(_has_phrase(words(f), phrase) for f in m.filenames)
    if field in ("in", "label"):
        if value in ("anywhere", "all"):
            return True
        return value in {label.lower() for label in m.label_ids}
    if field == "is":
        return value in {label.lower() for label in m.label_ids}
    if field in ("larger", "smaller"):
        size = _size(value)
        if size is None:
            return False
        return m.size > size if field == "larger" else m.size < size
    # An unknown operator is searched for as words, as Gmail does.
    return any(_has_phrase(w, words(f"{field} {value}")) for w in m.searchable_words)


def matches(node: Any, message: StoredMessage, *, now: datetime | None = None) -> bool:
    """Evaluate a parsed query against one stored message."""
    current = now or datetime.now(UTC)
    if isinstance(node, _Term):
        return _term_matches(node, message, current)
    if node.op == "and":
        return all(matches(item, message, now=current) for item in node.items)
    if node.op == "or":
        return any(matches(item, message, now=current) for item in node.items)
    return not matches(node.items[0], message, now=current)


# ============================================================================ the API
class GmailApi:
    """Answers Gmail API requests from a Mailbox. ``access_token_check`` maps a bearer token to
    the owner's e-mail (None → 401): every call sees that account's messages only."""

    def __init__(
        self,
        mailbox: Mailbox,
        *,
        access_token_check: Callable[[str], str | None],
        latency_s: float = 0.0,
        quota: QuotaMeter | None = None,
        pubsub: PubSub | None = None,
        project: str = LOCAL_PROJECT,
    ) -> None:
        self.pubsub = pubsub
        self.project = project  # the Google developer project a watch's topic must belong to
        self.watches: dict[str, Watch] = {}  # owner -> the mailbox's push notification watch
        self._mailbox: Mailbox | None = None
        self.mailbox = mailbox
        self.latency_s = latency_s
        self.quota = quota or QuotaMeter()
        self._check = access_token_check
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self.stats: Counter[str] = Counter()

    @property
    def mailbox(self) -> Mailbox:
        assert self._mailbox is not None
        return self._mailbox

    @mailbox.setter
    def mailbox(self, mailbox: Mailbox) -> None:
        """Serve ``mailbox`` (watches belong to the mailboxes: a new one starts without)."""
        if self._mailbox is not None and self._notify in self._mailbox.listeners:
            self._mailbox.listeners.remove(self._notify)
        self._mailbox = mailbox
        self.watches = {}
        mailbox.listeners.append(self._notify)

    # ------------------------------------------------------------------ fault injection
    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        batch: bool = False,
        path_contains: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Answer the next ``count`` API calls (each batch item counts; with ``batch=True``
        whole batch requests instead) with ``status``; optionally only calls whose path
        contains ``path_contains``; ``reason`` overrides the error reason (e.g. a 403 with
        ``userRateLimitExceeded``, as Gmail sends)."""
        with self._lock:
            self._faults.extend([_Fault(status, batch, path_contains, reason)] * count)

    @property
    def pending_faults(self) -> int:
        """Injected failures not yet served."""
        with self._lock:
            return len(self._faults)

    def _take_fault(self, *, batch: bool, path: str) -> _Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.batch == batch and (
                    fault.path_contains is None or fault.path_contains in path
                ):
                    return self._faults.pop(index)
        return None

    # ------------------------------------------------------------------ entry point
    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Response:
        """One HTTP request (``query`` as parse_qs gives it, header names in any case)."""
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.stats["http_requests"] += 1
        if path in ("/batch/gmail/v1", "/batch"):
            if method != "POST":
                return _error(405, "Method not allowed")
            fault = self._take_fault(batch=True, path=path)
            if fault is not None:
                return fault.response()
            return self._batch(lower, body)
        return self._call(method, path, query, lower, body)

    def _owner(self, headers: dict[str, str]) -> str | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        owner = self._check(token.strip())
        return owner.lower() if owner else None

    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes = b"",
    ) -> Response:
        owner = self._owner(headers)
        if owner is None:
            return _error(401, "Request had invalid authentication credentials.")
        fault = self._take_fault(batch=False, path=path)
        if fault is not None:
            return fault.response()
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if segments[:3] != ["gmail", "v1", "users"] or len(segments) < 5:
            return _error(404, "Not Found")
        user_id = segments[3]
        if user_id != "me" and user_id.lower() != owner:
            return _error(403, "Delegation denied for " + owner)
        rest = segments[4:]
        api_method = _api_method(rest)
        if api_method is None:
            return _error(404, "Not Found")
        if method != ("POST" if api_method in ("watch", "stop") else "GET"):
            return _error(405, "Method not allowed")
        refused = self.quota.charge(owner, api_method)
        if refused is not None:
            return _quota_error(refused)
        with self._lock:
            self.stats["calls"] += 1
        if api_method == "getProfile":
            return self._profile(owner)
        if api_method == "messages.list":
            return self._list(owner, query)
        if api_method == "history.list":
            return self._history(owner, query)
        if api_method == "messages.get":
            return self._get(owner, rest[1], query)
        if api_method == "watch":
            return self._watch(owner, body)
        if api_method == "stop":
            return self._stop(owner)
        return self._attachment(owner, rest[1], rest[3])

    def usage(self, email: str) -> dict[str, object]:
        """Quota units ``email`` spent, per method and in total (see gmail_quota)."""
        return self.quota.usage(email)

    # ------------------------------------------------------------------ push notifications
    def _watch(self, owner: str, body: bytes) -> Response:
        """``users.watch`` as its reference states it
        (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users/watch):
        body ``topicName`` (required, ``projects/<project>/topics/<topic>`` of the caller's own
        developer project, existing, with publish rights granted to Gmail), ``labelIds``,
        ``labelFilterBehavior`` (``include`` / ``exclude``; replaces the deprecated
        ``labelFilterAction``, which is read when it is absent); answers the mailbox's current
        ``historyId`` and ``expiration`` (epoch ms, 7 days ahead: the push guide asks to call
        watch again at least every 7 days). A new call replaces the mailbox's watch."""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "Invalid JSON payload received.")
        if not isinstance(request, dict):
            return _error(400, "Invalid JSON payload received.")
        topic = request.get("topicName")
        match = TOPIC_NAME.match(topic) if isinstance(topic, str) else None
        if match is None:
            return _error(400, "Invalid topicName does not match projects/*/topics/*")
        if match.group("project") != self.project:
            return _error(400, f"Invalid topicName does not match projects/{self.project}/topics/*")
        topic = match.group(0)
        found = self.pubsub.topic(topic) if self.pubsub is not None else None
        if found is None:
            return _error(404, f"Resource not found (resource={match.group('topic')}).")
        if GMAIL_PUBLISHER not in found.publishers:
            return _error(403, "User not authorized to perform this action.")
        labels = request.get("labelIds") or []
        behavior = request.get("labelFilterBehavior") or request.get("labelFilterAction")
        behavior = str(behavior or "include").lower()
        if (
            not isinstance(labels, list)
            or not all(isinstance(x, str) for x in labels)
            or behavior not in ("include", "exclude")
        ):
            return _error(400, "Invalid value for labelIds or labelFilterBehavior")
        expiration = int(time.time() * 1000) + WATCH_LIFETIME_MS
        history_id = self.mailbox.history_id(owner)
        with self._lock:
            self.watches[owner] = Watch(topic, tuple(labels), behavior, expiration)
        return _json(200, {"historyId": str(history_id), "expiration": str(expiration)})

    def _stop(self, owner: str) -> Response:
        """``users.stop``: no more push notifications for the mailbox (empty answer)."""
        with self._lock:
            self.watches.pop(owner, None)
        return 204, {}, b""

    def _notify(self, owner: str, history_id: int, label_ids: list[str]) -> None:
        """A change in ``owner``'s mailbox: publish ``{"emailAddress", "historyId"}`` to the
        watch's topic when the watch is live and its label filter lets the change through (the
        push guide's "Receiving notifications")."""
        with self._lock:
            watch = self.watches.get(owner)
        if watch is None or self.pubsub is None or not watch.lets_through(label_ids):
            return
        data = json.dumps({"emailAddress": owner, "historyId": history_id}).encode()
        self.pubsub.publish(watch.topic, data)

    # ------------------------------------------------------------------ resources
    def _profile(self, owner: str) -> Response:
        messages = self.mailbox.messages(owner)
        return _json(
            200,
            {
                "emailAddress": owner,
                "messagesTotal": len(messages),
                "threadsTotal": len({m.thread_id for m in messages}),
                "historyId": str(self.mailbox.history_id(owner)),
            },
        )

    def _history(self, owner: str, query: dict[str, list[str]]) -> Response:
        """``users.history.list`` as its reference states it
        (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.history/list):
        records after ``startHistoryId`` (required) in increasing id order, each with
        ``id``, ``messages`` and, for additions, ``messagesAdded[].message{id, threadId,
        labelIds}``; ``historyTypes`` (repeated) keeps records with a change of those types,
        ``labelId`` those whose message has that label; ``maxResults`` default 100, at most
        500; ``nextPageToken`` while more follow; ``historyId`` is the mailbox's current one.
        An invalid or out-of-date start id answers 404 ("Supplying an invalid or out of date
        startHistoryId typically returns an HTTP 404 error code")."""
        with self._lock:
            self.stats["history"] += 1
        start_text = (query.get("startHistoryId") or [""])[0]
        if not start_text.isdigit():
            return _error(400, "Invalid startHistoryId")
        try:
            size = int((query.get("maxResults") or [str(DEFAULT_PAGE_SIZE)])[0])
        except ValueError:
            return _error(400, "Invalid value for maxResults")
        if size < 1:
            return _error(400, "Invalid value for maxResults")
        size = min(size, MAX_PAGE_SIZE)
        types = set(query.get("historyTypes") or [])
        unknown = types - {"messageAdded", "messageDeleted", "labelAdded", "labelRemoved"}
        if unknown:
            return _error(400, "Invalid value for historyTypes")
        label = (query.get("labelId") or [""])[0].lower()
        after = int(start_text)
        token = (query.get("pageToken") or [""])[0]
        if token:
            try:
                after = max(after, int(base64.urlsafe_b64decode(token.encode()).decode()))
            except (ValueError, UnicodeDecodeError):
                return _error(400, "Invalid pageToken")
        try:
            records, current = self.mailbox.history(owner, int(start_text))
        except HistoryExpiredError:
            return _error(404, "Requested entity was not found.")
        found: list[dict[str, Any]] = []
        for record in records:
            if record.id <= after or (types and "messageAdded" not in types):
                continue
            message = self.mailbox.get(record.message_id, owner)
            if message is None:
                continue
            if label and label not in {x.lower() for x in message.label_ids}:
                continue
            stub = {"id": message.id, "threadId": message.thread_id}
            found.append(
                {
                    "id": str(record.id),
                    "messages": [stub],
                    "messagesAdded": [{"message": {**stub, "labelIds": list(message.label_ids)}}],
                }
            )
        body: dict[str, Any] = {}
        if found[:size]:
            body["history"] = found[:size]
        if len(found) > size:
            body["nextPageToken"] = base64.urlsafe_b64encode(
                found[size - 1]["id"].encode()
            ).decode()
        body["historyId"] = str(current)
        return _json(200, body)

    def _list(self, owner: str, query: dict[str, list[str]]) -> Response:
        with self._lock:
            self.stats["list"] += 1
        try:
            size = int((query.get("maxResults") or [str(DEFAULT_PAGE_SIZE)])[0])
        except ValueError:
            return _error(400, "Invalid value for maxResults")
        if size < 1:
            return _error(400, "Invalid value for maxResults")
        size = min(size, MAX_PAGE_SIZE)
        q = (query.get("q") or [""])[0]
        try:
            tree = parse_query(q) if q.strip() else None
        except QueryError:
            return _error(400, "Invalid query")
        labels = {label.lower() for label in query.get("labelIds") or []}
        now = datetime.now(UTC)
        found = [
            m
            for m in self.mailbox.messages(owner)
            if (tree is None or matches(tree, m, now=now))
            and labels <= {label.lower() for label in m.label_ids}
        ]
        token = (query.get("pageToken") or [""])[0]
        start = 0
        if token:
            try:
                ms_text, _, last_id = (
                    base64.urlsafe_b64decode(token.encode()).decode().partition(":")
                )
                key = (int(ms_text), last_id)
            except (ValueError, UnicodeDecodeError):
                return _error(400, "Invalid pageToken")
            start = next(
                (i for i, m in enumerate(found) if (m.internal_ms, m.id) < key), len(found)
            )
        page = found[start : start + size]
        body: dict[str, Any] = {}
        if page:
            body["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if start + size < len(found):
            last = page[-1]
            body["nextPageToken"] = base64.urlsafe_b64encode(
                f"{last.internal_ms}:{last.id}".encode()
            ).decode()
        body["resultSizeEstimate"] = len(found)
        return _json(200, body)

    def _get(self, owner: str, message_id: str, query: dict[str, list[str]]) -> Response:
        with self._lock:
            self.stats["get"] += 1
        message = self.mailbox.get(message_id, owner)
        if message is None:
            return _error(404, "Requested entity was not found.")
        fmt = (query.get("format") or ["full"])[0].lower()
        if fmt not in ("full", "metadata", "minimal", "raw"):
            return _error(400, "Invalid format")
        return _json(200, render_message(message, fmt, query.get("metadataHeaders")))

    def _attachment(self, owner: str, message_id: str, attachment_id: str) -> Response:
        with self._lock:
            self.stats["attachments"] += 1
        data = self.mailbox.attachment(message_id, attachment_id, owner)
        if data is None:
            return _error(404, "Requested entity was not found.")
        return _json(200, {"size": len(data), "data": b64url_encode(data)})

    # ------------------------------------------------------------------ batch
    def _batch(self, headers: dict[str, str], body: bytes) -> Response:
        content_type = headers.get("content-type", "")
        if "multipart/mixed" not in content_type.lower() or "boundary" not in content_type:
            return _error(400, "Batch requests must be multipart/mixed")
        envelope = BytesParser().parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        parts = envelope.get_payload()
        if not isinstance(parts, list) or not parts:
            return _error(400, "Empty batch request")
        if len(parts) > MAX_BATCH_ITEMS:
            return _error(400, f"A batch may hold at most {MAX_BATCH_ITEMS} calls")
        with self._lock:
            self.stats["batch_requests"] += 1
            self.stats["batch_items"] += len(parts)
        boundary = "batch_" + uuid.uuid4().hex
        out: list[bytes] = []
        for part in parts:
            if not isinstance(part, Message):
                return _error(400, "Malformed batch part")
            content_id = str(part.get("Content-ID", "")).strip()
            inner = part.get_payload(decode=False)
            if isinstance(inner, list):  # application/http parsed as a message: not expected
                return _error(400, "Malformed batch part")
            status, resp_headers, resp_body = self._inner(str(inner), headers)
            response_id = (
                f"<response-{content_id[1:]}"
                if content_id.startswith("<")
                else f"response-{content_id}"
            )
            lines = [f"HTTP/1.1 {status} {_reason(status) if status >= 300 else 'OK'}"]
            lines += [f"{k}: {v}" for k, v in resp_headers.items()]
            lines.append(f"Content-Length: {len(resp_body)}")
            head = (
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: {response_id}\r\n\r\n" + "\r\n".join(lines) + "\r\n\r\n"
            )
            out.append(head.encode("utf-8") + resp_body + b"\r\n")
        out.append(f"--{boundary}--\r\n".encode())
        return 200, {"Content-Type": f"multipart/mixed; boundary={boundary}"}, b"".join(out)

    def _inner(self, text: str, outer_headers: dict[str, str]) -> Response:
        normalised = text.replace("\r\n", "\n")
        head, _, _body = normalised.partition("\n\n")
        request_line, *header_lines = head.split("\n")
        try:
            method, target, _version = request_line.strip().split(" ", 2)
        except ValueError:
            return _error(400, "Malformed request line")
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if "authorization" not in headers and "authorization" in outer_headers:
            headers["authorization"] = outer_headers["authorization"]
        url = urlsplit(target)
        return self._call(method.upper(), url.path, parse_qs(url.query), headers)


def _api_method(rest: list[str]) -> str | None:
    """The Gmail API method a ``/gmail/v1/users/{userId}/...`` path names (its quota key)."""
    if rest == ["profile"]:
        return "getProfile"
    if rest == ["messages"]:
        return "messages.list"
    if rest == ["history"]:
        return "history.list"
    if rest == ["watch"]:
        return "watch"
    if rest == ["stop"]:
        return "stop"
    if len(rest) == 2 and rest[0] == "messages":
        return "messages.get"
    if len(rest) == 4 and rest[0] == "messages" and rest[2] == "attachments":
        return "messages.attachments.get"
    return None


def _quota_error(reason: str) -> Response:
    """Gmail's answer over a usage limit: 429 RESOURCE_EXHAUSTED, domain usageLimits
    (https://developers.google.com/workspace/gmail/api/guides/handle-errors)."""
    message = "User-rate limit exceeded." if reason == USER_LIMIT_REASON else "Rate limit exceeded."
    return _json(429, error_body(429, message, reason, domain="usageLimits"))


# ============================================================================ shapes
def render_message(
    message: StoredMessage, fmt: str, metadata_headers: list[str] | None = None
) -> dict:
    """A stored message in one of Gmail's formats (full, metadata, minimal, raw)."""
    resource = message.resource
    base = {
        "id": resource["id"],
        "threadId": resource["threadId"],
        "labelIds": list(resource.get("labelIds") or []),
        "snippet": resource.get("snippet", ""),
        "sizeEstimate": resource.get("sizeEstimate", 0),
        "historyId": str(resource.get("historyId", "")),
        "internalDate": str(resource.get("internalDate", "0")),
    }
    if fmt == "full":
        return {**base, "payload": resource["payload"]}
    if fmt == "raw":
        if message.raw is None:
            return base
        return {**base, "raw": b64url_encode(message.raw)}
    if fmt == "metadata":
        payload = resource["payload"]
        wanted = {h.lower() for h in metadata_headers or []}
        headers = [
            h for h in payload.get("headers") or [] if not wanted or h["name"].lower() in wanted
        ]
        return {
            **base,
            "payload": {
                "partId": payload.get("partId", ""),
                "mimeType": payload.get("mimeType", ""),
                "filename": payload.get("filename", ""),
                "headers": headers,
                "body": {"size": 0},
            },
        }
    return base
