"""GmailClient + GmailCredentials with the real google-api-python-client and google-auth against
the devkit GmailApi and a fake token endpoint on a local HTTP server."""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest

from paypulse_common.errors import DependencyError, GmailTokenExpiredError, PayPulseError
from paypulse_devkit.mailbox import compose_message, simple_pdf
from paypulse_gmail.client import GmailClient
from paypulse_gmail.credentials import GmailCredentials
from paypulse_gmail.pacing import QuotaWaitTooLongError, TokenBucket
from paypulse_gmail.query import vendor_query

OWNER = "tenant@example.com"
SENDER = "Wallenstam <kundservice@wallenstam.se>"
START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


def run(coro):
    return asyncio.run(coro)


def deliver(mailbox, count, *, subject="Hyresavi", sender=SENDER, owner=OWNER, attachments=()):
    ids = []
    for i in range(count):
        raw = compose_message(
            sender=sender,
            to=owner,
            subject=subject,
            sent=START + timedelta(hours=i),
            text=f"Avi nummer {i}",
            attachments=attachments,
        )
        ids.append(mailbox.add_raw(raw, owner=owner))
    return ids


@pytest.fixture
def connected(google, store, make_tokens):
    """(client factory, fake google, store, disconnect calls) for a user with valid tokens."""
    fake, url = google
    access, refresh = fake.grant(OWNER)
    store.items["u1"] = make_tokens(access, refresh, expires_in=timedelta(minutes=50))
    disconnected: list[str] = []

    async def on_disconnect(user_id: str) -> None:
        disconnected.append(user_id)

    def factory(**kwargs):
        creds = GmailCredentials(
            "u1",
            store,
            client_id="ios-client.apps.googleusercontent.com",
            token_uri=f"{url}/token",
            on_disconnect=on_disconnect,
        )
        kwargs.setdefault("backoff_base", 0.01)
        kwargs.setdefault("bucket", TokenBucket())  # a fresh quota per test
        return GmailClient(creds, root_url=url, **kwargs)

    return factory, fake, store, disconnected


def test_list_follows_every_page(connected, mailbox):
    factory, fake, _, _ = connected
    expected = deliver(mailbox, 230)
    deliver(mailbox, 5, subject="Nyhetsbrev")
    query = vendor_query(
        {"sender_patterns": ["kundservice@wallenstam.se"], "subject_keywords": ["Hyresavi"]},
        after=date(2000, 1, 1),
        before=date(2100, 1, 1),
    )

    ids = run(factory().list_message_ids(query, page_size=100))

    assert sorted(ids) == sorted(expected)
    assert len(ids) == len(set(ids)) == 230
    assert fake.api.stats["list"] == 3


def test_list_stops_at_max_results_and_handles_no_match(connected, mailbox):
    factory, _, _, _ = connected
    deliver(mailbox, 30)
    client = factory()
    assert len(run(client.list_message_ids("subject:Hyresavi", max_results=25, page_size=10))) == 25
    assert run(client.list_message_ids('subject:"nothing like this"')) == []


def test_batch_get_more_than_50_ids_in_order(connected, mailbox):
    factory, fake, _, _ = connected
    ids = deliver(mailbox, 120)
    wanted = list(reversed(ids))

    messages = run(factory().get_messages([*wanted, "ffffffffffffffff"]))

    assert [m["id"] for m in messages] == wanted  # the unknown id (404) is left out
    assert fake.api.stats["batch_requests"] == 3
    assert fake.api.stats["batch_items"] == 121
    assert messages[0]["payload"]["partId"] == ""


def test_metadata_format_in_batch(connected, mailbox):
    factory, _, _, _ = connected
    ids = deliver(mailbox, 3)
    messages = run(factory().get_messages(ids, format="metadata", metadata_headers=["Subject"]))
    assert [h["name"] for h in messages[0]["payload"]["headers"]] == ["Subject"]
    assert "parts" not in messages[0]["payload"]


def test_download_attachments_by_id_with_type_filter(connected, mailbox):
    factory, fake, _, _ = connected
    pdf_a, pdf_b = simple_pdf(["Hyresavi", "Att betala 9 000"]), simple_pdf(["Bilaga"])
    [message_id] = deliver(
        mailbox,
        1,
        attachments=[
            ("Hyresavi_1.pdf", "application/pdf", pdf_a),
            ("bilaga.pdf", "application/octet-stream", pdf_b),
            ("logo.png", "image/png", b"\x89PNG fake"),
        ],
    )
    client = factory()
    [message] = run(client.get_messages([message_id]))

    pdfs = run(client.download_attachments(message, concurrency=2))
    everything = run(client.download_attachments(message, mime_types=None))

    assert [(a.filename, a.mime_type, a.data) for a in pdfs] == [
        ("Hyresavi_1.pdf", "application/pdf", pdf_a),
        ("bilaga.pdf", "application/pdf", pdf_b),
    ]
    assert pdfs[0].sha256 == hashlib.sha256(pdf_a).hexdigest()
    assert len(everything) == 3
    assert fake.api.stats["attachments"] == 5


