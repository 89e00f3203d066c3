"""The bad-input table: hostile or malformed requests get a clear 4xx in the app's error envelope
(``{"error": {"code", "message"}}``), never a 5xx. Each row: what is sent → status, code.
Rows go through the local stack exactly as API Gateway payload-2.0 events; the method and size
rows go over a real HTTP connection."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading

import pytest

from paypulse_devkit.api_gateway import MAX_PAYLOAD_BYTES
from paypulse_devkit.local_stack import ApiServer

DEEP = b"[" * 30_000 + b"]" * 30_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000  # 60 KB: under the 64 KiB limit
FORM_300 = "&".join(f"f{i}=x" for i in range(300)).encode()
SIGNUP = "/v1/auth/signup"
LOGIN = "/v1/auth/login"


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}

# (case, method, path, headers, body, needs a token) → (status, error code)
TABLE = [
    ("JSON array nested 30,000 deep", "POST", LOGIN, JSON, DEEP, False, 400, "INVALID_JSON"),
    (
        "JSON object nested 10,000 deep",
        "POST",
        SIGNUP,
        JSON,
        DEEP_OBJECT,
        False,
        400,
        "INVALID_JSON",
    ),
    (
        "Infinity as a value",
        "POST",
        LOGIN,
        JSON,
        b'{"email":"a@b.se","password":Infinity}',
        False,
        400,
        "INVALID_JSON",
    ),
    (
        "NaN as a value",
        "POST",
        SIGNUP,
        JSON,
        b'{"name":NaN,"email":"a@b.se","password":"x"}',
        False,
        400,
        "INVALID_JSON",
    ),
    (
        "-Infinity in a retail ingest",
        "POST",
        "/v1/invoices/retail/ingest",
        JSON,
        b'{"start_date":-Infinity}',
        True,
        400,
        "INVALID_JSON",
    ),
    (
        "lone surrogate in signup name",
        "POST",
        SIGNUP,
        JSON,
        b'{"name":"\\ud800","email":"a@b.se","password":"hemligt-123"}',
        False,
        400,
        "INVALID_REQUEST",
    ),
    (
        "lone surrogate in login e-mail",
        "POST",
        LOGIN,
        JSON,
        b'{"email":"\\udfff@b.se","password":"hemligt-123"}',
        False,
        400,
        "INVALID_REQUEST",
    ),
    (
        "lone surrogate in login password",
        "POST",
        LOGIN,
        JSON,
        b'{"email":"a@b.se","password":"x\\ud800y"}',
        False,
        400,
        "INVALID_REQUEST",
    ),
    (
        "lone surrogate in an OAuth token",
        "POST",
        "/v1/auth/gmail/store-tokens",
        JSON,
        b'{"access_token":"ya29.\\ud800"}',
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "lone surrogate in a nested field",
        "POST",
        "/v1/auth/gmail/store-tokens",
        JSON,
        b'{"access_token":"t","client_info":{"platform":"\\ud800"}}',
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "lone surrogate in vendor_category",
        "POST",
        "/v1/invoices/retail/ingest",
        JSON,
        b'{"vendor_category":"\\ud800"}',
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "lone surrogate in a device token",
        "POST",
        "/v1/user/devices",
        JSON,
        b'{"device_token":"\\ud800"}',
        True,
        400,
        "INVALID_REQUEST",
    ),
    ("300 form fields", "POST", LOGIN, FORM, FORM_300, False, 400, "INVALID_REQUEST"),
    (
        "300 form fields to an authenticated route",
        "POST",
        "/v1/user/devices",
        FORM,
        FORM_300,
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "a JSON array instead of an object",
        "POST",
        SIGNUP,
        JSON,
        b"[1,2]",
        False,
        400,
        "INVALID_JSON",
    ),
    (
        "a string where an object is expected",
        "POST",
        "/v1/auth/gmail/store-tokens",
        JSON,
        b'{"access_token":"t","client_info":"x"}',
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "a number where a string is expected",
        "POST",
        SIGNUP,
        JSON,
        b'{"name":5,"email":"a@b.se","password":"hemligt-123"}',
        False,
        400,
        "INVALID_REQUEST",
    ),
    (
        "body over 64 KiB (Lambda's own limit)",
        "POST",
        SIGNUP,
        JSON,
        b" " * (64 * 1024 + 1),
        False,
        413,
        "PAYLOAD_TOO_LARGE",
    ),
    (
        "cursor that is not base64 JSON",
        "GET",
        "/v1/invoices/rental?cursor=%25%25%25",
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "cursor decoding to a DynamoDB-style key",
        "GET",
        "/v1/invoices/rental?limit=2&cursor="
        + cursor_of({"UserID": {"S": "user_x"}, "InvoiceID": {"N": "1"}}),
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "cursor decoding to a malformed position",
        "GET",
        "/v1/invoices/rental?cursor=" + cursor_of([2025, "x", 5]),
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "cursor decoding to deeply nested JSON",
        "GET",
        "/v1/invoices/rental?cursor=" + base64.urlsafe_b64encode(b"[" * 5000).decode(),
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "limit that is not a number",
        "GET",
        "/v1/invoices/rental?limit=1e3",
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "limit=null in a query string",
        "GET",
        "/v1/invoices/rental?limit=null",
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "counts=null in a query string",
        "GET",
        "/v1/invoices/retail?counts=null",
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "unknown query parameter",
        "GET",
        "/v1/invoices/retail?colour=red",
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "lone surrogate (UTF-8 of U+D800) in a query value",
        "GET",
        "/v1/invoices/retail?subtype=%ED%A0%80",
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
    (
        "invoice id with characters ids never have",
        "GET",
        "/v1/invoices/rental/a%20b",
        {},
        b"",
        True,
        400,
        "INVALID_REQUEST",
    ),
]


def test_bad_input_table(api):
    """One signed-in user for every row (rows never reach a handler's use case)."""
    token = api(
        "POST",
        SIGNUP,
        json_body={"name": "Bad", "email": "bad-input@example.se", "password": "hemligt-123"},
    ).json["data"]["access_token"]
    answers = {}
    for case, method, path, headers, body, authed, _, _ in TABLE:
        r = api(method, path, raw=body, headers=headers, token=token if authed else None)
        answers[case] = (r.status, r.error_code)
    assert answers == {row[0]: (row[6], row[7]) for row in TABLE}


@pytest.fixture
def server(local_stack):
    srv = ApiServer(local_stack, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "CONNECT", "PROPFIND"])
def test_unknown_methods_get_405_with_allow(server, method):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.request(method, "/v1/auth/login")
    r = conn.getresponse()
    assert r.status == 405 and r.getheader("Allow") == "POST"
    assert json.loads(r.read())["error"]["code"] == "METHOD_NOT_ALLOWED"
    conn.request(method, "/v1/nowhere")
    r = conn.getresponse()
    assert (r.status, json.loads(r.read())["error"]["code"]) == (404, "NOT_FOUND")


def test_oversized_body_is_413_after_the_whole_body_is_sent(server):
    """Over API Gateway's 10 MB: the client finishes sending (no reset mid-upload), then reads
    the gateway's own 413 (the function is never invoked)."""
    size = MAX_PAYLOAD_BYTES + 1
    with socket.create_connection(("127.0.0.1", server), timeout=20) as sock:
        sock.sendall(
            f"POST /v1/auth/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
        )
        chunk = b" " * 65536
        sent = 0
        while sent < size:
            sent += sock.send(chunk[: size - sent])
        response = sock.makefile("rb").read()
    head, _, payload = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(payload) == {"message": "Request Entity Too Large"}
