"""The local Gmail's push notifications: ``users.watch`` / ``users.stop`` as Gmail's reference
states them, and the Pub/Sub push request the local Google sends when mail arrives (Pub/Sub's
push format, an OIDC token signed by a key of the JWKS the local Google serves)."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from paypulse_devkit.gmail_api import GmailApi
from paypulse_devkit.google_server import GoogleServer
from paypulse_devkit.mailbox import Mailbox, compose_message
from paypulse_devkit.pubsub_push import PubSub

OWNER = "tenant@example.com"
OTHER = "other@example.com"
TOKENS = {"ya29.owner": OWNER, "ya29.other": OTHER}
TOPIC = "projects/paypulse-local/topics/gmail-push"
AUDIENCE = "https://api.example.com/v1/gmail/push"
PUSHER = "push@paypulse-local.iam.gserviceaccount.com"


class Endpoint:
    """A push endpoint that records what it receives and answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.statuses: list[int] = []

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        self.received.append((url, headers, json.loads(body)))
        return self.statuses.pop(0) if self.statuses else 204


@pytest.fixture
def endpoint() -> Endpoint:
    return Endpoint()


@pytest.fixture
def pubsub(endpoint: Endpoint) -> PubSub:
    bus = PubSub(transport=endpoint, retry_base_s=0.001)
    bus.subscribe(
        TOPIC,
        name="projects/paypulse-local/subscriptions/s",
        endpoint="https://api.example.com/v1/gmail/push",
        audience=AUDIENCE,
        service_account=PUSHER,
    )
    return bus


@pytest.fixture
def api(pubsub: PubSub) -> GmailApi:
    return GmailApi(Mailbox(), access_token_check=TOKENS.get, pubsub=pubsub)


def post(api: GmailApi, path: str, body: Any, token: str = "ya29.owner") -> tuple[int, Any]:
    raw = json.dumps(body).encode() if body is not None else b""
    status, _, answer = api.handle("POST", path, {}, {"Authorization": f"Bearer {token}"}, raw)
    return status, json.loads(answer) if answer else None


def deliver(api: GmailApi, owner: str = OWNER, labels: list[str] | None = None) -> str:
    raw = compose_message(
        sender="a@b.se", to=owner, subject="Hyresavi", sent=datetime.now(UTC), text="Hej"
    )
    return api.mailbox.add_raw(raw, owner=owner, label_ids=labels)


def test_watch_answers_history_id_and_expiration_seven_days_ahead(api: GmailApi) -> None:
    deliver(api)
    status, body = post(api, "/gmail/v1/users/me/watch", {"topicName": TOPIC})
    assert status == 200
    assert body["historyId"] == str(api.mailbox.history_id(OWNER))
    expires_in = int(body["expiration"]) / 1000 - time.time()
    assert 7 * 86400 - 60 < expires_in <= 7 * 86400
    assert api.watches[OWNER].topic == TOPIC


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"topicName": "gmail-push"}, 400),
        ({"topicName": "projects/paypulse-local/topics/goog-x"}, 400),
        ({"topicName": "projects/Bad_Project/topics/gmail-push"}, 400),
        ({"topicName": "projects/another-project/topics/gmail-push"}, 400),
        ({"topicName": "projects/paypulse-local/topics/missing"}, 404),
        ({"topicName": TOPIC, "labelFilterBehavior": "sometimes"}, 400),
        ({"topicName": TOPIC, "labelIds": "INBOX"}, 400),
    ],
)
def test_watch_refuses_what_gmail_refuses(api: GmailApi, body: Any, status: int) -> None:
    assert post(api, "/gmail/v1/users/me/watch", body)[0] == status
    assert OWNER not in api.watches


def test_watch_needs_gmail_publish_rights_on_the_topic(api: GmailApi, pubsub: PubSub) -> None:
    topic = pubsub.topic(TOPIC)
    assert topic is not None
    topic.publishers.clear()
    assert post(api, "/gmail/v1/users/me/watch", {"topicName": TOPIC})[0] == 403


def test_watch_and_stop_cost_100_and_50_units_and_take_post_only(api: GmailApi) -> None:
    post(api, "/gmail/v1/users/me/watch", {"topicName": TOPIC})
    post(api, "/gmail/v1/users/me/stop", None)
    assert api.usage(OWNER)["units"] == {"watch": 100, "stop": 50}
    status, _, _ = api.handle(
        "GET", "/gmail/v1/users/me/watch", {}, {"Authorization": "Bearer ya29.owner"}, b""
    )
    assert status == 405


def test_delivered_mail_pushes_a_pubsub_message_signed_for_the_subscription(
    api: GmailApi, pubsub: PubSub, endpoint: Endpoint
) -> None:
    post(api, "/gmail/v1/users/me/watch", {"topicName": TOPIC})
    deliver(api, OTHER)  # another mailbox, not watched: nothing
    deliver(api)
    assert pubsub.drain(5)
    assert len(endpoint.received) == 1
    url, headers, body = endpoint.received[0]
    assert url == "https://api.example.com/v1/gmail/push"
    message = body["message"]
    assert body["subscription"] == "projects/paypulse-local/subscriptions/s"
    assert message["messageId"] == message["message_id"]
    assert message["publishTime"].endswith("Z")
    data = json.loads(base64.b64decode(message["data"]))
    assert data == {"emailAddress": OWNER, "historyId": api.mailbox.history_id(OWNER)}
    scheme, _, token = headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token)["kid"] == pubsub.keys.kid
    key = jwt.PyJWK(pubsub.keys.jwks()["keys"][0])
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer="https://accounts.google.com",
    )
    assert claims["email"] == PUSHER and claims["email_verified"] is True
    assert claims["exp"] - claims["iat"] == 3600


def test_label_filter_and_stop(api: GmailApi, pubsub: PubSub, endpoint: Endpoint) -> None:
    body = {"topicName": TOPIC, "labelIds": ["INBOX"], "labelFilterBehavior": "include"}
    post(api, "/gmail/v1/users/me/watch", body)
    deliver(api, labels=["SPAM"])
    deliver(api, labels=["INBOX", "UNREAD"])
    assert pubsub.drain(5)
    assert len(endpoint.received) == 1
    post(api, "/gmail/v1/users/me/watch", {**body, "labelFilterBehavior": "exclude"})
    deliver(api, labels=["INBOX"])
    deliver(api, labels=["SPAM"])
    assert pubsub.drain(5)
    assert len(endpoint.received) == 2
    assert post(api, "/gmail/v1/users/me/stop", None)[0] == 204
    deliver(api)
    assert pubsub.drain(5)
    assert len(endpoint.received) == 2


def test_a_push_that_is_not_acknowledged_is_sent_again(
    api: GmailApi, pubsub: PubSub, endpoint: Endpoint
) -> None:
    endpoint.statuses = [503, 500]
    post(api, "/gmail/v1/users/me/watch", {"topicName": TOPIC})
    deliver(api)
    assert pubsub.drain(5)
    ids = {body["message"]["messageId"] for _, _, body in endpoint.received}
    assert len(endpoint.received) == 3 and len(ids) == 1
    assert pubsub.deliveries[0].statuses == [503, 500, 204]


def test_google_serves_the_jwks_with_cache_control() -> None:
    server = GoogleServer()
    status, headers, body = server.handle("GET", "/oauth2/v3/certs", {}, {}, b"")
    assert status == 200
    assert "max-age=" in headers["Cache-Control"]
    (key,) = json.loads(body)["keys"]
    assert key["kid"] == server.pubsub.keys.kid and key["alg"] == "RS256"
