"""Every extractor's answer passes the same plausibility rules: absurd amounts are never
``parsed``, negatives only on credit notes, a missing or weakly evidenced currency is
``needs_review``; every result says how it was found (method) and how sure it is."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from paypulse_devkit.gemini_server import GeminiServer
from paypulse_parsers.document import ParsedDocument, check_amount
from paypulse_parsers.retail import GeminiSettings, extract_retail


def _markup(price: str, currency: str | None = "EUR") -> str:
    order = {"@context": "http://schema.org", "@type": "Order", "orderNumber": "A-1",
             "merchant": {"@type": "Organization", "name": "Shop"},
             "price": price, **({"priceCurrency": currency} if currency else {})}  # fmt: skip
    return f'<script type="application/ld+json">{json.dumps(order)}</script><p>Thanks</p>'


def run(document, **kwargs):
    return asyncio.run(extract_retail(document, **kwargs))


@pytest.mark.parametrize("price", ["1e38", "2000000000", "-1e38", "1E+40"])
def test_absurd_amounts_are_never_parsed(price):
    doc = run(_markup(price))
    assert doc.status != "parsed" and doc.total_amount is None
    assert doc.confidence == 0.0


def test_more_than_two_decimals_is_needs_review():
    doc = run(_markup("12.345"))
    assert (doc.status, doc.total_amount) == ("needs_review", Decimal("12.345"))
    assert doc.method == "markup" and doc.confidence <= 0.6


def test_markup_without_currency_is_needs_review():
    doc = run(_markup("12.50", currency=None))
    assert doc.status == "needs_review" and doc.currency is None


def test_clean_markup_is_parsed_with_high_confidence():
    doc = run(_markup("12.50"))
    assert (doc.status, doc.method, doc.currency) == ("parsed", "markup", "EUR")
    assert doc.confidence >= 0.9


def test_negative_only_on_credit_notes():
    def doc(document_type: str) -> ParsedDocument:
        return ParsedDocument(kind="unknown", vendor_name="X", total_amount=Decimal("-5.00"),
                              currency="EUR", invoice_date=None, due_date=None,
                              payment_reference=None, order_id=None,
                              document_type=document_type, confidence=0.99)  # fmt: skip

    assert check_amount(doc("credit_note")).status == "parsed"
    assert check_amount(doc("invoice")).status == "needs_review"


def test_the_models_answer_passes_the_same_validation():
    with GeminiServer() as server:
        server.add_fixture(
            match={"contains": ["Pizzeria"]},
            response={"vendor_name": "Pizzeria", "total_amount": 1e38, "currency": "SEK",
                      "invoice_date": "2025-02-01", "order_id": "P-1", "items": []},
        )  # fmt: skip
        settings = GeminiSettings(
            api_key="local-gemini-key", model="gemini-test-model", base_url=server.base_url
        )
        doc = run("<p>Tack för din beställning hos Pizzeria</p><p>Totalt 199 kr</p>",
                  gemini=settings)  # fmt: skip
    assert doc.method == "llm"
    assert doc.status == "failed" and doc.total_amount is None


def test_rules_results_say_method_and_confidence():
    doc = run("<p>Order #A-1001</p><p>Order total: EUR 10.00</p><p>Date: 2025-01-02</p>"
              "<p>© 2025 Shop AB</p>")  # fmt: skip
    assert (doc.method, doc.extractor, doc.status) == ("rules", "rules", "parsed")
    assert 0.5 < doc.confidence < 0.95
