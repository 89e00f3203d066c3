"""An in-memory mailbox for the local Gmail API: RFC 822 messages (or recorded Gmail message
resources) per owner e-mail address, turned into Gmail's ``format=full`` shapes once on arrival.

Thread-safe (the local server answers from several threads). Message ids are deterministic
16-digit hex strings built like Gmail's: internal date in milliseconds shifted left 20 bits plus
20 bits of a content hash.

Mailboxes are per account, as in Gmail: a message is stored for one owner and no other account
can list, read or download it. Each mailbox has its own history (``history_id``, ``history``):
every change gets a history id greater than the last (with gaps, as Gmail's "increase
chronologically but are not contiguous"), and each message carries the id of the change that
added it. Changes older than ``history_retention_s`` are forgotten; a start id from before a
forgotten change can no longer be answered (the Gmail API then says 404). ``deliver`` stores one copy per addressee (``Delivered-To``, else
``To``/``Cc``), each with its own id. A mailbox built with ``welcome`` (see ``Mailbox.demo_for``)
gives every account the same kind of demo mail, addressed to it, when the account is opened
(``open_account``: the local Google calls it on authorization).
"""

from __future__ import annotations

import base64
import copy
import email
import hashlib
import html as html_lib
import re
import threading
import time as _time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage, Message
from email.utils import format_datetime, getaddresses
from functools import cached_property
from pathlib import Path

from paypulse_gmail.mime import b64url_encode, decode_header_value, parse_date_header

DEMO_SENDER = "Wallenstam Kundservice <kundservice@wallenstam.se>"
DEMO_SUBJECT = "Hyresavi"

WelcomeMail = Callable[[str], Iterable[bytes]]
# The first history id of every mailbox; ids below it were never issued.
FIRST_HISTORY_ID = 1000
# "A historyId is typically valid for at least a week" (users.history.list, startHistoryId:
# https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.history/list).
DEFAULT_HISTORY_RETENTION_S = 7 * 24 * 3600


class HistoryExpiredError(LookupError):
    """A start history id that is not (or no longer) valid for the mailbox."""


@dataclass(frozen=True)
class HistoryRecord:
    """One change of a mailbox (only additions happen here: ``messageAdded``)."""

    id: int
    at: float  # clock time of the change
    message_id: str


class NoRecipientError(ValueError):
    """A message to deliver names no addressee (or several where one owner is needed)."""


def addressees(raw: bytes) -> list[str]:
    """The accounts a message is delivered to: its ``Delivered-To`` header(s) when present
    (the account Gmail stored it for), else every ``To`` and ``Cc`` address; lower-cased,
    in order, without duplicates."""
    msg = email.message_from_bytes(raw)
    headers = msg.get_all("Delivered-To") or [
        *(msg.get_all("To") or []),
        *(msg.get_all("Cc") or []),
    ]
    found: list[str] = []
    for _, address in getaddresses([decode_header_value(str(h)) for h in headers]):
        address = address.strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


@dataclass
class StoredMessage:
    """One message as the local Gmail holds it."""

    id: str
    thread_id: str
    owner: str
    internal_ms: int
    history_id: int
    label_ids: list[str]
    resource: dict  # format=full resource (payload included)
    attachments: dict[str, bytes]  # attachmentId -> bytes
    raw: bytes | None = None
    # Search fields (lower-cased).
    sender: str = ""
    recipients: str = ""
    subject: str = ""
    text: str = ""
    filenames: list[str] = field(default_factory=list)

    # Words for search (paypulse_devkit.gmail_api), computed once per message.
    @cached_property
    def sender_words(self) -> tuple[str, ...]:
        return words(self.sender)

    @cached_property
    def recipient_words(self) -> tuple[str, ...]:
        return words(self.recipients)

    @cached_property
    def subject_words(self) -> tuple[str, ...]:
        return words(self.subject)

    @cached_property
    def searchable_words(self) -> tuple[tuple[str, ...], ...]:
        """Each searchable field's words (a phrase never spans two fields)."""
        return (
            self.subject_words,
            self.sender_words,
            self.recipient_words,
            words(self.text),
            *(words(f) for f in self.filenames),
        )

    @property
    def has_attachment(self) -> bool:
        return bool(self.filenames) or bool(self.attachments)

    @property
    def size(self) -> int:
        return int(self.resource.get("sizeEstimate") or 0)