def test_inline_attachment_data_is_used_without_a_download(connected):
    factory, fake, _, _ = connected
    message = {
        "id": "abc",
        "payload": {
            "partId": "",
            "mimeType": "multipart/mixed",
            "parts": [
                {
                    "partId": "0",
                    "mimeType": "application/pdf",
                    "filename": "a.pdf",
                    "body": {"size": 4, "data": "JVBERg"},  # "%PDF" without padding
                }
            ],
        },
    }
    [attachment] = run(factory().download_attachments(message))
    assert attachment.data == b"%PDF"
    assert fake.api.stats["attachments"] == 0


def test_429_and_5xx_are_retried(connected, mailbox):
    factory, fake, _, _ = connected
    ids = deliver(mailbox, 60)
    client = factory()

    fake.api.fail_next(429, 2, path_contains="/messages")
    assert len(run(client.list_message_ids("subject:Hyresavi"))) == 60

    fake.api.fail_next(503, 3)  # three items inside the first batch
    fake.api.fail_next(500, 1, batch=True)  # a whole batch request
    messages = run(client.get_messages(ids))
    assert [m["id"] for m in messages] == ids
    assert fake.api.pending_faults == 0
    # Served batches: two chunks plus one re-batch of the three failed items (the batch that
    # failed as a whole is retried and counted once).
    assert fake.api.stats["batch_requests"] == 3


def test_persistent_server_errors_become_dependency_failure(connected, mailbox):
    factory, fake, _, _ = connected
    ids = deliver(mailbox, 2)
    client = factory(max_retries=2)

    fake.api.fail_next(500, 3)
    with pytest.raises(DependencyError) as listing:
        run(client.list_message_ids("subject:Hyresavi"))
    fake.api.fail_next(503, 10)
    with pytest.raises(DependencyError) as batch:
        run(client.get_messages(ids))
    fake.api.fail_next(400, 1)
    with pytest.raises(DependencyError) as bad:
        run(client.get_attachment(ids[0], "nope"))

    for error in (listing, batch, bad):
        assert error.value.code == "DEPENDENCY_FAILURE"
        assert error.value.http_status == 502


def test_proactive_refresh_writes_back_and_keeps_refresh_token(connected, mailbox, make_tokens):
    factory, fake, store, _ = connected
    deliver(mailbox, 1)
    old = store.items["u1"]
    store.items["u1"] = make_tokens(
        old.access_token, old.refresh_token, expires_in=timedelta(minutes=4)
    )

    ids = run(factory().list_message_ids("subject:Hyresavi"))

    assert len(ids) == 1
    assert fake.token_calls == 1
    saved = store.saved[-1]  # what the credentials wrote, before the store's own merge
    assert saved.access_token != old.access_token
    assert saved.refresh_token == old.refresh_token
    assert (saved.google_user_id, saved.google_email) == (old.google_user_id, old.google_email)
    assert saved.scope == old.scope
    assert saved.expires_at > datetime.now(UTC) + timedelta(minutes=55)


def test_no_refresh_while_token_is_fresh(connected, mailbox):
    factory, fake, store, _ = connected
    deliver(mailbox, 1)
    run(factory().list_message_ids("subject:Hyresavi"))
    assert fake.token_calls == 0
    assert store.saved == []


def test_rotated_refresh_token_is_stored(connected, mailbox, make_tokens):
    factory, fake, store, _ = connected
    fake.rotate_refresh_token = True
    old = store.items["u1"]
    store.items["u1"] = make_tokens(old.access_token, old.refresh_token, expires_in=timedelta(0))
    run(factory().list_message_ids("subject:Hyresavi"))
    assert store.items["u1"].refresh_token not in (None, old.refresh_token)


def test_revoked_grant_disconnects_and_raises_token_expired(connected, make_tokens):
    factory, fake, store, disconnected = connected
    old = store.items["u1"]
    store.items["u1"] = make_tokens(
        old.access_token, old.refresh_token, expires_in=timedelta(minutes=1)
    )
    fake.revoke(old.refresh_token)

    with pytest.raises(GmailTokenExpiredError) as error:
        run(factory().list_message_ids("subject:Hyresavi"))

    assert error.value.code == "GMAIL_TOKEN_EXPIRED"
    assert error.value.http_status == 502
    assert disconnected == ["u1"]


