"""The local Gmail API: search language, list/get/attachments shapes, the batch protocol as
google-api-python-client speaks it, and the recorded corpus messages served back."""

from __future__ import annotations

import base64
import json
import quopri
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest

from infra.workspace import ROOT
from paypulse_devkit.gmail_api import GmailApi, QueryError, matches, parse_query
from paypulse_devkit.loopback import LoopbackServer
from paypulse_devkit.mailbox import Mailbox, compose_message, simple_pdf

CORPUS = ROOT / "tests/fixtures/gmail-api/recorded-messages"
OWNER = "tenant@example.com"
T0 = datetime(2025, 3, 14, 7, 30, tzinfo=UTC)
TOKEN = "ya29.test"


def deliver(box: Mailbox, *, days: float = 0, owner: str = OWNER, **kwargs: Any) -> str:
    fields: dict[str, Any] = {
        "sender": "Wallenstam <kundservice@wallenstam.se>",
        "to": OWNER,
        "subject": "Hyresavi",
        "sent": T0 + timedelta(days=days),
        "text": "Hej",
    }
    fields.update(kwargs)
    return box.add_raw(compose_message(**fields), owner=owner)


def call(api: GmailApi, path: str, token: str = TOKEN, **query: Any) -> tuple[int, Any]:
    q = {k: v if isinstance(v, list) else [str(v)] for k, v in query.items()}
    status, _, body = api.handle("GET", path, q, {"Authorization": f"Bearer {token}"}, b"")
    return status, json.loads(body)


@pytest.fixture
def box() -> Mailbox:
    return Mailbox()


@pytest.fixture
def api(box: Mailbox) -> GmailApi:
    return GmailApi(box, access_token_check=lambda t: OWNER if t == TOKEN else None)


# ------------------------------------------------------------------------------ search
@pytest.fixture
def searchable(box: Mailbox) -> dict[str, str]:
    pdf = simple_pdf(["Hyresavi"])
    return {
        "rent": deliver(box, attachments=[("avi.pdf", "application/pdf", pdf)]),
        "rent_late": deliver(box, days=20, attachments=[("avi2.pdf", "application/pdf", pdf)]),
        "news": deliver(
            box,
            days=1,
            sender="Wallenstam <nyhetsbrev@wallenstam.se>",
            subject="Nyheter från Wallenstam",
            text="gårdsfest",
        ),
        "receipt": deliver(
            box, days=2, sender="Shop <order@shop.se>", subject="Kvitto 4711", text="Totalt 149 kr"
        ),
    }


def search(box: Mailbox, query: str) -> set[str]:
    tree = parse_query(query)
    return {m.id for m in box.messages(OWNER) if matches(tree, m)}


def test_search_operators(box, searchable):
    ids = searchable
    assert search(box, 'from:kundservice@wallenstam.se subject:"hyresavi"') == {
        ids["rent"],
        ids["rent_late"],
    }
    assert search(box, "from:wallenstam.se") == {ids["rent"], ids["rent_late"], ids["news"]}
    assert search(box, "has:attachment") == {ids["rent"], ids["rent_late"]}
    assert search(box, "filename:pdf -subject:hyresavi") == set()
    assert search(box, "gårdsfest") == {ids["news"]}
    assert search(box, '"totalt 149"') == {ids["receipt"]}
    assert search(box, "-from:wallenstam.se") == {ids["receipt"]}
    assert search(box, "-(from:shop.se OR has:attachment)") == {ids["news"]}


def test_or_binds_tighter_than_and_and_groups(box, searchable):
    ids = searchable
    both = {ids["rent"], ids["rent_late"], ids["receipt"]}
    assert search(box, "from:shop.se OR subject:hyresavi") == both
    assert search(box, "has:attachment from:shop.se OR subject:hyresavi") == {
        ids["rent"],
        ids["rent_late"],
    }
    assert search(box, "(from:kundservice@wallenstam.se OR from:order@shop.se) kvitto") == {
        ids["receipt"]
    }
    assert search(box, "from:(order@shop.se OR nyhetsbrev@wallenstam.se)") == {
        ids["receipt"],
        ids["news"],
    }
    assert search(box, "{from:order@shop.se from:nyhetsbrev@wallenstam.se}") == {
        ids["receipt"],
        ids["news"],
    }


