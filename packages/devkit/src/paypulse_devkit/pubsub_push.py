"""The local Google's Cloud Pub/Sub, as far as Gmail push notifications need it: topics, push
subscriptions with OIDC authentication, and the Google key set that signs their tokens.

- Topic names are Pub/Sub's (https://cloud.google.com/pubsub/docs/pubsub-basics, "Resource
  names"): ``projects/<project id>/topics/<topic id>``; a project id is 6-30 lower-case letters,
  digits or hyphens, starting with a letter and not ending with a hyphen; a topic id is 3-255
  letters, digits, ``-._~%+``, starting with a letter and not with ``goog``.
- A push request is what Pub/Sub sends (https://cloud.google.com/pubsub/docs/push, "Receive
  messages"): ``POST`` of ``{"message": {"attributes", "data" (base64), "messageId",
  "message_id", "publishTime", "publish_time"}, "subscription": "projects/p/subscriptions/s"}``;
  a 102, 200, 201, 202 or 204 answer acknowledges it, anything else (or no answer) makes
  Pub/Sub send it again with exponential backoff.
- Authentication (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions):
  ``Authorization: Bearer <JWT>``, an OpenID Connect token signed RS256 by a Google key (``kid``
  in the header) whose public half is in Google's JWKS
  (https://www.googleapis.com/oauth2/v3/certs), claims ``iss`` ``https://accounts.google.com``,
  ``aud`` the subscription's audience (default: the push endpoint URL), ``email`` the
  subscription's service account, ``email_verified`` true, ``sub``/``azp`` that account's
  unique id, ``iat`` and ``exp`` one hour later.

Delivery runs on a background thread, as Pub/Sub's does: ``publish`` returns at once and
``drain()`` waits until every message was acknowledged or given up. Redelivery waits
``retry_base_s * 2**attempt`` (Pub/Sub's minimum backoff is 10 s; locally it is scaled down),
at most ``max_attempts`` times.
"""

from __future__ import annotations

import base64
import hashlib
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from paypulse_common.settings import PUBSUB_TOPIC_NAME as TOPIC_NAME

ISSUER = "https://accounts.google.com"
TOKEN_LIFETIME_S = 3600
ACK_STATUSES = frozenset({102, 200, 201, 202, 204})
# The service account Gmail publishes as; a deployer grants it Pub/Sub Publisher on the topic
# (https://developers.google.com/workspace/gmail/api/guides/push, "Grant publish rights").
GMAIL_PUBLISHER = "gmail-api-push@system.gserviceaccount.com"

Transport = Callable[[str, dict[str, str], bytes], int]


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class GoogleSigningKeys:
    """An RSA key pair standing in for Google's OIDC signing keys, with its JWKS."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = key.public_key().public_numbers()
        self.kid = hashlib.sha1(  # noqa: S324 - a key id, as Google's are (40 hex digits)
            numbers.n.to_bytes(256, "big")
        ).hexdigest()
        self._pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.jwk = {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self.jwk)]}

    def sign(self, claims: dict[str, Any]) -> str:
        import jwt

        return jwt.encode(claims, self._pem, algorithm="RS256", headers={"kid": self.kid})

    def id_token(self, *, audience: str, email: str, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
        """An OIDC token as Pub/Sub puts in a push request's Authorization header."""
        now = int(time.time())
        sub = str(int(hashlib.sha256(email.encode()).hexdigest()[:20], 16))
        return self.sign(
            {
                "iss": ISSUER,
                "aud": audience,
                "azp": sub,
                "sub": sub,
                "email": email,
                "email_verified": True,
                "iat": now,
                "exp": now + lifetime_s,
            }
        )


@dataclass(frozen=True)
class PushSubscription:
    name: str  # projects/<p>/subscriptions/<s>
    endpoint: str
    audience: str
    service_account: str


@dataclass
class Topic:
    name: str
    subscriptions: list[PushSubscription] = field(default_factory=list)
    publishers: set[str] = field(default_factory=lambda: {GMAIL_PUBLISHER})


@dataclass
class Delivery:
    message_id: str
    subscription: str
    statuses: list[int] = field(default_factory=list)
    published_at: float = 0.0
    acked_at: float | None = None