def test_revoked_grant_found_by_the_library_after_a_401(connected):
    """Access token rejected mid-life: google-auth refreshes, gets invalid_grant."""
    factory, fake, store, disconnected = connected
    fake.revoke(store.items["u1"].refresh_token)
    with pytest.raises(GmailTokenExpiredError):
        run(factory().list_message_ids("subject:Hyresavi"))
    assert disconnected == ["u1"]


def test_library_refresh_after_401_is_written_back(connected, mailbox):
    factory, fake, store, disconnected = connected
    deliver(mailbox, 1)
    old = store.items["u1"]
    fake.expire_access()  # server forgets the access token; the refresh token still works

    assert len(run(factory().list_message_ids("subject:Hyresavi"))) == 1
    assert store.items["u1"].access_token != old.access_token
    assert store.items["u1"].refresh_token == old.refresh_token
    assert disconnected == []


def test_401_that_survives_refresh_is_token_expired(connected):
    factory, fake, _, _ = connected
    fake.api._check = lambda token: None
    with pytest.raises(GmailTokenExpiredError):
        run(factory().list_message_ids("subject:Hyresavi"))


def test_missing_refresh_token_when_refresh_is_needed(connected, make_tokens):
    factory, _, store, disconnected = connected
    store.items["u1"] = make_tokens("ya29.old", None, expires_in=timedelta(minutes=-1))
    with pytest.raises(GmailTokenExpiredError):
        run(factory().list_message_ids("subject:Hyresavi"))
    assert disconnected == ["u1"]


def test_no_stored_tokens_is_token_expired(connected):
    factory, _, store, disconnected = connected
    store.items.clear()
    with pytest.raises(GmailTokenExpiredError):
        run(factory().list_message_ids("x"))
    assert disconnected == []


def test_token_endpoint_unreachable_is_dependency_failure(store, make_tokens):
    store.items["u1"] = make_tokens("ya29.a", "1//r", expires_in=timedelta(minutes=1))
    creds = GmailCredentials(
        "u1", store, client_id="c", token_uri="http://127.0.0.1:9/token", timeout=2
    )
    with pytest.raises(PayPulseError) as error:
        run(creds.get())
    assert error.value.code == "DEPENDENCY_FAILURE"
    assert error.value.retryable is True


def test_gmail_unreachable_is_dependency_failure(store, make_tokens):
    store.items["u1"] = make_tokens("ya29.a", "1//r", expires_in=timedelta(minutes=50))
    creds = GmailCredentials("u1", store, client_id="c", token_uri="http://127.0.0.1:9/token")
    client = GmailClient(creds, root_url="http://127.0.0.1:9", max_retries=1, backoff_base=0.01)
    with pytest.raises(DependencyError):
        run(client.list_message_ids("x"))


def test_concurrent_calls_after_revocation_disconnect_once(connected, mailbox):
    factory, fake, store, disconnected = connected
    ids = deliver(mailbox, 3)
    fake.revoke(store.items["u1"].refresh_token)
    client = factory()

    async def fetch_all():
        return await asyncio.gather(*(client.get_message(i) for i in ids), return_exceptions=True)

    outcomes = run(fetch_all())
    assert all(isinstance(o, GmailTokenExpiredError) for o in outcomes)
    assert disconnected == ["u1"]
    with pytest.raises(GmailTokenExpiredError):
        run(client.list_message_ids("x"))
    assert disconnected == ["u1"]


def test_403_rate_limit_is_retried_but_plain_403_is_not(connected, mailbox):
    factory, fake, _, _ = connected
    ids = deliver(mailbox, 2)
    client = factory(max_retries=3)

    fake.api.fail_next(403, 2, reason="userRateLimitExceeded")
    assert len(run(client.list_message_ids("subject:Hyresavi"))) == 2
    fake.api.fail_next(403, 1, reason="rateLimitExceeded")
    assert [m["id"] for m in run(client.get_messages(ids))] == ids

    fake.api.fail_next(403, 1)
    with pytest.raises(DependencyError):
        run(client.list_message_ids("subject:Hyresavi"))
    assert fake.api.pending_faults == 0