def test_dates_are_midnight_pst_or_epoch_seconds(box, searchable):
    ids = searchable
    # T0 is 2025-03-14 07:30 UTC = 2025-03-13 23:30 PST; the late notice is 2025-04-03.
    assert search(box, "subject:hyresavi after:2025/03/13 before:2025/03/14") == {ids["rent"]}
    assert search(box, "subject:hyresavi after:2025/03/14") == {ids["rent_late"]}
    assert search(box, "subject:hyresavi before:2025/03/13") == set()
    epoch = int(T0.timestamp())
    assert search(box, f"subject:hyresavi after:{epoch} before:{epoch + 1}") == {ids["rent"]}
    assert search(box, f"subject:hyresavi after:{epoch + 60}") == {ids["rent_late"]}


def test_words_match_whole_words_never_substrings(box, searchable):
    ids = searchable
    rent = {ids["rent"], ids["rent_late"]}
    assert search(box, "subject:hyresavi") == rent
    assert search(box, "subject:avi") == set()  # a substring of "Hyresavi", not a word
    assert search(box, "subject:hyres") == set()
    assert search(box, "subject:kvitto") == {ids["receipt"]}
    assert search(box, 'subject:"kvitto 4711"') == {ids["receipt"]}
    assert search(box, 'subject:"4711 kvitto"') == set()  # phrase: words in order
    assert search(box, "from:stam.se") == set()
    assert search(box, "from:kundservice") == rent
    assert search(box, "from:Wallenstam") == rent | {ids["news"]}  # the display name counts
    assert search(box, "filename:pdf") == rent
    assert search(box, "filename:avi.pdf") == {ids["rent"]}
    assert search(box, "filename:df") == set()
    assert search(box, "totalt") == {ids["receipt"]}
    assert search(box, "otalt") == set()


@pytest.mark.parametrize("bad", ["(from:a", "from:a)", "OR x", "x OR", "{a", "from:(a"])
def test_malformed_queries(bad):
    with pytest.raises(QueryError):
        parse_query(bad)


# ------------------------------------------------------------------------------ list / get
def test_list_pages_and_estimates(api, box):
    made = [deliver(box, days=i / 24) for i in range(230)]
    deliver(box, owner="other@example.com")
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query = {"q": "subject:Hyresavi", "maxResults": 100}
        if token:
            query["pageToken"] = token
        status, page = call(api, "/gmail/v1/users/me/messages", **query)
        assert status == 200 and page["resultSizeEstimate"] == 230
        seen += [m["id"] for m in page["messages"]]
        pages += 1
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages == 3
    assert seen == list(reversed(made))  # newest first, no duplicates across pages
    status, empty = call(api, "/gmail/v1/users/me/messages", q="subject:nomatch")
    assert status == 200 and empty == {"resultSizeEstimate": 0}
    assert call(api, "/gmail/v1/users/me/messages")[1]["resultSizeEstimate"] == 230
    assert len(call(api, "/gmail/v1/users/me/messages")[1]["messages"]) == 100  # default page
    assert call(api, "/gmail/v1/users/me/messages", pageToken="%%%")[0] == 400
    assert call(api, "/gmail/v1/users/me/messages", q="(oops")[0] == 400


def test_auth_and_user_checks(api, box):
    deliver(box)
    assert call(api, "/gmail/v1/users/me/messages", token="bad")[0] == 401
    assert call(api, f"/gmail/v1/users/{OWNER}/messages")[0] == 200
    status, body = call(api, "/gmail/v1/users/someone@else.com/messages")
    assert status == 403 and body["error"]["code"] == 403
    assert call(api, "/gmail/v1/users/me/profile")[1]["emailAddress"] == OWNER