def words(text: str) -> tuple[str, ...]:
    """The words Gmail search indexes and matches: runs of letters and digits, lower-cased
    (``kundservice@wallenstam.se`` → kundservice, wallenstam, se)."""
    return tuple(re.findall(r"[^\W_]+", text.lower()))


# --------------------------------------------------------------------- RFC 822 -> Gmail shapes
def _unfold(value: str) -> str:
    return re.sub(r"\r?\n", "", value)


def _header_list(msg: Message) -> list[dict[str, str]]:
    return [{"name": k, "value": decode_header_value(_unfold(str(v)))} for k, v in msg.items()]


def _attachment_id(message_key: str, part_id: str) -> str:
    digest = hashlib.sha256(f"{message_key}:{part_id}".encode()).digest()
    digest += hashlib.sha256(digest).digest()
    return "ANGjdJ" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _leaf_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            return inner[0].as_bytes() if isinstance(inner[0], Message) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _to_utf8(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "us-ascii")
    except (LookupError, UnicodeDecodeError):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")


@dataclass
class _Build:
    key: str
    attachments: dict[str, bytes] = field(default_factory=dict)
    filenames: list[str] = field(default_factory=list)
    text: str | None = None
    html: str | None = None


def _part(msg: Message, part_id: str, build: _Build) -> dict:
    mime = msg.get_content_type()
    filename = decode_header_value(msg.get_filename() or "")
    out: dict = {"partId": part_id, "mimeType": mime, "filename": filename}
    out["headers"] = _header_list(msg)
    if msg.is_multipart() and mime != "message/rfc822":
        out["body"] = {"size": 0}
        children = msg.get_payload()
        assert isinstance(children, list)
        prefix = "" if part_id == "" else part_id + "."
        out["parts"] = [_part(c, f"{prefix}{i}", build) for i, c in enumerate(children)]
        return out
    data = _leaf_bytes(msg)
    disposition = (msg.get_content_disposition() or "").lower()
    is_text = mime.startswith("text/")
    if filename or disposition == "attachment" or not is_text:
        attachment_id = _attachment_id(build.key, part_id)
        build.attachments[attachment_id] = data
        if filename:
            build.filenames.append(filename.lower())
        out["body"] = {"attachmentId": attachment_id, "size": len(data)}
        return out
    text = _to_utf8(data, msg.get_content_charset())
    if mime == "text/plain" and build.text is None:
        build.text = text
    elif mime == "text/html" and build.html is None:
        build.html = text
    out["body"] = {"size": len(data), "data": b64url_encode(text.encode("utf-8"))}
    return out


def _plain(html: str) -> str:
    without = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return html_lib.unescape(re.sub(r"(?s)<[^>]+>", " ", without))


def _snippet(text: str) -> str:
    collapsed = " ".join(text.split())[:200]
    return html_lib.escape(collapsed).replace("&#x27;", "&#39;")


def _message_id(owner: str, internal_ms: int, content: bytes) -> int:
    digest = hashlib.sha256(owner.encode() + b"\0" + content).digest()
    return (internal_ms << 20) | (int.from_bytes(digest[:4], "big") & 0xFFFFF)


