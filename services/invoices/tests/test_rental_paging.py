"""Optional limit/cursor paging of GET /v1/invoices/rental (default: everything, as the app expects)."""

import pytest

from paypulse_devkit import app_contract as app


def test_pages_cover_everything_once(api, local_stack, connected_user, demo_mail):
    token, _ = connected_user
    api("POST", "/v1/invoices/rental/ingest", token=token)
    local_stack.events.drain()
    seen, cursor = [], None
    while True:
        path = "/v1/invoices/rental?limit=5" + (f"&cursor={cursor}" if cursor else "")
        data = app.decode_success(app.RentalInvoiceResponse, api("GET", path, token=token).json)
        seen += [i["InvoiceID"] for items in data["invoices"].values() for i in items]
        cursor = data.get("next_cursor")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 12


def test_cursor_of_another_user_is_rejected(api, local_stack, connected_user, demo_mail):
    token, _ = connected_user
    api("POST", "/v1/invoices/rental/ingest", token=token)
    local_stack.events.drain()
    cursor = api("GET", "/v1/invoices/rental?limit=2", token=token).json["data"]["next_cursor"]
    other = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "O", "email": "o@example.com", "password": "secret-pass-1"},
    ).json["data"]["access_token"]
    r = api("GET", f"/v1/invoices/rental?limit=2&cursor={cursor}", token=other)
    assert (r.status, r.error_code) == (400, "INVALID_REQUEST")


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=ten", "cursor=abc", "limit=2&cursor=%%%", "subtype=clothing"],
)
def test_bad_paging_parameters(api, connected_user, query):
    token, _ = connected_user
    r = api("GET", f"/v1/invoices/rental?{query}", token=token)
    assert (r.status, r.error_code) == (400, "INVALID_REQUEST")


def test_unknown_type(api, connected_user):
    token, _ = connected_user
    assert api("GET", "/v1/invoices/boats", token=token).error_code == "INVALID_REQUEST"
    assert api("POST", "/v1/invoices/boats/ingest", token=token).error_code == "INVALID_REQUEST"