def test_quota_units_of_every_request_are_counted(connected, mailbox):
    """Gmail charges 5 units per messages.list page, per messages.get (also inside a batch) and
    per attachments.get (Gmail API usage limits); the client reports what it spent."""
    from paypulse_common import metrics

    factory, _, _, _ = connected
    ids = deliver(mailbox, 120, attachments=[("avi.pdf", "application/pdf", simple_pdf(["x"]))])
    spent: list[dict] = []
    previous = metrics.set_writer(lambda line: spent.append(json.loads(line)))
    try:

        async def journey():
            client = factory()
            with metrics.invocation("test"):
                listed = await client.list_message_ids("", page_size=50)  # 3 pages
                messages = await client.get_messages(listed[:60])  # batches of 50 + 10
                await client.get_attachment(
                    messages[0]["id"],
                    next(
                        p["body"]["attachmentId"]
                        for p in messages[0]["payload"]["parts"]
                        if p["body"].get("attachmentId")
                    ),
                )
            return listed

        listed = run(journey())
    finally:
        metrics.set_writer(previous)
    assert sorted(listed) == sorted(ids)
    (doc,) = spent
    assert doc[metrics.GMAIL_QUOTA_UNITS] == 3 * 5 + 60 * 5 + 5


# ------------------------------------------------------------------------------ quota
class VirtualTime:
    """A clock shared by the client and the local Gmail's quota meter. Sleepers wake one at a
    time in order of their wake-up time, the clock jumping to it, and only while no request is
    in flight (``busy``), so each request reaches the server at the time it was sent: a minute
    passes in milliseconds."""

    def __init__(self) -> None:
        self.now = 10_000.0
        self.sleeps: list[float] = []
        self.busy = 0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._advancing = False

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, len(self.sleeps), woken))
        if not self._advancing:
            self._advancing = True
            loop.call_later(0.002, self._advance)
        await woken

    def _advance(self) -> None:
        if self.busy == 0:
            wake, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            woken.set_result(None)
        if self._sleepers:
            asyncio.get_running_loop().call_later(0.002, self._advance)
        else:
            self._advancing = False


class CountingPool(ThreadPoolExecutor):
    """The client's worker pool, counting the requests in flight on a VirtualTime."""

    def __init__(self, clock: VirtualTime) -> None:
        super().__init__(max_workers=8)
        self.clock = clock

    def submit(self, fn, /, *args, **kwargs):
        self.clock.busy += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(lambda _: setattr(self.clock, "busy", self.clock.busy - 1))
        return future


@pytest.fixture
def virtual_time(monkeypatch):
    import paypulse_gmail.client as client_module

    clock = VirtualTime()
    pool = CountingPool(clock)
    monkeypatch.setattr(client_module, "_pool", lambda: pool)
    yield clock
    pool.shutdown(wait=True)


def metered(fake, clock, per_user_per_minute=15_000):
    from paypulse_devkit.gmail_quota import QuotaLimits, QuotaMeter

    fake.api.quota = QuotaMeter(QuotaLimits(per_user_per_minute=per_user_per_minute), clock=clock)
    return fake.api.quota


def fill(mailbox, count):
    """``count`` small messages (recorded-resource shape), newest last."""
    ids = []
    for i in range(count):
        message_id = f"{0x18D0000000000000 + i:016x}"
        headers = [{"name": "From", "value": SENDER}, {"name": "Subject", "value": "Hyresavi"}]
        mailbox.add_resource(
            {
                "id": message_id,
                "internalDate": str(1_735_718_400_000 + i * 1000),
                "payload": {"partId": "", "mimeType": "text/plain", "headers": headers},
            },
            owner=OWNER,
        )
        ids.append(message_id)
    return ids


def test_the_default_bucket_is_sized_from_the_documented_per_user_rate():
    bucket = TokenBucket()
    assert bucket.capacity + 60 * bucket.rate <= 15_000  # any minute stays within the quota
    assert bucket.capacity >= 8 * 50 * 5 / 4  # still room for a burst of batched gets
    clock = VirtualTime()
    paced = TokenBucket(clock=clock)
    waits = [paced.reserve(250) for _ in range(200)]  # 50,000 units asked for at once
    assert sum(1 for w in waits if w == 0) == paced.capacity // 250
    assert max(waits) == pytest.approx((200 * 250 - paced.capacity) / paced.rate)


