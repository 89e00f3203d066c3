"""When Gemini is asked: only for what structure and rules cannot settle. Requests are counted
at the devkit's local Gemini server (the real google-genai client talks to it over HTTP).

Generated e-mails: one settled variant per (language label, currency marker, date form, layout)
makes no request; removing what settles it (the currency, the amount label, the order number)
makes exactly one, and the model's answer goes through the same validation as the rules'."""

from __future__ import annotations

import asyncio
import itertools
import random
from decimal import Decimal

import pytest

from paypulse_devkit.gemini_server import GeminiServer
from paypulse_parsers.retail import GeminiSettings, extract_retail

# (amount-to-pay label, amount as printed, ISO currency it must read as)
SETTLING = [
    ("Amount due:", "€ 1.234,50", "EUR", "1234.50"),
    ("Order total:", "GBP 87.20", "GBP", "87.20"),
    ("Att betala:", "1 250,00 SEK", "SEK", "1250.00"),
    ("Zu zahlen:", "99,90 €", "EUR", "99.90"),
    ("Do zapłaty:", "48,97 zł", "PLN", "48.97"),
    ("Celkem k úhradě:", "900,00 Kč", "CZK", "900.00"),
    ("Net à payer :", "1 000,00 EUR", "EUR", "1000.00"),
]
VENDOR = {"vendor_id": "shop", "vendor_name": "Shop"}  # an upload names its vendor; no hints
DATES = ["2025-03-14", "14 March 2025", "March 14, 2025"]
LAYOUTS = ["p", "table"]
ANSWER = {
    "vendor_name": "Shop",
    "total_amount": 42.5,
    "currency": "EUR",
    "invoice_date": "2025-03-14",
    "order_id": "A-77120",
    "tax": 0,
    "delivery_fee": 0,
    "items": [{"name": "Lamp", "price": 42.5, "quantity": 1}],
}


def _email(label: str, amount: str, day: str, layout: str, *, order: bool = True) -> str:
    rows = [("Thank you for shopping with us", "")]
    if order:
        rows.append(("Order number:", "A-77120"))
    rows += [("Order date:", day), ("Lamp", ""), (label, amount)]
    if layout == "table":
        cells = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
        return f"<html><body><table>{cells}</table></body></html>"
    return "<html><body>" + "".join(f"<p>{a} {b}</p>" for a, b in rows) + "</body></html>"


@pytest.fixture(scope="module")
def server():
    with GeminiServer() as srv:
        srv.add_fixture(match={"contains": ["Lamp"]}, response=ANSWER)
        yield srv


def _parse(server: GeminiServer, html: str):
    settings = GeminiSettings(
        api_key="local-gemini-key", model="gemini-test-model", base_url=server.base_url
    )
    before = len(server.requests)
    doc = asyncio.run(extract_retail(html, vendor=VENDOR, gemini=settings))
    return doc, len(server.requests) - before


@pytest.mark.parametrize(
    ("label", "amount", "currency", "total", "day", "layout"),
    [(*s, d, lay) for s, d, lay in itertools.product(SETTLING, DATES, LAYOUTS)],
)
def test_settled_by_rules_makes_no_gemini_request(
    server, label, amount, currency, total, day, layout
):
    doc, requests = _parse(server, _email(label, amount, day, layout))
    assert requests == 0
    assert (doc.method, doc.status) == ("rules", "parsed")
    assert (doc.total_amount, doc.currency) == (Decimal(total), currency)
    assert doc.order_id == "A-77120" and doc.invoice_date == "2025-03-14"
    assert doc.fields["details"]["items"] == []  # the app's required list, empty without markup


def _unsettled_variants() -> list[tuple[str, str]]:
    rng = random.Random(10)
    variants = []
    for label, amount, _currency, _total in SETTLING:
        day, layout = rng.choice(DATES), rng.choice(LAYOUTS)
        bare = amount.replace("€", "").replace("zł", "").replace("Kč", "")
        for code in ("EUR", "GBP", "SEK", "PLN", "CZK"):
            bare = bare.replace(code, "")
        variants += [
            (f"no-currency-{label}", _email(label, bare.strip(), day, layout)),
            (f"no-label-{label}", _email("Lamp", amount, day, layout).replace(label, "")),
            (f"no-order-{label}", _email(label, amount, day, layout, order=False)),
        ]
    return variants


@pytest.mark.parametrize(("name", "html"), _unsettled_variants(), ids=lambda v: v[:40])
def test_unsettled_by_rules_asks_gemini_once(server, name, html):
    doc, requests = _parse(server, html)
    assert requests == 1, name
    assert doc.method == "llm"
    assert (doc.total_amount, doc.currency, doc.order_id) == (Decimal("42.5"), "EUR", "A-77120")
    assert doc.fields["details"]["items"] == [{"name": "Lamp", "price": 42.5, "quantity": 1}]


def test_the_models_answer_passes_the_same_validation():
    html = _email("Lamp", "12,00", "2025-03-14", "p")  # no label, no currency: unsettled
    with GeminiServer() as srv:
        srv.add_fixture(
            match={"contains": ["Lamp"]},
            response={**ANSWER, "total_amount": 1e38, "currency": "dollars", "invoice_date": "x"},
        )
        doc, requests = _parse(srv, html)
    assert requests == 1
    assert doc.status == "failed" and doc.total_amount is None  # an absurd amount is never kept
    assert "currency is not an ISO 4217 code" in doc.problems
    assert "invoice_date is not a date" in doc.problems
