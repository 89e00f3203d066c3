"""E-mail input decoded before it is read: transfer encodings, declared / undeclared / wrong
charsets, HTML that arrives escaped (literal ``\\n``) or still quoted-printable, text/plain-only
and image-only HTML mails, forwarded mails, and CSS that only looks like hiding."""

from __future__ import annotations

import asyncio
import json
import quopri
import random
from decimal import Decimal
from email.message import EmailMessage

import pytest

from paypulse_parsers.retail import extract_retail
from paypulse_parsers.retail.email_input import forwarded_sender, read_input
from paypulse_parsers.retail.html_document import parse_html

RECEIPT_HTML = (
    "<html><head><style>.x{color:red}</style></head><body>\n"
    '<table class="main">\n<tr><td>Order #</td><td>112-5566778</td></tr>\n'
    "<tr><td>Caf\u00e9 cr\u00e8me</td><td>$4.50</td></tr>\n"
    "<tr><td>Order total:</td><td>USD 23.40</td></tr>\n</table>\n</body></html>"
)


def run(raw, **kwargs):
    return asyncio.run(extract_retail(raw, **kwargs))


def _mail(*, html: str | None, plain: str | None, cte: str = "quoted-printable",
          charset: str = "utf-8", sender: str = "Shop <orders@shop.example>") -> bytes:  # fmt: skip
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = "Your receipt"
    msg["Date"] = "Tue, 04 Mar 2025 09:00:00 -0500"
    if plain is not None:
        msg.set_content(plain, charset=charset, cte=cte)
    if html is not None:
        if plain is None:
            msg.set_content(html, subtype="html", charset=charset, cte=cte)
        else:
            msg.add_alternative(html, subtype="html", charset=charset, cte=cte)
    return msg.as_bytes()


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_html_part_in_any_transfer_encoding(cte):
    doc = run(_mail(html=RECEIPT_HTML, plain="see the HTML part", cte=cte),
              content_type="message/rfc822")  # fmt: skip
    assert (doc.total_amount, doc.currency, doc.order_id) == (
        Decimal("23.40"), "USD", "112-5566778")  # fmt: skip


def test_text_plain_only_mail():
    text = "Thanks for your order!\nOrder # 112-5566778\nOrder total: USD 23.40\n"
    doc = run(_mail(html=None, plain=text), content_type="message/rfc822")
    assert doc.total_amount == Decimal("23.40") and doc.currency == "USD"


def test_image_only_html_falls_back_to_the_plain_alternative():
    html = '<html><body><img src="cid:receipt.png" alt=""></body></html>'
    plain = "Order # 112-5566778\nOrder total: USD 23.40"
    doc = run(_mail(html=html, plain=plain), content_type="message/rfc822")
    assert doc.total_amount == Decimal("23.40")


def test_undeclared_charset_latin1_body():
    raw = (
        b"From: Shop <orders@shop.example>\r\nSubject: Kvitto\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Kvitto\nAtt betala: 1 299,00 kr\nTack för ditt köp och välkommen åter".encode("latin-1")
    )
    doc = run(raw, content_type="message/rfc822")
    assert (doc.total_amount, doc.currency) == (Decimal("1299.00"), "SEK")


def test_utf8_body_declared_latin1_is_read_as_utf8():
    raw = (
        b"From: Shop <orders@shop.example>\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        + "Faktura\nCelkem k úhradě: 1 250,00 Kč\n".encode()
    )
    source = read_input(raw, "message/rfc822")
    assert "úhradě" in source.body
    assert run(raw, content_type="message/rfc822").total_amount == Decimal("1250.00")


def test_html_that_arrives_with_literal_escaped_newlines():
    escaped = json.dumps(RECEIPT_HTML)[1:-1]  # what a log or a JSON export stores
    assert "\\n" in escaped and "\n" not in escaped
    doc = run(escaped.encode(), content_type="text/plain")
    assert doc.total_amount == Decimal("23.40")
    assert "\\n" not in read_input(escaped, "text/plain").body


def test_html_body_still_in_quoted_printable():
    encoded = quopri.encodestring(RECEIPT_HTML.replace("<td>", '<td class="cell">').encode())
    assert b"=3D" in encoded
    doc = run(encoded, content_type="text/html")
    assert doc.total_amount == Decimal("23.40")


def test_forwarded_message_attached_as_rfc822():
    inner = EmailMessage()
    inner["From"] = "Butik <kvitto@butik.dk>"
    inner["Subject"] = "Kvittering"
    inner.set_content("<p>Ordre 4455</p><p>Beløb at betale: 349,00 kr.</p>", subtype="html")
    outer = EmailMessage()
    outer["From"] = "Me <me@mail.example>"
    outer["Subject"] = "Fwd: Kvittering"
    outer.set_content("see attached")
    outer.add_attachment(inner)
    doc = run(outer.as_bytes(), content_type="message/rfc822")
    assert doc.total_amount == Decimal("349.00")