def test_a_mailbox_bigger_than_a_minute_of_quota_is_paced_not_refused(
    connected, mailbox, virtual_time
):
    """The local Gmail enforces 1,500 units a minute (a tenth of the real quota keeps the test
    fast) and the client's bucket is sized from the same rate."""
    factory, fake, _, _ = connected
    clock = virtual_time
    quota = metered(fake, clock, per_user_per_minute=1_500)
    expected = fill(mailbox, 310)  # 1 list + 310 gets = 1,555 units > 1,500 a minute
    client = factory(
        bucket=TokenBucket(units_per_minute=1_500, clock=clock),
        clock=clock,
        sleep=clock.sleep,
        deadline=clock.now + 600,
    )
    start = clock.now

    async def ingest():
        ids = await client.list_message_ids("from:kundservice@wallenstam.se subject:hyresavi")
        return await client.get_messages(ids, format="metadata")

    messages = run(ingest())
    assert sorted(m["id"] for m in messages) == sorted(expected)
    usage = quota.usage(OWNER)
    assert usage["refused"] == {}  # not one 429: the client stayed within the quota
    assert usage["units"] == {"messages.list": 5, "messages.get": 1_550}
    assert clock.now - start >= 60  # it had to spread the work over more than a minute


def test_rate_limit_answers_back_off_exponentially_with_jitter(connected, mailbox):
    factory, fake, _, _ = connected
    deliver(mailbox, 3)
    clock = VirtualTime()
    bucket = TokenBucket(units_per_minute=10**9, clock=clock)  # refills in microseconds
    client = factory(backoff_base=0.5, clock=clock, sleep=clock.sleep, bucket=bucket)
    fake.api.fail_next(429, 4, reason="userRateLimitExceeded")
    assert len(run(client.list_message_ids("subject:hyresavi"))) == 3
    assert fake.api.pending_faults == 0
    backoffs = [d for d in clock.sleeps if d > 0.001]  # leaving out the bucket's refill waits
    assert len(backoffs) == 4
    for attempt, delay in enumerate(backoffs):
        assert 0.25 * 2**attempt <= delay <= 0.5 * 2**attempt


def test_quota_spent_elsewhere_is_waited_out_inside_batches(connected, mailbox, virtual_time):
    factory, fake, _, _ = connected
    ids = deliver(mailbox, 20)
    clock = virtual_time
    quota = metered(fake, clock)
    clock.now -= 50
    for _ in range(3_000):  # another invocation spent the user's minute 50 s ago
        assert quota.charge(OWNER, "messages.get") is None
    clock.now += 50
    client = factory(backoff_base=0.5, clock=clock, sleep=clock.sleep)
    assert [m["id"] for m in run(client.get_messages(ids))] == ids
    refused = quota.usage(OWNER)["refused"]["userRateLimitExceeded"]
    assert refused >= 20  # every item of the first batch was refused (429 parts)
    assert 10 <= sum(clock.sleeps) <= 32


def test_waiting_never_passes_the_deadline(connected, mailbox):
    factory, fake, _, _ = connected
    ids = deliver(mailbox, 5)
    clock = VirtualTime()
    quota = metered(fake, clock)
    for _ in range(3_000):
        quota.charge(OWNER, "messages.get")
    deadline = clock.now + 5
    client = factory(backoff_base=0.5, clock=clock, sleep=clock.sleep, deadline=deadline)
    with pytest.raises(QuotaWaitTooLongError) as error:
        run(client.get_messages(ids))
    assert error.value.code == "DEPENDENCY_FAILURE" and error.value.retryable
    assert clock.now <= deadline


def test_clients_of_two_users_share_one_discovery_build_and_keep_their_own_auth(
    connected, mailbox, store, make_tokens, monkeypatch
):
    """The resource objects are parsed from the discovery document once per process (a worker
    syncs thousands of users); each request still carries its own user's token."""
    from paypulse_gmail import client as client_module

    factory, fake, _, _ = connected
    builds: list[str] = []
    real_import = client_module._import_discovery

    class CountingDiscovery:
        def __getattr__(self, name):
            return getattr(real_import(), name)

        def build(self, *args, **kwargs):
            builds.append(kwargs["client_options"]["api_endpoint"])
            return real_import().build(*args, **kwargs)

    monkeypatch.setattr(client_module, "_services", {}, raising=False)
    monkeypatch.setattr(client_module, "_import_discovery", CountingDiscovery)
    other = "other@example.com"
    mine = deliver(mailbox, 3)
    theirs = deliver(mailbox, 2, owner=other)
    access, refresh = fake.grant(other)
    store.items["u2"] = make_tokens(access, refresh, expires_in=timedelta(minutes=50))
    first = factory()
    second = GmailClient(
        GmailCredentials(
            "u2", store, client_id="ios-client.apps.googleusercontent.com",
            token_uri=first.root_url + "/token",
        ),
        root_url=first.root_url,
        backoff_base=0.01,
        bucket=TokenBucket(),
    )  # fmt: skip

    assert sorted(run(first.list_message_ids("subject:Hyresavi"))) == sorted(mine)
    assert sorted(run(second.list_message_ids("subject:Hyresavi"))) == sorted(theirs)
    assert len(builds) == 1
