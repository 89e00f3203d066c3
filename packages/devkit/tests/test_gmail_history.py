"""The local Gmail's history, as Gmail's reference states it: per-mailbox history ids that
increase with every change, ``users.getProfile``'s ``historyId``, and ``users.history.list``
(startHistoryId, historyTypes, labelId, maxResults, pageToken; 404 for an id it no longer
answers for; 2 quota units a call)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from paypulse_devkit.gmail_api import GmailApi
from paypulse_devkit.mailbox import Mailbox, compose_message

OWNER = "tenant@example.com"
OTHER = "other@example.com"
TOKENS = {"ya29.owner": OWNER, "ya29.other": OTHER}
T0 = datetime(2025, 3, 14, 7, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def deliver(box: Mailbox, n: int = 0, *, owner: str = OWNER, labels: list[str] | None = None):
    raw = compose_message(
        sender="Wallenstam <kundservice@wallenstam.se>",
        to=owner,
        subject=f"Hyresavi {n}",
        sent=T0 + timedelta(days=n),
        text="Hej",
    )
    return box.add_raw(raw, owner=owner, label_ids=labels)


def call(api: GmailApi, path: str, token: str = "ya29.owner", **query: Any) -> tuple[int, Any]:
    q = {k: v if isinstance(v, list) else [str(v)] for k, v in query.items()}
    status, _, body = api.handle("GET", path, q, {"Authorization": f"Bearer {token}"}, b"")
    return status, json.loads(body)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def box(clock: Clock) -> Mailbox:
    return Mailbox(clock=clock)


@pytest.fixture
def api(box: Mailbox) -> GmailApi:
    return GmailApi(box, access_token_check=TOKENS.get)


def history(api: GmailApi, start: str | int, **query: Any) -> tuple[int, Any]:
    return call(api, "/gmail/v1/users/me/history", startHistoryId=start, **query)


def profile_history_id(api: GmailApi, token: str = "ya29.owner") -> str:
    status, body = call(api, "/gmail/v1/users/me/profile", token=token)
    assert status == 200
    return body["historyId"]


def test_history_ids_are_per_mailbox_increasing_strings_on_every_message(api, box):
    before = profile_history_id(api)
    ids = [deliver(box, n) for n in range(4)]
    other_before = profile_history_id(api, "ya29.other")
    deliver(box, 9, owner=OTHER)
    assert profile_history_id(api, "ya29.other") != other_before
    got = [call(api, f"/gmail/v1/users/me/messages/{i}", format="minimal")[1] for i in ids]
    message_history = [m["historyId"] for m in got]
    assert all(isinstance(h, str) for h in message_history)
    numbers = [int(h) for h in message_history]
    assert int(before) < numbers[0] and numbers == sorted(set(numbers))
    # the other account's delivery is not a change of this mailbox
    assert profile_history_id(api) == message_history[-1]


def test_history_list_returns_additions_after_the_start_in_order(api, box):
    start = profile_history_id(api)
    status, body = history(api, start, historyTypes="messageAdded")
    assert status == 200 and "history" not in body and body["historyId"] == start

    ids = [deliver(box, n) for n in range(3)]
    deliver(box, 5, owner=OTHER)
    status, body = history(api, start, historyTypes="messageAdded")
    assert status == 200
    added = [r["messagesAdded"][0]["message"] for r in body["history"]]
    assert [m["id"] for m in added] == ids
    assert all(m["threadId"] == m["id"] and m["labelIds"] == ["INBOX"] for m in added)
    assert [int(r["id"]) for r in body["history"]] == sorted(int(r["id"]) for r in body["history"])
    assert body["historyId"] == profile_history_id(api)
    assert "nextPageToken" not in body
    # from the last change's id: nothing newer
    status, body = history(api, body["historyId"])
    assert status == 200 and "history" not in body


def test_history_pages_with_max_results_and_page_token(api, box):
    start = profile_history_id(api)
    ids = [deliver(box, n) for n in range(5)]
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query: dict[str, Any] = {"maxResults": 2}
        if token:
            query["pageToken"] = token
        status, body = history(api, start, **query)
        assert status == 200
        pages += 1
        seen += [r["messagesAdded"][0]["message"]["id"] for r in body.get("history", [])]
        token = body.get("nextPageToken")
        if not token:
            break
    assert seen == ids and pages == 3
    assert history(api, start, maxResults=0)[0] == 400
    assert history(api, start, pageToken="%%%")[0] == 400


def test_label_and_type_filters(api, box):
    start = profile_history_id(api)
    inbox = deliver(box, 1)
    deliver(box, 2, labels=["SPAM"])
    _, body = history(api, start, labelId="INBOX")
    assert [r["messagesAdded"][0]["message"]["id"] for r in body["history"]] == [inbox]
    _, body = history(api, start, historyTypes="labelAdded")
    assert "history" not in body  # only additions happened
    assert history(api, start, historyTypes="starred")[0] == 400


@pytest.mark.parametrize("start", ["", "abc", "-5"])
def test_start_history_id_is_required_and_numeric(api, start):
    status, body = history(api, start)
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"


def test_ids_never_issued_answer_404(api, box):
    deliver(box, 1)
    latest = int(profile_history_id(api))
    for start in (0, 999, latest + 1):
        status, body = history(api, start)
        assert status == 404 and body["error"]["status"] == "NOT_FOUND", start


def test_retention_is_configurable_and_forgotten_changes_answer_404(api, box, clock):
    box.history_retention_s = 3600
    start = profile_history_id(api)
    deliver(box, 1)
    middle = profile_history_id(api)
    clock.now += 1800
    late = deliver(box, 2)
    assert history(api, start)[0] == 200
    clock.now += 2000  # the first change is now older than an hour; the second is not
    status, body = history(api, start)
    assert status == 404 and body["error"]["status"] == "NOT_FOUND"
    status, body = history(api, middle)  # every change after it is still retained
    assert status == 200
    assert [r["messagesAdded"][0]["message"]["id"] for r in body["history"]] == [late]
    box.history_retention_s = 0  # forget everything so far
    assert history(api, middle)[0] == 404
    current = profile_history_id(api)
    status, body = history(api, current)  # nothing happened after the current id
    assert status == 200 and body["historyId"] == current


def test_history_list_costs_2_units_and_getprofile_1(api, box):
    start = profile_history_id(api)
    deliver(box, 1)
    history(api, start)
    history(api, 0)  # a 404 is still a call Gmail charges
    usage = api.usage(OWNER)
    assert usage["units"] == {"getProfile": 1, "history.list": 4}
