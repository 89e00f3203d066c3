"""The Gemini path with the real google-genai client against the devkit's local server."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from paypulse_common.errors import DependencyError
from paypulse_devkit.gemini_server import GeminiServer
from paypulse_parsers.retail import GeminiSettings, extract_retail

FOODORA = {
    "vendor_id": "foodora",
    "vendor_name": "Foodora",
    "invoice_sub_type": "food-delivery",
    "parser_hints": {
        "language": "sv",
        "currency": "SEK",
        "items_desc": "dishes from one restaurant",
        "field_translations": {"Totalt": "Total"},
    },
}
HTML = (
    "<html><head><style>.x{color:red}</style><script>track()</script></head><body>"
    "<img src='https://t.example/pixel.gif' width='1' height='1'>"
    "<div style='display:none'>preheader junk</div><p>Tack för din beställning hos Pizzeria X</p>"
    "<a href='https://example.com/very/long/tracking/link?x=1'>Se din order</a>"
    "<table><tr><td>Margherita</td><td>2 x 95,00 kr</td></tr>"
    "<tr><td>Leverans</td><td>29 kr</td></tr>"
    "<tr><td>Rabatt</td><td>-20 kr</td></tr><tr><td>Totalt</td><td>199,00 kr</td></tr></table>"
    "</body></html>"
)
ANSWER = {
    "vendor_name": "Foodora",
    "total_amount": 199.0,
    "currency": "SEK",
    "invoice_date": "2025-02-01",
    "order_id": "FD-1",
    "delivery_fee": 29,
    "discount": 20,
    "promo_code": None,
    "items": [{"name": "Margherita", "price": 95, "quantity": 2, "description": None}],
}


@pytest.fixture
def server():
    with GeminiServer() as srv:
        yield srv


def _settings(server, key="local-gemini-key"):
    return GeminiSettings(api_key=key, model="gemini-test-model", base_url=server.base_url)


def test_structured_output_request_and_answer(server):
    server.add_fixture(match={"contains": ["Pizzeria X"]}, response=ANSWER)
    doc = asyncio.run(extract_retail(HTML, vendor=FOODORA, gemini=_settings(server)))
    assert doc.method == "llm" and doc.status == "parsed"
    assert (doc.total_amount, doc.currency, doc.order_id) == (Decimal("199.0"), "SEK", "FD-1")
    details = doc.fields["details"]
    assert details["delivery_fee"] == 29 and details["discount"] == 20
    assert details["items"] == [{"name": "Margherita", "price": 95, "quantity": 2}]
    request = server.requests[-1]
    assert request["path"] == "/v1/models/gemini-test-model:generateContent"
    assert request["api_key_ok"] is True
    assert request["response_mime_type"] == "application/json"
    schema = request["response_schema"]
    assert {
        "vendor_name",
        "total_amount",
        "currency",
        "invoice_date",
        "order_id",
        "delivery_fee",
        "discount",
        "items",
    } <= set(schema["properties"])
    text = request["text"]
    assert "This email is in Swedish." in text and "dishes from one restaurant" in text
    for junk in ("track()", "color:red", "pixel.gif", "preheader junk", "https://"):
        assert junk not in text
    assert "Tack för din beställning" in text


def test_schema_drift_is_caught_by_the_server(server):
    server.add_fixture(match={"contains": ["Pizzeria X"]}, response={**ANSWER, "surprise": 1})
    doc = asyncio.run(extract_retail(HTML, vendor=FOODORA, gemini=_settings(server)))
    assert doc.method == "rules"  # 400 from the API → rules fallback, recorded
    assert any(p.startswith("gemini:") for p in doc.problems)
    assert doc.total_amount == Decimal("199.00")


def test_wrong_key_falls_back_to_rules_with_a_problem(server):
    server.add_fixture(match={"contains": ["Pizzeria X"]}, response=ANSWER)
    doc = asyncio.run(extract_retail(HTML, vendor=FOODORA, gemini=_settings(server, "wrong")))
    assert doc.method == "rules" and doc.status == "needs_review"
    assert "gemini: Gemini refused the request (status 401)" in doc.problems


def test_server_error_is_retryable(server):
    server.add_fixture(match={"contains": ["Pizzeria X"]}, status=503)
    with pytest.raises(DependencyError) as err:
        asyncio.run(extract_retail(HTML, vendor=FOODORA, gemini=_settings(server)))
    assert err.value.retryable is True and err.value.code == "DEPENDENCY_FAILURE"


def test_invalid_json_from_the_model_is_recorded(server):
    server.add_fixture(match={"contains": ["Pizzeria X"]}, response_text="{not json")
    doc = asyncio.run(extract_retail(HTML, vendor=FOODORA, gemini=_settings(server)))
    assert "gemini: Gemini answered with invalid JSON" in doc.problems


def test_markup_documents_never_reach_gemini(server):
    html = (
        '<script type="application/ld+json">{"@type":"Order","orderNumber":"1",'
        '"merchant":{"name":"M"},"price":"5.00","priceCurrency":"EUR"}</script>'
    )
    doc = asyncio.run(extract_retail(html, gemini=_settings(server)))
    assert doc.method == "markup" and server.requests == []


def test_model_amount_is_validated(server):
    server.add_fixture(
        match={"contains": ["Pizzeria X"]},
        response={**ANSWER, "currency": "kronor", "invoice_date": "someday", "total_amount": 0},
    )
    doc = asyncio.run(extract_retail(HTML, vendor=FOODORA, gemini=_settings(server)))
    assert doc.status == "skipped"
    assert "amount to pay is zero" in doc.problems
    assert "invoice_date is not a date" in doc.problems
    assert doc.currency == "SEK"  # "kronor" resolved with the vendor's hint


def test_model_amount_disagreeing_with_a_clear_label_is_needs_review(server):
    # no order number: the rules leave the e-mail needs_review, so the model is asked
    html = "<p>Orderdatum 2025-02-01</p><p>Att betala: 1 250,00 kr</p>"
    server.add_fixture(
        match={"contains": ["Att betala"]}, response={**ANSWER, "total_amount": 1520}
    )
    doc = asyncio.run(extract_retail(html, vendor=FOODORA, gemini=_settings(server)))
    assert doc.method == "llm" and doc.total_amount == Decimal("1520")
    assert doc.status == "needs_review"
    assert "the model's amount differs from the labelled total in the text" in doc.problems
