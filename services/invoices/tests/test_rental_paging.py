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


def test_pages_come_newest_first_like_the_whole_list(api, local_stack, connected_user, demo_mail):
    token, _ = connected_user
    api("POST", "/v1/invoices/rental/ingest", token=token)
    local_stack.events.drain()
    whole = api("GET", "/v1/invoices/rental", token=token).json["data"]["invoices"]
    expected = [i["InvoiceID"] for year in whole.values() for i in year]
    paged, cursor = [], None
    while True:
        path = "/v1/invoices/rental?limit=5" + (f"&cursor={cursor}" if cursor else "")
        data = api("GET", path, token=token).json["data"]
        paged += [i["InvoiceID"] for items in data["invoices"].values() for i in items]
        cursor = data.get("next_cursor")
        if not cursor:
            break
    assert paged == expected
    due = [(int(i["due_date_year"]), int(i["due_date_month"])) for y in whole.values() for i in y]
    assert due == sorted(due, reverse=True)


def test_cursor_of_another_user_shows_only_the_callers_invoices(
    api, local_stack, connected_user, demo_mail
):
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
    assert r.status == 200 and r.json["data"]["invoiceCount"] == 0


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=ten", "cursor=abc", "limit=2&cursor=%%%", "subtype=clothing"],
)
def test_bad_paging_parameters(api, connected_user, query):
    token, _ = connected_user
    r = api("GET", f"/v1/invoices/rental?{query}", token=token)
    assert (r.status, r.error_code) == (400, "INVALID_REQUEST")


def test_unknown_type_is_no_route(api, connected_user):
    token, _ = connected_user
    for method, path in (("GET", "/v1/invoices/boats"), ("POST", "/v1/invoices/boats/ingest")):
        r = api(method, path, token=token)
        assert (r.status, r.error_code) == (404, "NOT_FOUND")