# --------------------------------------------------------------------- composing test messages
def compose_message(
    *,
    sender: str,
    to: str,
    subject: str,
    sent: datetime,
    text: str | None = None,
    html: str | None = None,
    attachments: Iterable[tuple[str, str, bytes]] = (),
) -> bytes:
    """A deterministic RFC 822 message (fixed boundaries and Message-ID)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent if sent.tzinfo else sent.replace(tzinfo=UTC))
    seed = hashlib.sha256(f"{sender}|{to}|{subject}|{sent.isoformat()}".encode()).hexdigest()
    msg["Message-ID"] = f"<{seed[:24]}@paypulse.local>"
    msg["MIME-Version"] = "1.0"
    msg.set_content(text if text is not None else _plain(html or ""))
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, mime_type, data in attachments:
        maintype, _, subtype = mime_type.partition("/")
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename
        )
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"==pp{seed[:16]}{index}==")
    return msg.as_bytes()


def simple_pdf(lines: list[str]) -> bytes:
    """A small valid one-page PDF showing ``lines`` (ASCII/latin-1 text, Helvetica)."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(f"({esc(x)}) '" for x in lines) + " ET"
    content = stream.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --------------------------------------------------------------------- the mailbox
class Mailbox:
    """Messages per owner address; the local GmailApi reads from it. ``welcome(email)``, when
    given, yields the RFC 822 messages an account finds when it is first opened."""

    def __init__(
        self,
        *,
        welcome: WelcomeMail | None = None,
        history_retention_s: float = DEFAULT_HISTORY_RETENTION_S,
        clock: Callable[[], float] = _time.time,
    ) -> None:
        """``history_retention_s``: how long changes stay listable (may be changed later, e.g.
        0 forgets every change made so far); ``clock`` dates the changes."""
        self._lock = threading.RLock()
        self._messages: dict[str, StoredMessage] = {}
        self._attachments: dict[str, str] = {}  # attachmentId -> message id
        self._history: dict[str, int] = {}  # owner -> latest history id
        self._records: dict[str, list[HistoryRecord]] = {}  # owner -> retained changes
        self._forgotten: dict[str, int] = {}  # owner -> latest forgotten history id
        self.history_retention_s = history_retention_s
        self.clock = clock
        self._welcome = welcome
        self._opened: set[str] = set()
        # Called as listener(owner, history_id, label_ids) after each message is added (outside
        # the lock): the local Gmail's push notifications (``GmailApi`` watches).
        self.listeners: list[Callable[[str, int, list[str]], None]] = []

    def open_account(self, email_address: str) -> int:
        """Give a newly seen account its welcome mail (once per account); returns how many
        messages were delivered."""
        owner = email_address.strip().lower()
        with self._lock:
            if self._welcome is None or owner in self._opened:
                return 0
            self._opened.add(owner)
        messages = list(self._welcome(owner))
        for raw in messages:
            self.add_raw(raw, owner=owner)
        return len(messages)

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)

    # ------------------------------------------------------------------ adding
    def add_raw(
        self,
        raw: bytes,
        *,
        owner: str | None = None,
        internal_date: datetime | None = None,
        label_ids: list[str] | None = None,
    ) -> str:
        """Store an RFC 822 message in ``owner``'s mailbox (default: its one addressee, see
        ``addressees``; NoRecipientError when it has none or several); returns its Gmail
        message id. ``internal_date`` defaults to the Date header (then to now)."""
        if owner is None:
            found = addressees(raw)
            if len(found) != 1:
                raise NoRecipientError(f"{len(found)} addressees: name the owner or use deliver()")
            owner = found[0]
        msg = email.message_from_bytes(raw)
        when = internal_date or parse_date_header(msg.get("Date")) or datetime.now(UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        internal_ms = int(when.timestamp() * 1000)
        owner_key = owner.strip().lower()
        with self._lock:
            # Keyed on Message-ID when present so regenerated attachments keep their ids.
            key = str(msg.get("Message-ID") or "").encode() or raw
            number = _message_id(owner_key, internal_ms, key)
            while format(number, "x") in self._messages:
                number += 1
            message_id = format(number, "x")
            build = _Build(key=message_id)
            payload = _part(msg, "", build)
            body_text = build.text if build.text is not None else _plain(build.html or "")
            labels = list(label_ids or ["INBOX"])
            history_id = self._next_history_id(owner_key, message_id)
            resource = {
                "id": message_id,
                "threadId": message_id,
                "labelIds": labels,
                "snippet": _snippet(body_text),
                "payload": payload,
                "sizeEstimate": len(raw),
                "historyId": str(history_id),
                "internalDate": str(internal_ms),
            }
            self._store(resource, build.attachments, owner_key, raw, build.filenames, body_text)
        self._added(owner_key, history_id, labels)
        return message_id

    def deliver(self, raw: bytes, *, internal_date: datetime | None = None) -> dict[str, str]:
        """Deliver a message as an SMTP server would: one copy per addressee (see
        ``addressees``), each in that account's mailbox; returns {account: message id}.
        NoRecipientError when it names no addressee."""
        found = addressees(raw)
        if not found:
            raise NoRecipientError("the message has no Delivered-To, To or Cc address")
        return {
            owner: self.add_raw(raw, owner=owner, internal_date=internal_date) for owner in found
        }

    def add_resource(
        self,
        message: dict,
        *,
        owner: str,
        attachments: dict[str, bytes] | None = None,
    ) -> str:
        """Store a recorded Gmail message resource as is (``format=full`` shape). Attachment
        bytes default to deterministic filler of each part's ``body.size``."""
        resource = copy.deepcopy(message)
        payload = resource.setdefault("payload", {})
        blobs = dict(attachments or {})
        filenames: list[str] = []
        texts: list[str] = []
        stack = [payload]
        while stack:
            part = stack.pop()
            stack.extend(part.get("parts") or [])
            body = part.get("body") or {}
            if part.get("filename"):
                filenames.append(str(part["filename"]).lower())
            aid = body.get("attachmentId")
            if aid and aid not in blobs:
                seed = hashlib.sha256(aid.encode()).digest()
                size = int(body.get("size") or 0)
                blobs[aid] = (seed * (size // len(seed) + 1))[:size]
            if body.get("data") and str(part.get("mimeType", "")).startswith("text/"):
                from paypulse_gmail.mime import b64url_decode

                texts.append(b64url_decode(body["data"]).decode("utf-8", "replace"))
        with self._lock:
            message_id = str(resource.get("id") or "")
            if not message_id or message_id in self._messages:
                raise ValueError(f"message id missing or already present: {message_id!r}")
            owner_key = owner.strip().lower()
            # Served verbatim: a recorded historyId stays on the resource (and moves the
            # mailbox's history forward when it is ahead).
            recorded = str(resource.get("historyId") or "")
            added = self._next_history_id(
                owner_key, message_id, at_least=int(recorded) if recorded.isdigit() else 0
            )
            resource["historyId"] = recorded or str(added)
            resource.setdefault("threadId", message_id)
            resource.setdefault("labelIds", ["INBOX"])
            resource.setdefault("internalDate", "0")
            self._store(resource, blobs, owner_key, None, filenames, " ".join(texts))
        self._added(owner_key, added, list(resource["labelIds"]))
        return message_id

    def _added(self, owner: str, history_id: int, label_ids: list[str]) -> None:
        for listener in list(self.listeners):
            listener(owner, history_id, label_ids)

    def _next_history_id(self, owner: str, message_id: str, *, at_least: int = 0) -> int:
        """Record that ``message_id`` was added to ``owner``'s mailbox; returns the change's
        history id (greater than every earlier one, with a gap of 1-4 derived from the id;
        ``at_least`` when that is larger). Call with the lock held."""
        step = 1 + hashlib.sha256(message_id.encode()).digest()[0] % 4
        history_id = max(self._history.get(owner, FIRST_HISTORY_ID) + step, at_least)
        self._history[owner] = history_id
        self._records.setdefault(owner, []).append(
            HistoryRecord(history_id, self.clock(), message_id)
        )
        return history_id

    def _store(
        self,
        resource: dict,
        attachments: dict[str, bytes],
        owner: str,
        raw: bytes | None,
        filenames: list[str],
        body_text: str,
    ) -> None:
        headers: dict[str, str] = {}
        for item in resource["payload"].get("headers") or []:
            name = str(item.get("name", "")).lower()
            headers[name] = (headers.get(name, "") + " " + str(item.get("value", ""))).strip()
        stored = StoredMessage(
            id=resource["id"],
            thread_id=resource["threadId"],
            owner=owner,
            internal_ms=int(resource["internalDate"]),
            history_id=int(resource["historyId"]),
            label_ids=resource["labelIds"],
            resource=resource,
            attachments=attachments,
            raw=raw,
            sender=decode_header_value(headers.get("from", "")).lower(),
            recipients=" ".join(
                decode_header_value(headers.get(h, "")) for h in ("to", "cc", "delivered-to")
            ).lower(),
            subject=decode_header_value(headers.get("subject", "")).lower(),
            text=body_text.lower(),
            filenames=filenames,
        )
        self._messages[stored.id] = stored
        for attachment_id in attachments:
            self._attachments[attachment_id] = stored.id

    # ------------------------------------------------------------------ reading
    def messages(self, owner: str) -> list[StoredMessage]:
        """``owner``'s messages, newest first."""
        key = owner.strip().lower()
        with self._lock:
            found = [m for m in self._messages.values() if m.owner == key]
        return sorted(found, key=lambda m: (m.internal_ms, m.id), reverse=True)

    def owners(self) -> list[str]:
        """Every account holding at least one message."""
        with self._lock:
            return sorted({m.owner for m in self._messages.values()})

    def get(self, message_id: str, owner: str) -> StoredMessage | None:
        """``owner``'s message ``message_id`` (None when it is missing or another account's)."""
        with self._lock:
            message = self._messages.get(message_id)
        if message is None or message.owner != owner.strip().lower():
            return None
        return message

    def attachment(self, message_id: str, attachment_id: str, owner: str) -> bytes | None:
        message = self.get(message_id, owner)
        if message is None:
            return None
        return message.attachments.get(attachment_id)

    def history_id(self, owner: str) -> int:
        """The id of ``owner``'s latest change (``users.getProfile``'s ``historyId``)."""
        with self._lock:
            return self._history.get(owner.strip().lower(), FIRST_HISTORY_ID)

    def history(self, owner: str, start_history_id: int) -> tuple[list[HistoryRecord], int]:
        """``owner``'s changes after ``start_history_id``, oldest first, and the mailbox's
        latest history id (read together). HistoryExpiredError
        when that id was never issued (below the first or above the latest) or a change after
        it was already forgotten (older than ``history_retention_s``)."""
        key = owner.strip().lower()
        with self._lock:
            records = self._records.get(key, [])
            horizon = self.clock() - self.history_retention_s
            kept = [r for r in records if r.at > horizon]
            if len(kept) < len(records):
                forgotten = max(r.id for r in records if r.at <= horizon)
                self._forgotten[key] = max(self._forgotten.get(key, 0), forgotten)
                self._records[key] = kept
            latest = self._history.get(key, FIRST_HISTORY_ID)
            if not FIRST_HISTORY_ID <= start_history_id <= latest:
                raise HistoryExpiredError(start_history_id)
            if start_history_id < self._forgotten.get(key, 0):
                raise HistoryExpiredError(start_history_id)
            return [r for r in kept if r.id > start_history_id], latest

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_folder(cls, path: str | Path, *, owner: str | None = None) -> Mailbox:
        """Every ``*.eml`` file under ``path`` (sorted by name), in ``owner``'s mailbox or
        delivered to each message's addressees."""
        mailbox = cls()
        for file in sorted(Path(path).rglob("*.eml")):
            if owner is None:
                mailbox.deliver(file.read_bytes())
            else:
                mailbox.add_raw(file.read_bytes(), owner=owner)
        return mailbox

    @classmethod
    def demo(
        cls,
        owner: str,
        *,
        months: int = 12,
        start: date | None = None,
        seed: int = 7,
        retail: bool = True,
    ) -> Mailbox:
        """``owner``'s mailbox holding the demo mail (see ``demo_messages``)."""
        mailbox = cls()
        for raw in demo_messages(owner, months=months, start=start, seed=seed, retail=retail):
            mailbox.add_raw(raw, owner=owner)
        return mailbox

    @classmethod
    def demo_for(
        cls,
        *,
        months: int = 12,
        start: date | None = None,
        seed: int = 7,
        retail: bool = True,
    ) -> Mailbox:
        """An empty mailbox in which every account, once opened (authorized at the local
        Google), finds the demo mail addressed to it."""

        def welcome(owner: str) -> list[bytes]:
            return demo_messages(owner, months=months, start=start, seed=seed, retail=retail)

        return cls(welcome=welcome)


def demo_messages(
    to: str,
    *,
    months: int = 12,
    start: date | None = None,
    seed: int = 7,
    retail: bool = True,
) -> list[bytes]:
    """The demo mail addressed to ``to``: ``months`` monthly rent notices ("Hyresavi" with a
    PDF, sent mid-month before the due date) from kundservice@wallenstam.se, unrelated mail
    (newsletters, one from the same landlord, a shop receipt and a same-sender mail with a
    non-invoice PDF) and, with ``retail``, order confirmations from five vendors of
    vendor_configs/ (demo_retail)."""
    from paypulse_devkit.demo_invoices import demo_hyresavi_series

    invoices = demo_hyresavi_series(months, start=start, seed=seed)
    out = [
        rent_notice(
            to,
            sent=datetime.combine(invoice.due - timedelta(days=16), time(6, 30), tzinfo=UTC),
            filename=invoice.filename,
            pdf=invoice.pdf,
        )
        for invoice in invoices
    ]
    out += unrelated_messages(to, _demo_anchor(invoices))
    if retail:
        from paypulse_devkit.demo_retail import demo_orders

        out += [order.raw(to) for order in demo_orders()]
    return out


def rent_notice(to: str, *, sent: datetime, filename: str, pdf: bytes) -> bytes:
    """A rent notice as the demo landlord sends it: "Hyresavi" with the PDF attached."""
    return compose_message(
        sender=DEMO_SENDER,
        to=to,
        subject=DEMO_SUBJECT,
        sent=sent,
        text="Hej!\n\nHär kommer din hyresavi. Se bifogad PDF.\n\nVänliga hälsningar\n"
        "Wallenstam Kundservice\n",
        attachments=[(filename, "application/pdf", pdf)],
    )


def _demo_anchor(invoices: list) -> date:
    if invoices:
        return min(i.due for i in invoices)
    return datetime.now(UTC).date()


def unrelated_messages(to: str, anchor: date) -> list[bytes]:
    """Mail a rent-notice search must not pick up (dates spread after ``anchor``)."""

    def at(days: int) -> datetime:
        return datetime.combine(anchor + timedelta(days=days), time(9, 15), tzinfo=UTC)

    return [
        compose_message(
            sender="Wallenstam <nyhetsbrev@wallenstam.se>",
            to=to,
            subject="Nyheter från Wallenstam: vårens aktiviteter",
            sent=at(20),
            html="<html><body><h1>Nyhetsbrev</h1>"
            "<p>Välkommen på gårdsfest i maj!</p></body></html>",
        ),
        compose_message(
            sender="SJ <nyhetsbrev@sj.se>",
            to=to,
            subject="Res billigt i sommar",
            sent=at(45),
            html="<html><body><p>Biljetter från 195 kr.</p></body></html>",
        ),
        compose_message(
            sender="Webbhallen <order@webhallen.com>",
            to=to,
            subject="Kvitto för order 4711",
            sent=at(60),
            html="<html><body><table><tr><td>USB-C kabel</td><td>149,00 kr</td></tr>"
            "<tr><td>Totalt</td><td>149,00 kr</td></tr></table></body></html>",
        ),
        compose_message(
            sender=DEMO_SENDER,
            to=to,
            subject="Information om trivselregler",
            sent=at(75),
            text="Hej! Bifogat finns husets trivselregler.",
            attachments=[
                (
                    "Trivselregler.pdf",
                    "application/pdf",
                    simple_pdf(["Trivselregler", "Visa hansyn mot dina grannar."]),
                )
            ],
        ),
        compose_message(
            sender="Kalle Anka <kalle@example.com>",
            to=to,
            subject="Re: grillkväll på lördag",
            sent=at(90),
            text="Jag tar med korv. Ses vid sex!",
        ),
    ]
