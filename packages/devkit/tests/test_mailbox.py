"""The in-memory mailbox behind the local Gmail API."""

from __future__ import annotations

import base64
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from paypulse_devkit.mailbox import Mailbox, NoRecipientError, compose_message, simple_pdf

T0 = datetime(2025, 3, 14, 7, 30, tzinfo=UTC)
TENANT = "tenant@example.com"


def message(i: int = 0, **kwargs) -> bytes:
    defaults = {
        "sender": "Wallenstam <kundservice@wallenstam.se>",
        "to": "tenant@example.com",
        "subject": "Hyresavi",
        "sent": T0 + timedelta(days=i),
        "text": f"Avi {i}",
    }
    return compose_message(**{**defaults, **kwargs})


def test_ids_are_gmail_like_deterministic_and_time_ordered():
    first, second = Mailbox(), Mailbox()
    ids_a = [first.add_raw(message(i), owner="a@x.se") for i in range(5)]
    ids_b = [second.add_raw(message(i), owner="a@x.se") for i in range(5)]
    assert ids_a == ids_b
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids_a)
    assert [m.id for m in first.messages("a@x.se")] == list(reversed(ids_a))  # newest first
    assert int(ids_a[0], 16) >> 20 == int(T0.timestamp() * 1000)


def test_same_content_twice_gets_two_ids():
    box = Mailbox()
    assert box.add_raw(message()) != box.add_raw(message())
    assert len(box) == 2


def test_each_account_sees_only_its_own_messages():
    box = Mailbox()
    mine = box.add_raw(message(1), owner="Me@Example.com")
    theirs = box.add_raw(message(2), owner="other@example.com")
    addressed = box.add_raw(message(3))  # to tenant@example.com
    assert {m.id for m in box.messages("me@example.com")} == {mine}
    assert {m.id for m in box.messages("tenant@example.com")} == {addressed}
    assert box.get(theirs, "me@example.com") is None
    assert box.get(theirs, "other@example.com") is not None
    assert box.owners() == ["me@example.com", "other@example.com", "tenant@example.com"]


def test_deliver_gives_each_addressee_its_own_copy():
    box = Mailbox()
    raw = message(to="Ann <ann@gmail.com>, bo@gmail.com")
    delivered = box.deliver(raw)
    assert set(delivered) == {"ann@gmail.com", "bo@gmail.com"}
    assert delivered["ann@gmail.com"] != delivered["bo@gmail.com"]
    assert box.get(delivered["ann@gmail.com"], "bo@gmail.com") is None
    with pytest.raises(NoRecipientError):
        box.add_raw(raw)  # two addressees: the owner must be named
    # Delivered-To names the account the message was stored for (Bcc recipients).
    assert set(box.deliver(b"Delivered-To: cc@gmail.com\r\n" + raw)) == {"cc@gmail.com"}
    with pytest.raises(NoRecipientError):
        box.deliver(b"From: a@b.se\r\nSubject: x\r\n\r\nno recipient\r\n")


def test_welcome_mail_is_delivered_once_per_opened_account():
    box = Mailbox(welcome=lambda owner: [message(1, to=owner), message(2, to=owner)])
    assert box.open_account("Ann@Gmail.com") == 2
    assert box.open_account("ann@gmail.com") == 0
    assert len(box.messages("ann@gmail.com")) == 2 and box.messages("bo@gmail.com") == []
    box.open_account("bo@gmail.com")
    ann, bo = box.messages("ann@gmail.com"), box.messages("bo@gmail.com")
    assert {m.id for m in ann}.isdisjoint({m.id for m in bo})
    assert all("bo@gmail.com" in m.recipients for m in bo)


def test_internal_date_from_header_or_argument():
    box = Mailbox()
    a = box.add_raw(message())
    b = box.add_raw(message(), internal_date=datetime(2024, 1, 1, tzinfo=UTC))
    assert box.get(a, TENANT).resource["internalDate"] == str(int(T0.timestamp() * 1000))
    assert box.get(b, TENANT).resource["internalDate"] == "1704067200000"