def test_get_formats_and_attachment(api, box):
    pdf = simple_pdf(["Hyresavi"])
    raw = compose_message(
        sender="Wallenstam <kundservice@wallenstam.se>",
        to=OWNER,
        subject="Hyresavi",
        sent=T0,
        text="Hej",
        attachments=[("avi.pdf", "application/pdf", pdf)],
    )
    message_id = box.add_raw(raw, owner=OWNER)
    path = f"/gmail/v1/users/me/messages/{message_id}"

    status, full = call(api, path)
    assert status == 200
    assert isinstance(full["internalDate"], str) and isinstance(full["historyId"], str)
    assert full["internalDate"] == str(int(T0.timestamp() * 1000))
    attachment = full["payload"]["parts"][1]
    assert attachment["body"]["attachmentId"] and "data" not in attachment["body"]

    status, body = call(api, f"{path}/attachments/{attachment['body']['attachmentId']}")
    assert status == 200 and body["size"] == len(pdf)
    assert base64.urlsafe_b64decode(body["data"]) == pdf

    _, rawfmt = call(api, path, format="raw")
    assert base64.urlsafe_b64decode(rawfmt["raw"]) == raw and "payload" not in rawfmt
    _, meta = call(api, path, format="metadata", metadataHeaders=["subject", "From"])
    assert [h["name"] for h in meta["payload"]["headers"]] == ["From", "Subject"]
    _, minimal = call(api, path, format="minimal")
    assert "payload" not in minimal and minimal["id"] == message_id

    assert call(api, "/gmail/v1/users/me/messages/0000000000000000")[0] == 404
    assert call(api, f"{path}/attachments/nope")[0] == 404
    assert call(api, path, format="weird")[0] == 400


def test_fail_next_and_latency_hooks(box):
    deliver(box)
    api = GmailApi(box, latency_s=0.001, access_token_check=lambda t: OWNER)
    api.fail_next(429, 2)
    assert call(api, "/gmail/v1/users/me/messages")[0] == 429
    assert call(api, "/gmail/v1/users/me/messages")[0] == 429
    assert call(api, "/gmail/v1/users/me/messages")[0] == 200
    assert api.pending_faults == 0 and api.stats["http_requests"] == 3


# ------------------------------------------------------------------------------ over HTTP
def serve(api: Any) -> tuple[LoopbackServer, str]:
    """Run ``api.handle`` on 127.0.0.1:<free port>."""
    server = LoopbackServer(api.handle)
    return server, server.start()