def _default_transport(url: str, headers: dict[str, str], body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


class PubSub:
    """Topics and push subscriptions; thread-safe. ``transport(url, headers, body) -> status``
    sends one push request (default: HTTP POST)."""

    def __init__(
        self,
        keys: GoogleSigningKeys | None = None,
        *,
        transport: Transport | None = None,
        retry_base_s: float = 0.05,
        max_attempts: int = 5,
    ) -> None:
        self.keys = keys or GoogleSigningKeys()
        self.transport = transport or _default_transport
        self.retry_base_s = retry_base_s
        self.max_attempts = max_attempts
        self._lock = threading.Lock()
        self._topics: dict[str, Topic] = {}
        self._next_id = 1_000_000_000_000_000
        self._queue: queue.Queue[tuple[PushSubscription, dict[str, Any], Delivery, int]] = (
            queue.Queue()
        )
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self.deliveries: list[Delivery] = []
        self._thread: threading.Thread | None = None
        # Paused: published messages reach no subscription (the test fixtures pause it, so only
        # tests that ask for pushes get them; see paypulse_devkit.pytest_plugin ``gmail_push``).
        self.paused = False

    # ------------------------------------------------------------------ admin
    def create_topic(self, name: str) -> Topic:
        if TOPIC_NAME.match(name) is None:
            raise ValueError(f"invalid topic name {name!r}")
        with self._lock:
            return self._topics.setdefault(name, Topic(name))

    def subscribe(
        self, topic: str, *, name: str, endpoint: str, audience: str, service_account: str
    ) -> PushSubscription:
        sub = PushSubscription(name, endpoint, audience or endpoint, service_account)
        self.create_topic(topic).subscriptions.append(sub)
        return sub

    def topic(self, name: str) -> Topic | None:
        with self._lock:
            return self._topics.get(name)

    def clear_deliveries(self) -> None:
        self.drain()
        with self._lock:
            self.deliveries.clear()

    # ------------------------------------------------------------------ publishing
    def publish(
        self, topic: str, data: bytes, attributes: dict[str, str] | None = None
    ) -> str | None:
        """Publish to every push subscription of ``topic``; returns the message id (None when
        the topic does not exist)."""
        with self._lock:
            found = self._topics.get(topic)
            if found is None:
                return None
            message_id = str(self._next_id)
            self._next_id += 1
            subscriptions = [] if self.paused else list(found.subscriptions)
        published = datetime.now(UTC)
        stamp = published.strftime("%Y-%m-%dT%H:%M:%S.") + f"{published.microsecond // 1000:03d}Z"
        message = {
            "attributes": dict(attributes or {}),
            "data": base64.b64encode(data).decode(),
            "messageId": message_id,
            "message_id": message_id,
            "publishTime": stamp,
            "publish_time": stamp,
        }
        for sub in subscriptions:
            delivery = Delivery(message_id, sub.name, published_at=time.monotonic())
            with self._lock:
                self.deliveries.append(delivery)
                self._pending += 1
            self._queue.put((sub, message, delivery, 0))
        self._ensure_worker()
        return message_id

    def push_request(
        self, sub: PushSubscription, message: dict[str, Any]
    ) -> tuple[dict[str, str], bytes]:
        """The headers and body of one push request of ``message`` to ``sub``."""
        token = self.keys.id_token(audience=sub.audience, email=sub.service_account)
        body = json.dumps({"message": message, "subscription": sub.name}).encode()
        headers = {
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
            "user-agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
        }
        return headers, body

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every published message was acknowledged or given up."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._work, name="pubsub-push", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            sub, message, delivery, attempt = self._queue.get()
            headers, body = self.push_request(sub, message)
            try:
                status = self.transport(sub.endpoint, headers, body)
            except Exception:  # an endpoint that fails is a non-ack, as on Pub/Sub
                status = 0
            delivery.statuses.append(status)
            done = status in ACK_STATUSES or attempt + 1 >= self.max_attempts
            if status in ACK_STATUSES:
                delivery.acked_at = time.monotonic()
            if not done:
                delay = self.retry_base_s * 2**attempt
                threading.Timer(
                    delay, self._queue.put, args=((sub, message, delivery, attempt + 1),)
                ).start()
                continue
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()