def test_inline_forward_uses_the_original_sender_as_evidence():
    body = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Butik <kvitto@butik.no>\n"
        "Date: Mon, 3 Mar 2025\nSubject: Kvittering\n\nOrdre 4455\nTotal: 349,00 kr\n"
    )
    doc = run(_mail(html=None, plain=body, sender="Me <me@mail.example>"),
              content_type="message/rfc822")  # fmt: skip
    assert (doc.total_amount, doc.currency) == (Decimal("349.00"), "NOK")
    assert doc.vendor_name == "Butik"


@pytest.mark.parametrize(
    "style",
    ["backface-visibility: hidden", "-webkit-backface-visibility:hidden",
     "content-visibility: hidden", "mso-line-height-rule: exactly"],
)  # fmt: skip
def test_unrelated_css_does_not_hide_the_body(style):
    html = f'<div style="{style}"><p>Order total: USD 23.40</p></div>'
    assert "23.40" in parse_html(html).text


@pytest.mark.parametrize("style", ["display:none", "visibility: hidden", "opacity:0;",
                                   "max-height:0px;", "mso-hide:all"])  # fmt: skip
def test_hidden_css_still_hides(style):
    html = f'<div style="{style}">Total: USD 999.00</div><p>Order total: USD 23.40</p>'
    assert "999" not in parse_html(html).text


FORWARD_MARKERS = ["Forwarded message", "Original Message", "Weitergeleitete Nachricht",
                   "Ursprüngliche Nachricht", "Message transféré", "Vidarebefordrat meddelande",
                   "Videresendt melding", "Doorgestuurd bericht", "Mensaje reenviado",
                   "Messaggio inoltrato", "Wiadomość przekazana", "Přeposlaná zpráva"]  # fmt: skip


def _forward_variants() -> list[tuple[str, str]]:
    """Each marker with 2..12 dashes, in three letter cases, after HTML full of other ``--``
    (comments, CSS custom properties) and after a dash-free Apple Mail marker variant."""
    rng = random.Random(7)
    noise = "<!-- preheader --><style>:root{--brand:#123}</style><p>-- </p><p>Hi --</p>\n"
    variants = []
    for marker in FORWARD_MARKERS:
        for case in (str.lower, str.upper, str.title):
            left, right = "-" * rng.randint(2, 12), "-" * rng.randint(2, 12)
            variants.append((marker, f"{noise * 3}{left} {case(marker)} {right}\n"))
    for line in (
        "Begin forwarded message:",
        "begin forwarded message:",
        "BEGIN FORWARDED MESSAGE:",
    ):
        variants.append((line, f"{noise * 3}\n{line}\n"))
    return variants


@pytest.mark.parametrize(("marker", "head"), _forward_variants(), ids=lambda v: v[:24])
def test_forward_markers_find_the_original_sender(marker, head):
    body = head + "From: Butik <kvitto@butik.no>\nDate: Mon, 3 Mar 2025\n\nTotal: 349,00 kr\n"
    assert forwarded_sender(body) == "Butik <kvitto@butik.no>", marker


def test_the_first_forward_marker_wins():
    body = ("Begin forwarded message:\nFrom: First <a@first.example>\n\n"
            "---------- Forwarded message ---------\nFrom: Second <b@second.example>\n")  # fmt: skip
    assert forwarded_sender(body) == "First <a@first.example>"
    assert forwarded_sender("no marker -- here\nFrom: x <x@y.z>") is None


SPACES = [" ", "\u00a0", "\u200b", "\u202f", "\ufeff", "\u00ad", "  \u2007 "]


@pytest.mark.parametrize("seed", range(12))
def test_visible_text_is_compacted_whatever_the_spacing(seed):
    """Generated tables with random runs of (zero-width / no-break) spaces inside and around
    cells, empty cells and blank blocks: one line per row, cells tab-separated, single spaces."""
    rng = random.Random(seed)

    def pad(word: str) -> str:
        return (
            "".join(rng.choice(SPACES) for _ in range(rng.randint(0, 3)))
            + word
            + "".join(rng.choice(SPACES) for _ in range(rng.randint(0, 3)))
        )

    rows = [("Lamp", "2", "EUR 40,00"), ("Cable", "1", "EUR 2,50"), ("Total", "", "EUR 42,50")]
    cells = "".join(
        "<tr>" + "".join(f"<td>{pad(c)}</td>" for c in row) + "</tr><tr><td>\u200b</td></tr>"
        for row in rows
    )
    html = f"<div>{pad('')}</div><table>{cells}</table><p>{pad('Thank')} {pad('you')}</p>"
    assert parse_html(html).text.split("\n") == [
        "Lamp\t2\tEUR 40,00",
        "Cable\t1\tEUR 2,50",
        "Total\tEUR 42,50",
        "Thank you",
    ]
