"""GmailClient.get_profile / list_history with the real google-api-python-client (bundled
discovery document) against the devkit GmailApi."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from paypulse_devkit.mailbox import compose_message
from paypulse_gmail.client import GmailClient, HistoryExpiredError
from paypulse_gmail.credentials import GmailCredentials
from paypulse_gmail.pacing import TokenBucket

OWNER = "tenant@example.com"
START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


def deliver(mailbox, count, *, owner=OWNER, labels=None):
    return [
        mailbox.add_raw(
            compose_message(
                sender="Wallenstam <kundservice@wallenstam.se>",
                to=owner,
                subject=f"Hyresavi {i}",
                sent=START + timedelta(hours=i),
                text="Hej",
            ),
            owner=owner,
            label_ids=labels,
        )
        for i in range(count)
    ]


@pytest.fixture
def client(google, store, make_tokens):
    fake, url = google
    access, refresh = fake.grant(OWNER)
    store.items["u1"] = make_tokens(access, refresh, expires_in=timedelta(minutes=50))

    async def on_disconnect(user_id: str) -> None:
        raise AssertionError("not expected")

    creds = GmailCredentials(
        "u1",
        store,
        client_id="ios-client.apps.googleusercontent.com",
        token_uri=f"{url}/token",
        on_disconnect=on_disconnect,
    )
    return GmailClient(creds, root_url=url, bucket=TokenBucket(), backoff_base=0.01), fake


def test_profile_then_every_page_of_history(client, mailbox):
    gmail, fake = client
    deliver(mailbox, 2)
    profile = asyncio.run(gmail.get_profile())
    assert profile["emailAddress"] == OWNER and profile["messagesTotal"] == 2
    start = int(profile["historyId"])
    new = deliver(mailbox, 5)
    deliver(mailbox, 1, owner="other@example.com")

    changes = asyncio.run(gmail.list_history(start, page_size=2))

    assert [m["id"] for m in changes.added] == new
    assert all(m["labelIds"] == ["INBOX"] for m in changes.added)
    assert changes.history_id == mailbox.history_id(OWNER)
    assert fake.api.stats["history"] == 3  # 5 records, 2 a page
    assert fake.api.usage(OWNER)["units"] == {"getProfile": 1, "history.list": 6}
    again = asyncio.run(gmail.list_history(changes.history_id))
    assert again.added == [] and again.history_id == changes.history_id


def test_label_filter_is_sent(client, mailbox):
    gmail, _ = client
    start = mailbox.history_id(OWNER)
    deliver(mailbox, 1, labels=["SPAM"])
    inbox = deliver(mailbox, 1)
    changes = asyncio.run(gmail.list_history(start, label_id="INBOX"))
    assert [m["id"] for m in changes.added] == inbox


def test_expired_start_raises_history_expired(client, mailbox):
    gmail, _ = client
    start = mailbox.history_id(OWNER)
    deliver(mailbox, 2)
    mailbox.history_retention_s = 0
    with pytest.raises(HistoryExpiredError) as caught:
        asyncio.run(gmail.list_history(start))
    assert caught.value.http_status == 502 and caught.value.retryable
