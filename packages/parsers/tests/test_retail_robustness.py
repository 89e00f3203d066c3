"""Malformed, huge, non-UTF-8, MIME and amount-less input: a clear outcome, never an exception."""

from __future__ import annotations

import asyncio
import base64
import quopri
from decimal import Decimal

import pytest

from paypulse_parsers.retail import extract_retail
from paypulse_parsers.retail.email_input import MAX_BODY_CHARS, read_input
from paypulse_parsers.retail.html_document import MAX_DEPTH, nesting_depth, parse_html

VENDOR = {
    "vendor_id": "elgiganten",
    "vendor_name": "Elgiganten",
    "invoice_sub_type": "technology",
    "parser_hints": {"language": "sv", "currency": "SEK"},
}
ORDER_SV = (
    "<html><body><h1>Orderbekräftelse</h1><p>Ordernummer: 4455667788</p>"
    "<p>Orderdatum: 2025-03-14</p><table><tr><td>Hörlurar</td><td>1 299,00 kr</td></tr>"
    "<tr><td>Frakt</td><td>49 kr</td></tr><tr><td>Totalt</td><td>1 348,00 kr</td></tr>"
    "<tr><td>Varav moms</td><td>269,60 kr</td></tr></table></body></html>"
)


def run(document, **kwargs):
    return asyncio.run(extract_retail(document, **kwargs))


def _eml(body: bytes, *, ctype: str, charset: str, encoding: str) -> bytes:
    head = (
        "From: =?utf-8?q?Elgiganten_Sverige?= <donotreply@elgiganten.se>\r\n"
        "Subject: =?iso-8859-1?q?Orderbekr=E4ftelse?=\r\n"
        "Date: Fri, 14 Mar 2025 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain version\r\n"
        f"--b1\r\nContent-Type: {ctype}; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode()
    return head + body + b"\r\n--b1--\r\n"


def test_swedish_order_rules_path():
    doc = run(ORDER_SV.encode(), vendor=VENDOR)
    assert (doc.total_amount, doc.currency, doc.order_id, doc.invoice_date) == (
        Decimal("1348.00"),
        "SEK",
        "4455667788",
        "2025-03-14",
    )
    assert doc.method == "rules" and doc.vendor_name == "Elgiganten"
    assert doc.fields["details"]["tax"] == 0 and doc.fields["details"]["items"] == []


@pytest.mark.parametrize("encoding", ["quoted-printable", "base64"])
def test_eml_latin1_html_part_is_picked_and_decoded(encoding):
    html = ORDER_SV.encode("iso-8859-1")
    body = quopri.encodestring(html) if encoding == "quoted-printable" else base64.encodebytes(html)
    doc = run(
        _eml(body, ctype="text/html", charset="iso-8859-1", encoding=encoding),
        content_type="message/rfc822",
        vendor=VENDOR,
    )
    assert doc.total_amount == Decimal("1348.00")
    assert doc.order_id == "4455667788"


def test_eml_headers_give_vendor_and_date_fallbacks():
    html = b"<p>Order total: 12.50 EUR</p>"
    doc = run(_eml(html, ctype="text/html", charset="utf-8", encoding="7bit"))
    assert doc.vendor_name == "Elgiganten Sverige"
    assert doc.invoice_date == "2025-03-14"
    assert doc.currency == "EUR"


def test_eml_with_unknown_charset_and_only_text_plain():
    eml = (
        b"From: shop@example.com\r\nSubject: receipt\r\nContent-Type: text/plain; "
        b"charset=x-unknown-42\r\n\r\nGrand total: $19.99\r\n"
    )
    doc = run(eml)
    assert doc.total_amount == Decimal("19.99") and doc.currency == "USD"


def test_eml_without_any_text_part_is_skipped():
    eml = (
        b"From: a@b.com\r\nMIME-Version: 1.0\r\nContent-Type: application/zip\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n"
    )
    doc = run(eml)
    assert doc.status == "skipped"
    assert "e-mail has no text/html or text/plain part" in doc.problems


def test_non_utf8_html_bytes_decode():
    html = "<html><body><p>Att betala: 249,50 kr</p><p>Räksmörgås</p></body></html>"
    doc = run(html.encode("cp1252"), vendor=VENDOR)
    assert doc.total_amount == Decimal("249.50") and doc.currency == "SEK"


def test_binary_junk_is_a_clear_skip():
    doc = run(bytes(range(256)) * 50)
    assert doc.status == "skipped" and doc.total_amount is None


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><table><tr><td>Total<td>$5.00</table></p></div></span></body>",
        "<<<>>><div <p>>Total: £3.10</div</p><script>var x='</script>",
        "<html><head><title>x</title><body>Order total: €7,00",  # <head> never closed
        "<div style='display:none'>Total: $999.00</div><p>Total: $7.00</p>",
    ],
)
def test_malformed_html_still_finds_the_visible_total(html):
    doc = run(html)
    assert doc.total_amount in (Decimal("5.00"), Decimal("3.10"), Decimal("7.00"))