def test_full_payload_shape_and_attachment_bytes():
    pdf = simple_pdf(["Hyresavi", "Totalt att betala 9 876"])
    box = Mailbox()
    message_id = box.add_raw(
        message(
            html="<p>Hej</p>",
            attachments=[("Hyresavi_1.pdf", "application/pdf", pdf)],
        )
    )
    stored = box.get(message_id, TENANT)
    payload = stored.resource["payload"]
    assert payload["partId"] == "" and payload["mimeType"] == "multipart/mixed"
    alt, attachment = payload["parts"]
    assert alt["partId"] == "0" and alt["mimeType"] == "multipart/alternative"
    assert [p["partId"] for p in alt["parts"]] == ["0.0", "0.1"]
    assert "data" in alt["parts"][0]["body"] and "attachmentId" not in alt["parts"][0]["body"]
    assert attachment["partId"] == "1" and attachment["filename"] == "Hyresavi_1.pdf"
    assert attachment["body"]["size"] == len(pdf)
    assert box.attachment(message_id, attachment["body"]["attachmentId"], TENANT) == pdf
    assert box.attachment(message_id, attachment["body"]["attachmentId"], "x@y.se") is None
    assert stored.has_attachment and stored.filenames == ["hyresavi_1.pdf"]
    assert stored.resource["snippet"] == "Avi 0"


def test_text_parts_are_sent_as_utf8_with_original_size():
    raw = (
        b"From: a@b.se\r\nTo: tenant@example.com\r\nSubject: =?iso-8859-1?q?F=F6rfallodag?=\r\n"
        b"Date: Fri, 14 Mar 2025 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nHyra f=F6r april\r\n"
    )
    box = Mailbox()
    stored = box.get(box.add_raw(raw), TENANT)
    body = stored.resource["payload"]["body"]
    text = base64.urlsafe_b64decode(body["data"]).decode("utf-8")
    assert text == "Hyra för april\r\n"
    assert body["size"] == len("Hyra för april\r\n".encode("latin-1"))
    assert stored.subject == "förfallodag"
    assert {"name": "Subject", "value": "Förfallodag"} in stored.resource["payload"]["headers"]


def test_from_folder_reads_eml_files(tmp_path):
    (tmp_path / "b.eml").write_bytes(message(2))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.eml").write_bytes(message(1))
    (tmp_path / "notes.txt").write_text("not mail")
    box = Mailbox.from_folder(tmp_path, owner="me@example.com")
    assert len(box) == 2
    assert len(box.messages("me@example.com")) == 2
    assert box.messages("other@example.com") == []


def test_concurrent_delivery_is_safe():
    box = Mailbox()
    ids: list[str] = []
    lock = threading.Lock()

    def deliver(worker: int) -> None:
        for i in range(25):
            new = box.add_raw(message(i, text=f"{worker}-{i}"))
            with lock:
                ids.append(new)

    threads = [threading.Thread(target=deliver, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 100 == len(box)


def test_simple_pdf_is_a_pdf():
    pdf = simple_pdf(["Trivselregler"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    import pymupdf as fitz

    with fitz.open(stream=pdf, filetype="pdf") as doc:
        assert "Trivselregler" in doc[0].get_text()


def test_demo_mailbox():
    box = Mailbox.demo("tenant@example.com", start=date(2025, 1, 1))
    rent = [m for m in box.messages("tenant@example.com") if m.subject == "hyresavi"]
    assert len(rent) == 12
    assert all("kundservice@wallenstam.se" in m.sender for m in rent)
    assert all(f.endswith(".pdf") for m in rent for f in m.filenames)
    others = [m for m in box.messages("tenant@example.com") if m.subject != "hyresavi"]
    assert len(others) >= 4
    assert any(m.filenames and "kundservice@wallenstam.se" in m.sender for m in others)
    # Sent mid-month, before the due date the PDF states.
    months = sorted({datetime.fromtimestamp(m.internal_ms / 1000, tz=UTC).month for m in rent})
    assert months == list(range(1, 13))
    again = Mailbox.demo("tenant@example.com", start=date(2025, 1, 1))
    assert again.messages(TENANT)[0].id == box.messages(TENANT)[0].id
