"""Pieces of the local stack that need no servers."""

import base64
import json
from datetime import UTC, datetime

from infra.workspace import workspace
from paypulse_devkit.local_stack import LocalStack, api_event
from paypulse_devkit.mailbox import compose_message
from paypulse_devkit.router import Router


def router():
    return Router(workspace().routes())


def test_literal_segments_beat_parameters_like_api_gateway():
    match, allowed = router().match("POST", "/v1/invoices/retail/ingest")
    assert match.function.name == "fetch_retail_invoices" and allowed == ["POST"]
    match, allowed = router().match("POST", "/v1/invoices/rental/ingest")
    assert match.function.name == "fetch_invoices" and match.path_params == {}
    # GET would reach /rental/{invoice_id} (as in API Gateway), but the path names the literal
    # resource, whose only method is POST.
    assert allowed == ["POST"]
    match, _ = router().match("GET", "/v1/invoices/rental/ingest")
    assert match.function.name == "get_rental_invoice"
    assert match.path_params == {"invoice_id": "ingest"}
    match, allowed = router().match("DELETE", "/v1/invoices/retail/retail_1")
    assert match.function.name == "delete_retail_invoice" and allowed == ["DELETE"]
    match, allowed = router().match("GET", "/v1/invoices/retail/retail_1")
    assert match is None and allowed == ["DELETE"]


def test_no_match_and_allowed_methods():
    match, allowed = router().match("PUT", "/v1/user/me")
    assert match is None and allowed == ["DELETE", "GET"]
    assert router().match("GET", "/v1/nothing") == (None, [])


def test_payload_v2_event_shape():
    match, _ = router().match("POST", "/v1/auth/gmail/store-tokens")
    form = b"scope%5B%5D=a&scope%5B%5D=b"
    event = api_event(
        "POST",
        "/v1/auth/gmail/store-tokens",
        "x=1&x=2",
        {"content-type": "application/x-www-form-urlencoded"},
        form,
        match,
    )
    assert event["version"] == "2.0" and event["routeKey"] == "POST /v1/auth/gmail/store-tokens"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["isBase64Encoded"] and base64.b64decode(event["body"]) == form
    assert event["requestContext"]["http"]["method"] == "POST"
    json_event = api_event("POST", "/p", "", {"content-type": "application/json"}, b"{}", match)
    assert json_event["body"] == "{}" and not json_event["isBase64Encoded"]


def test_mailbox_from_a_folder_of_eml_files(tmp_path):
    for i in range(3):
        (tmp_path / f"m{i}.eml").write_bytes(
            compose_message(
                sender="a@b.se",
                to="c@d.se",
                subject=f"S{i}",
                sent=datetime(2026, 1, i + 1, tzinfo=UTC),
                text="hej",
            )
        )
    stack = LocalStack(mailbox=str(tmp_path))
    assert len(stack.mailbox) == 3 and stack.gmail_api.mailbox is stack.mailbox
    assert len(LocalStack(mailbox=None).mailbox) == 0


def test_demo_mail_per_authorized_account_and_mail_posted_to_its_addressee():
    stack = LocalStack(mailbox="demo")
    assert len(stack.mailbox) == 0
    ann = stack.google.accounts.authorize("ann@gmail.com")["access_token"]
    bo = stack.google.accounts.authorize("Bo@Gmail.com")["access_token"]
    stack.google.accounts.authorize("ann@gmail.com")  # a second consent adds nothing
    ann_ids = [m.id for m in stack.mailbox.messages("ann@gmail.com")]
    bo_ids = [m.id for m in stack.mailbox.messages("bo@gmail.com")]
    assert len(ann_ids) == len(bo_ids) >= 12 and set(ann_ids).isdisjoint(bo_ids)

    def get(token: str, path: str) -> tuple[int, dict]:
        status, _, body = stack.gmail_api.handle(
            "GET", path, {}, {"Authorization": f"Bearer {token}"}, b""
        )
        return status, json.loads(body)

    assert get(ann, f"/gmail/v1/users/me/messages/{ann_ids[0]}")[0] == 200
    status, body = get(bo, f"/gmail/v1/users/me/messages/{ann_ids[0]}")
    assert status == 404 and body["error"]["status"] == "NOT_FOUND"
    assert get(bo, "/gmail/v1/users/ann@gmail.com/messages")[0] == 403
    path = "/_local/google/usage?email=ann%40gmail.com"
    status, _, body = stack.handle_http("GET", path, {}, b"", "127.0.0.1")
    assert status == 200 and json.loads(body)["units"] == {"messages.get": 5}

    raw = compose_message(
        sender="a@b.se", to="ann@gmail.com", subject="Hej", sent=datetime.now(UTC), text="x"
    )
    status, _, body = stack.handle_http("POST", "/_local/mailbox", {}, raw, "127.0.0.1")
    new_id = json.loads(body)["delivered"]["ann@gmail.com"]
    assert status == 201 and set(json.loads(body)["delivered"]) == {"ann@gmail.com"}
    assert get(ann, f"/gmail/v1/users/me/messages/{new_id}")[0] == 200
    assert get(bo, f"/gmail/v1/users/me/messages/{new_id}")[0] == 404
    no_recipient = b"From: a@b.se\r\nSubject: x\r\n\r\nbody\r\n"
    status, _, body = stack.handle_http("POST", "/_local/mailbox", {}, no_recipient, "127.0.0.1")
    assert status == 400 and json.loads(body)["error"]["code"] == "MISSING_FIELDS"