def test_huge_html_is_bounded_and_reported():
    filler = "<div>" + "<span>lorem ipsum</span>" * 200_000 + "</div>"
    doc = run((filler + "<p>Order total: $1.00</p>").encode())
    assert any("truncated" in p for p in doc.problems)
    assert doc.status == "skipped"  # the total was beyond the bound
    source = read_input(filler * 2)
    assert len(source.body) == MAX_BODY_CHARS


def test_amount_less_and_zero_amount_are_skipped_with_a_reason():
    none = run("<html><body><p>Your parcel is on its way.</p></body></html>")
    assert (none.status == "skipped" and none.problems == ["no amount to pay found"]) or (
        "no amount to pay found" in none.problems
    )
    zero = run("<p>Order #A12345</p><p>Total: 0,00 kr</p>", vendor=VENDOR)
    assert zero.status == "skipped" and "amount to pay is zero" in zero.problems


def test_empty_and_text_input():
    assert run(b"").status == "skipped"
    doc = run("Amount due: 120.00 USD\nInvoice number: INV-2291", content_type="text/plain")
    assert doc.total_amount == Decimal("120.00") and doc.order_id == "INV-2291"


def test_line_items_against_total_from_markup():
    jsonld = (
        '<script type="application/ld+json">{"@type":"Order","orderNumber":"9",'
        '"merchant":{"name":"Shop"},"price":"100.00","priceCurrency":"SEK","acceptedOffer":['
        '{"itemOffered":{"name":"A"},"price":"30","eligibleQuantity":{"value":"2"}},'
        '{"itemOffered":{"name":"B"},"price":"40"}]}</script>'
    )
    doc = run(jsonld, category="clothing")
    assert doc.status == "parsed" and doc.method == "markup"
    items = doc.fields["details"]["items"]
    assert items[0] == {"name": "A", "price": Decimal("30"), "quantity": 2, "brand": "Shop"}
    assert isinstance(items[0]["quantity"], int)
    bad = run(jsonld.replace('"100.00"', '"150.00"'))
    assert bad.status == "needs_review"
    assert "line items do not add up to the total" in bad.problems


def test_markup_path_does_not_import_genai():
    import subprocess
    import sys

    code = (
        "import asyncio,sys;from paypulse_parsers.retail import extract_retail;"
        "asyncio.run(extract_retail('<p>Total: $1.00</p>'));"
        "print('google.genai' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "html",
    [
        "<div>x" * 30_000 + "<p>Order total: $4.00</p>",
        "<div itemprop='name'>x" * 30_000,
        "<div>" * 30_000 + "</span>" * 30_000 + "<p>Order total: $4.00</p>",
        "<span itemscope itemtype='http://schema.org/Thing'>" * 5_000,
    ],
)
def test_pathological_nesting_completes_with_an_outcome(html):
    doc = run(html)
    assert doc.status in ("needs_review", "skipped")
    assert doc.total_amount in (None, Decimal("4.00"))


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("<div>", "</div>"), ("<div>", ""), ("<span><div>", "</div></span>"),
     ("<table><tr><td>", "</td></tr></table>"), ("<section>", "</section>")],
)  # fmt: skip
@pytest.mark.parametrize("depth", [MAX_DEPTH // 4, 50_000])
def test_hostile_nesting_is_read_without_quadratic_tree_building(opening, closing, depth):
    """Tree building is quadratic in the nesting depth (minutes at 50,000 nested blocks):
    beyond MAX_DEPTH the document is read as text, so the total is still found."""
    html = opening * depth + "<p>Total: EUR 5,00</p>" + closing * depth
    elements = depth * opening.count("<") + 1
    assert (nesting_depth(html) > MAX_DEPTH) == (elements > MAX_DEPTH)
    doc = run(html.encode())
    assert (doc.total_amount, doc.currency) == (Decimal("5.00"), "EUR")


def test_wide_documents_are_not_taken_for_deep_ones():
    rows = "".join(f"<tr><td>Item {i}</td><td><br><img src=x>{i},00</td></tr>" for i in range(3000))
    html = f"<table>{rows}</table><p>Total: EUR 5,00</p>"
    assert nesting_depth(html) < 10
    assert "Item 2999" in parse_html(html).text