@pytest.fixture
def gmail(api: GmailApi) -> Iterator[tuple[Any, str]]:
    """(service built by google-api-python-client with bundled discovery, root url)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        from google.oauth2.credentials import Credentials
        from googleapiclient.discovery import build

    server, url = serve(api)
    service = build(
        "gmail",
        "v1",
        credentials=Credentials(token=TOKEN),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": url},
    )
    try:
        yield service, url
    finally:
        server.stop()


def test_batch_protocol_with_google_client(gmail, api, box):
    from googleapiclient.http import BatchHttpRequest

    service, url = gmail
    ids = [deliver(box, days=i) for i in range(60)]
    api.fail_next(429, 1, path_contains=ids[3])
    results: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: Any) -> None:
        results[request_id] = exception.resp.status if exception is not None else response

    batch = BatchHttpRequest(callback=collect, batch_uri=f"{url}/batch/gmail/v1")
    for message_id in [*ids, "0000000000000000"]:
        batch.add(service.users().messages().get(userId="me", id=message_id), request_id=message_id)
    batch.execute()

    assert results["0000000000000000"] == 404
    assert results[ids[3]] == 429
    assert all(results[i]["id"] == i for i in ids if i != ids[3])
    assert api.stats["batch_requests"] == 1 and api.stats["batch_items"] == 61


def test_batch_limit_and_auth(gmail, api, box):
    from googleapiclient.errors import HttpError
    from googleapiclient.http import BatchHttpRequest

    service, url = gmail
    batch = BatchHttpRequest(batch_uri=f"{url}/batch")
    for i in range(101):
        batch.add(service.users().messages().get(userId="me", id=f"{i:016x}"))
    with pytest.raises(HttpError) as error:
        batch.execute()
    assert error.value.resp.status == 400


# ------------------------------------------------------------------------------ corpus
def summary(payload: dict) -> list[dict]:
    out, stack = [], [payload]
    while stack:
        part = stack.pop()
        body = part.get("body") or {}
        out.append(
            {
                "partId": part["partId"],
                "mimeType": part["mimeType"],
                "filename": part["filename"],
                "body_size": body.get("size", 0),
                "has_data": "data" in body,
                "has_attachmentId": "attachmentId" in body,
            }
        )
        stack.extend(reversed(part.get("parts") or []))
    return out


def _header_line(name: str, value: str) -> bytes:
    if not value.isascii():

        def word(match: re.Match[str]) -> str:
            text = match.group(1)
            if text.isascii():
                return match.group(0)
            return '"=?utf-8?b?' + base64.b64encode(text.encode()).decode() + '?="'

        value = re.sub(r'"([^"]*)"', word, value)
        if not value.isascii():
            value = "=?utf-8?b?" + base64.b64encode(value.encode()).decode() + "?="
    return f"{name}: {value}\r\n".encode("ascii")


def rebuild(part: dict) -> bytes:
    """An RFC 822 entity with the recorded part's headers and bodies (attachments filled with
    bytes of the recorded size, text re-encoded in its declared charset)."""
    headers = [(h["name"], h["value"]) for h in part["headers"]]
    names = {n.lower(): v for n, v in headers}
    mime = part["mimeType"]
    if mime.startswith("multipart/"):
        if "content-type" not in names:
            boundary = f"=rebuilt{part['partId'] or 'top'}="
            headers.append(("Content-Type", f'{mime}; boundary="{boundary}"'))
        else:
            probe = Message()
            probe["Content-Type"] = names["content-type"]
            boundary = str(probe.get_boundary())
        head = b"".join(_header_line(n, v) for n, v in headers)
        children = b"".join(
            b"--" + boundary.encode() + b"\r\n" + rebuild(c) + b"\r\n" for c in part["parts"]
        )
        return head + b"\r\n" + children + b"--" + boundary.encode() + b"--"
    body = part["body"]
    if "data" in body:
        probe = Message()
        probe["Content-Type"] = names.get("content-type", "text/plain")
        text = base64.urlsafe_b64decode(body["data"] + "=" * (-len(body["data"]) % 4))
        data = text.decode("utf-8").encode(probe.get_content_charset() or "us-ascii")
    else:
        data = (bytes(range(256)) * (body["size"] // 256 + 1))[: body["size"]]
    encoding = names.get("content-transfer-encoding", "7bit").lower()
    if encoding == "base64":
        encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    elif encoding == "quoted-printable":
        encoded = quopri.encodestring(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    else:
        encoded = data
    head = b"".join(_header_line(n, v) for n, v in headers)
    return head + b"\r\n" + encoded


def test_recorded_messages_rebuilt_as_rfc822_give_the_same_part_tree(gmail, box):
    service, _ = gmail
    expected = json.loads((CORPUS / "expected.json").read_text())
    for name, want in expected.items():
        if name.startswith("_"):
            continue
        recorded = json.loads((CORPUS / name).read_text())["result"]
        message_id = box.add_raw(rebuild(recorded["payload"]), owner=OWNER)
        got = service.users().messages().get(userId="me", id=message_id).execute()
        assert summary(got["payload"]) == want["parts"], name
        headers = {h["name"]: h["value"] for h in got["payload"]["headers"]}
        assert headers["Subject"] == want["subject"] and headers["From"] == want["from"]
        for part in want["attachments"]:
            served = next(
                p for p in got["payload"].get("parts", []) if p["partId"] == part["partId"]
            )
            data = (
                service.users()
                .messages()
                .attachments()
                .get(userId="me", messageId=message_id, id=served["body"]["attachmentId"])
                .execute()
            )
            assert data["size"] == part["size"]
            assert len(base64.urlsafe_b64decode(data["data"])) == part["size"]


def test_recorded_resources_served_verbatim(gmail, box):
    service, _ = gmail
    expected = json.loads((CORPUS / "expected.json").read_text())
    for name, want in expected.items():
        if name.startswith("_"):
            continue
        recorded = json.loads((CORPUS / name).read_text())["result"]
        box.add_resource(recorded, owner=OWNER)
        got = service.users().messages().get(userId="me", id=want["id"]).execute()
        assert got == recorded
        assert summary(got["payload"]) == want["parts"]
        assert (got["internalDate"], got["historyId"]) == (want["internalDate"], want["historyId"])
    listed = service.users().messages().list(userId="me", q="has:attachment filename:pdf").execute()
    assert {m["id"] for m in listed["messages"]} == {"1674065674141fb3", "16933d552c86b11b"}


# ------------------------------------------------------------------------------ quota
class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def metered(box: Mailbox, clock: Clock, **limits: Any) -> GmailApi:
    from paypulse_devkit.gmail_quota import QuotaLimits, QuotaMeter

    users = {TOKEN: OWNER, "ya29.other": "other@example.com"}
    return GmailApi(
        box,
        access_token_check=users.get,
        quota=QuotaMeter(QuotaLimits(**limits), clock=clock),
    )


def test_units_per_method_as_documented_and_usage_report(box):
    from paypulse_devkit.google_server import GoogleServer

    pdf = simple_pdf(["Hyresavi"])
    message_id = deliver(box, attachments=[("avi.pdf", "application/pdf", pdf)])
    api = metered(box, Clock())
    _, full = call(api, f"/gmail/v1/users/me/messages/{message_id}")
    attachment_id = full["payload"]["parts"][1]["body"]["attachmentId"]
    call(api, f"/gmail/v1/users/me/messages/{message_id}/attachments/{attachment_id}")
    call(api, "/gmail/v1/users/me/messages", q="subject:hyresavi")
    call(api, "/gmail/v1/users/me/profile")
    call(api, "/gmail/v1/users/me/messages/0000000000000000")  # a 404 is charged too
    server = GoogleServer(gmail_api=api)
    status, _, body = server.handle("GET", "/_local/google/usage", {"email": [OWNER]}, {}, b"")
    usage = json.loads(body)
    assert status == 200
    assert usage["units"] == {
        "messages.get": 10,
        "messages.attachments.get": 5,
        "messages.list": 5,
        "getProfile": 1,
    }
    assert usage["total"] == usage["window_units"] == 21 and usage["refused"] == {}
    assert server.handle("GET", "/_local/google/usage", {}, {}, b"")[0] == 400


def test_per_user_limit_is_15000_units_a_minute_then_429_until_the_window_moves(box):
    deliver(box)
    clock = Clock()
    api = metered(box, clock)
    for _ in range(15_000 // 5):  # a burst of a whole minute's units is allowed
        assert call(api, "/gmail/v1/users/me/messages")[0] == 200
    status, body = call(api, "/gmail/v1/users/me/messages")
    assert status == 429
    assert body["error"]["code"] == 429 and body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert body["error"]["errors"][0]["reason"] == "userRateLimitExceeded"
    assert body["error"]["errors"][0]["domain"] == "usageLimits"
    assert call(api, "/gmail/v1/users/me/messages", token="ya29.other")[0] == 200  # per user
    clock.now += 59.9
    assert call(api, "/gmail/v1/users/me/profile")[0] == 429  # refusals spend nothing
    clock.now += 0.2
    assert call(api, "/gmail/v1/users/me/messages")[0] == 200
    assert api.usage(OWNER)["refused"] == {"userRateLimitExceeded": 2}


def test_project_limit_counts_every_user(box):
    deliver(box)
    api = metered(box, Clock(), per_project_per_minute=20)
    for _ in range(2):
        assert call(api, "/gmail/v1/users/me/messages")[0] == 200
        assert call(api, "/gmail/v1/users/me/messages", token="ya29.other")[0] == 200
    status, body = call(api, "/gmail/v1/users/me/profile", token="ya29.other")
    assert status == 429 and body["error"]["errors"][0]["reason"] == "rateLimitExceeded"


def test_each_request_of_a_batch_is_charged_and_refused_on_its_own(gmail, api, box):
    from googleapiclient.http import BatchHttpRequest

    from paypulse_devkit.gmail_quota import QuotaLimits, QuotaMeter

    service, url = gmail
    ids = [deliver(box, days=i) for i in range(30)]
    api.quota = QuotaMeter(QuotaLimits(per_user_per_minute=100), clock=Clock())
    results: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: Any) -> None:
        results[request_id] = (
            (exception.resp.status, json.loads(exception.content)["error"]["errors"][0])
            if exception is not None
            else 200
        )

    batch = BatchHttpRequest(callback=collect, batch_uri=f"{url}/batch/gmail/v1")
    for message_id in ids:
        batch.add(service.users().messages().get(userId="me", id=message_id), request_id=message_id)
    batch.execute()
    assert sum(r == 200 for r in results.values()) == 20  # 100 units / 5
    refused = [r for r in results.values() if r != 200]
    assert len(refused) == 10
    assert all(r[0] == 429 and r[1]["reason"] == "userRateLimitExceeded" for r in refused)
    assert api.usage(OWNER)["units"] == {"messages.get": 100}
