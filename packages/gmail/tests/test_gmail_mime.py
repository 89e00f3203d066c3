"""MIME helpers on the recorded Gmail responses of the public corpus and on RFC 822 bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from infra.workspace import ROOT
from paypulse_devkit.mailbox import compose_message
from paypulse_gmail.mime import (
    Attachment,
    attachments_of_type,
    b64url_decode,
    b64url_encode,
    decode_header_value,
    find_attachments,
    message_bodies,
    message_info,
    normalise_type,
    parse_raw,
    walk_parts,
)

CORPUS = ROOT / "tests/fixtures/gmail-api/recorded-messages"


def recorded(name: str) -> dict:
    return json.loads((CORPUS / name).read_text())["result"]


def test_base64url_with_and_without_padding():
    data = bytes(range(256))
    encoded = b64url_encode(data)
    assert b64url_decode(encoded) == data
    assert b64url_decode(encoded.rstrip("=")) == data
    assert b64url_decode("JVBERg") == b"%PDF"
    with pytest.raises(ValueError):
        b64url_decode("!!!!")


def test_octet_stream_with_pdf_name_counts_as_pdf():
    assert normalise_type("application/octet-stream", "Hyresavi.PDF") == "application/pdf"
    assert normalise_type("application/x-pdf") == "application/pdf"
    assert normalise_type("image/png", "x.pdf") == "image/png"


def test_encoded_words_are_decoded():
    assert decode_header_value("=?utf-8?q?Hyresavi_f=C3=B6r_juli?=") == "Hyresavi för juli"
    assert decode_header_value("plain") == "plain"


def test_part_tree_and_attachments_of_recorded_messages():
    expected = json.loads((CORPUS / "expected.json").read_text())
    for name, summary in expected.items():
        if name.startswith("_"):
            continue
        message = recorded(name)
        ids = [p["partId"] for p in walk_parts(message["payload"])]
        assert ids == [p["partId"] for p in summary["parts"]], name
        found = find_attachments(message["payload"], mime_types=None)
        assert [(a.part_id, a.filename, a.mime_type, a.size) for a in found] == [
            (a["partId"], a["filename"], a["mimeType"], a["size"]) for a in summary["attachments"]
        ], name
        assert all(a.attachment_id for a in found)


def test_pdf_filter_and_headers_of_recorded_message():
    message = recorded("GMAIL_RESP_CLAUDIA_3ATTACH.json")
    pdfs = find_attachments(message["payload"])
    assert [p.filename for p in pdfs] == [
        "GewSt Mess + VZbescheid2017.pdf",
        "KSt + VZ Bescheid 2017.pdf",
        "GewSt Mess für VZ 2019.pdf",
    ]
    info = message_info(message)
    assert info.subject == "KF80 tax returns 2017"
    assert info.sender_address == "claudia.haupt@aktuell-team.de"
    assert info.internal_date == datetime.fromtimestamp(1551352780, tz=UTC)
    assert info.date == datetime(2019, 2, 28, 11, 19, 40, tzinfo=UTC)


def test_bodies_are_utf8_even_when_declared_latin1():
    text, html = message_bodies(recorded("GMAIL_RESP_CLAUDIA_1ATTACH.json")["payload"])
    assert text is not None and "anbei übersenden wir" in text
    assert html is not None and "<html>" in html.lower()


def test_parse_raw_handles_charsets_and_attachments():
    raw = (
        b"From: =?iso-8859-1?q?V=E4rd?= <avi@hyresvard.se>\r\n"
        b"To: t@example.com\r\n"
        b"Subject: =?iso-8859-1?q?Hyresavi_f=F6r_juli?=\r\n"
        b"Date: Tue, 15 Jul 2025 08:00:00 +0200\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Hyran f=F6r juli.\r\n"
        b"--b1\r\n"
        b'Content-Type: application/octet-stream; name="avi.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="avi.pdf"\r\n\r\n'
        b"JVBERi0xLjQK\r\n"
        b"--b1--\r\n"
    )
    parsed = parse_raw(raw)
    assert parsed.subject == "Hyresavi för juli"
    assert parsed.sender_address == "avi@hyresvard.se"
    assert parsed.text == "Hyran för juli."
    assert parsed.date == datetime(2025, 7, 15, 6, 0, tzinfo=UTC)
    assert [(a.filename, a.data) for a in parsed.attachments] == [("avi.pdf", b"%PDF-1.4\n")]
    assert attachments_of_type(parsed.attachments, ["application/pdf"]) == parsed.attachments
    # The base64url "raw" of a format=raw resource parses the same.
    assert parse_raw(b64url_encode(raw)).subject == parsed.subject


def test_parse_raw_html_only_message():
    raw = compose_message(
        sender="Shop <order@shop.se>",
        to="t@example.com",
        subject="Kvitto",
        sent=datetime(2025, 1, 2, tzinfo=UTC),
        html="<p>Totalt 149,00 kr</p>",
    )
    parsed = parse_raw(raw)
    assert parsed.html is not None and "149,00" in parsed.html
    assert parsed.attachments == []


def test_attachment_hash():
    assert Attachment.of("a.pdf", "application/pdf", b"abc").sha256 == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
