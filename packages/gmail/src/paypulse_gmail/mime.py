"""Gmail message resources (``format=full`` part trees, ``format=raw``) and RFC 822 messages:
headers, text/html bodies and attachments. Standard library only.

Gmail facts this module relies on: the top-level part has ``partId`` ``""`` and children ``"0"``,
``"0.1"``…; ``body.data`` is base64url (padding optional) and Gmail re-encodes text parts to UTF-8
whatever their declared charset; attachments carry ``body.attachmentId`` (or inline ``data``);
a PDF often arrives as ``application/octet-stream`` with a ``.pdf`` filename.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime

# Content types senders use when they do not know (or do not say) what a file is.
GENERIC_TYPES = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/binary",
        "application/download",
        "application/force-download",
        "application/x-download",
        "application/unknown",
    }
)
_ALIASES = {"application/x-pdf": "application/pdf", "application/acrobat": "application/pdf"}


def b64url_decode(data: str | bytes) -> bytes:
    """Decode base64url (or standard base64) with or without ``=`` padding."""
    text = data.decode("ascii") if isinstance(data, bytes) else data
    text = "".join(text.split()).rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid base64url data") from exc


def b64url_encode(data: bytes) -> str:
    """Base64url with padding, as Gmail returns ``body.data`` and ``raw``."""
    return base64.urlsafe_b64encode(data).decode("ascii")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _decode_word(match: re.Match[str]) -> str:
    charset, kind, text = match.group(1).split("*")[0], match.group(2).lower(), match.group(3)
    try:
        if kind == "b":
            data = base64.b64decode(text + "=" * (-len(text) % 4))
        else:
            data = binascii.a2b_qp(text.encode("ascii"), header=True)
        return data.decode(charset, errors="replace")
    except (LookupError, ValueError, binascii.Error):
        return match.group(0)


def decode_header_value(value: str | None) -> str:
    """Unfold and decode RFC 2047 encoded words in place (also inside quoted parameters);
    plain values come back unchanged."""
    if not value:
        return ""
    unfolded = re.sub(r"\r?\n", "", value)
    if "=?" not in unfolded:
        return unfolded.strip()
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
    joined = re.sub(r"(\?=)\s+(?==\?)", r"\1", unfolded)
    return _ENCODED_WORD.sub(_decode_word, joined).strip()


def sender_address(from_value: str) -> str:
    """The lower-cased e-mail address of a From header ("Name <a@b>" → "a@b")."""
    return parseaddr(decode_header_value(from_value))[1].lower()


def parse_date_header(value: str | None) -> datetime | None:
    """A Date header as an aware UTC datetime (None when missing or unparsable)."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def normalise_type(mime_type: str | None, filename: str = "") -> str:
    """The effective content type: aliases mapped, generic types guessed from the filename."""
    value = (mime_type or "").split(";")[0].strip().lower()
    value = _ALIASES.get(value, value)
    if value in GENERIC_TYPES and filename:
        guessed = mimetypes.guess_type(filename, strict=False)[0]
        if guessed:
            return _ALIASES.get(guessed, guessed)
    return value or "application/octet-stream"


# ----------------------------------------------------------------------- format=full part trees
def walk_parts(payload: dict) -> Iterator[dict]:
    """Every part of a Gmail payload, depth first, the payload itself first."""
    stack = [payload]
    while stack:
        part = stack.pop()
        yield part
        stack.extend(reversed(part.get("parts") or []))


def part_headers(part: dict) -> dict[str, str]:
    """A part's headers by lower-cased name (first occurrence wins), values decoded."""
    out: dict[str, str] = {}
    for item in part.get("headers") or []:
        name = str(item.get("name", "")).lower()
        if name and name not in out:
            out[name] = decode_header_value(item.get("value"))
    return out


def _is_attachment(part: dict) -> bool:
    mime = str(part.get("mimeType", "")).lower()
    if mime.startswith("multipart/"):
        return False
    body = part.get("body") or {}
    if part.get("filename"):
        return True
    disposition = part_headers(part).get("content-disposition", "").lower()
    if disposition.startswith("attachment"):
        return True
    return bool(body.get("attachmentId")) and not mime.startswith("text/")


@dataclass(frozen=True)
class AttachmentPart:
    """An attachment found in a part tree; ``data`` is set when Gmail sent it inline."""

    part_id: str
    filename: str
    mime_type: str
    size: int
    attachment_id: str | None = None
    data: bytes | None = None

    @property
    def effective_type(self) -> str:
        return normalise_type(self.mime_type, self.filename)


def find_attachments(
    payload: dict, mime_types: Iterable[str] | None = ("application/pdf",)
) -> list[AttachmentPart]:
    """Attachments of a ``format=full`` payload, in part order, optionally filtered by type
    (``application/octet-stream`` + ``x.pdf`` counts as ``application/pdf``)."""
    wanted = None if mime_types is None else {normalise_type(t) for t in mime_types}
    found: list[AttachmentPart] = []
    for part in walk_parts(payload):
        if not _is_attachment(part):
            continue
        body = part.get("body") or {}
        filename = decode_header_value(part.get("filename"))
        item = AttachmentPart(
            part_id=str(part.get("partId", "")),
            filename=filename,
            mime_type=str(part.get("mimeType", "")),
            size=int(body.get("size") or 0),
            attachment_id=body.get("attachmentId"),
            data=b64url_decode(body["data"]) if body.get("data") else None,
        )
        if wanted is None or item.effective_type in wanted:
            found.append(item)
    return found


def oversized_attachments(
    payload: dict, max_bytes: int, mime_types: Iterable[str] | None = ("application/pdf",)
) -> list[AttachmentPart]:
    """The attachments of a ``format=full`` payload whose ``body.size`` is over ``max_bytes``:
    decided from the part tree alone, before anything is downloaded."""
    return [p for p in find_attachments(payload, mime_types) if p.size > max_bytes]


def _declared_charset(part: dict) -> str | None:
    content_type = part_headers(part).get("content-type", "")
    msg = Message()
    msg["Content-Type"] = content_type or "text/plain"
    return msg.get_content_charset()


def decode_text(data: bytes, charset: str | None, *, utf8_first: bool = True) -> str:
    """Bytes to text: UTF-8 first (what Gmail sends), then the declared charset, then latin-1."""
    candidates = (["utf-8"] if utf8_first else []) + ([charset] if charset else [])
    for name in candidates:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def message_bodies(payload: dict) -> tuple[str | None, str | None]:
    """The first text/plain and text/html bodies of a part tree (not attachments)."""
    text = html = None
    for part in walk_parts(payload):
        mime = str(part.get("mimeType", "")).lower()
        if mime not in ("text/plain", "text/html") or _is_attachment(part):
            continue
        data = (part.get("body") or {}).get("data")
        if not data:
            continue
        value = decode_text(b64url_decode(data), _declared_charset(part))
        if mime == "text/plain" and text is None:
            text = value
        elif mime == "text/html" and html is None:
            html = value
    return text, html


@dataclass(frozen=True)
class MessageInfo:
    """The fields of a Gmail message resource that callers decide on."""

    id: str
    thread_id: str
    subject: str
    sender: str
    sender_address: str
    date: datetime | None
    internal_date: datetime | None
    snippet: str
    label_ids: tuple[str, ...] = ()


def message_info(message: dict) -> MessageInfo:
    """Summary of a ``format=full`` or ``format=metadata`` message resource."""
    headers = part_headers(message.get("payload") or {})
    internal = message.get("internalDate")
    internal_date = (
        datetime.fromtimestamp(int(internal) / 1000, tz=UTC) if internal not in (None, "") else None
    )
    sender = headers.get("from", "")
    return MessageInfo(
        id=str(message.get("id", "")),
        thread_id=str(message.get("threadId", "")),
        subject=headers.get("subject", ""),
        sender=sender,
        sender_address=parseaddr(sender)[1].lower(),
        date=parse_date_header(headers.get("date")),
        internal_date=internal_date,
        snippet=str(message.get("snippet", "")),
        label_ids=tuple(message.get("labelIds") or ()),
    )


# ----------------------------------------------------------------------- downloaded attachments
@dataclass(frozen=True)
class Attachment:
    """Attachment bytes with their name, type and SHA-256 (hex)."""

    filename: str
    mime_type: str
    data: bytes
    sha256: str

    @classmethod
    def of(cls, filename: str, mime_type: str, data: bytes) -> Attachment:
        return cls(filename, mime_type, data, hashlib.sha256(data).hexdigest())


# ----------------------------------------------------------------------- RFC 822 (format=raw)
@dataclass(frozen=True)
class ParsedEmail:
    """An RFC 822 message read with the standard library."""

    subject: str
    sender: str
    sender_address: str
    to: str
    date: datetime | None
    text: str | None
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def _mime_part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_text(payload, part.get_content_charset(), utf8_first=False)


def parse_raw(raw: bytes | str) -> ParsedEmail:
    """Parse RFC 822 bytes, or the base64url ``raw`` string of a ``format=raw`` resource."""
    import email

    data = b64url_decode(raw) if isinstance(raw, str) else raw
    msg = email.message_from_bytes(data)
    text = html = None
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = decode_header_value(part.get_filename())
        disposition = (part.get_content_disposition() or "").lower()
        mime = part.get_content_type()
        if filename or disposition == "attachment" or not mime.startswith("text/"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and (filename or disposition == "attachment"):
                attachments.append(Attachment.of(filename, mime, payload))
            continue
        if mime == "text/plain" and text is None:
            text = _mime_part_text(part)
        elif mime == "text/html" and html is None:
            html = _mime_part_text(part)
    headers: dict[str, str] = {}
    for name, value in msg.items():
        headers.setdefault(name.lower(), decode_header_value(str(value)))
    sender = headers.get("from", "")
    return ParsedEmail(
        subject=headers.get("subject", ""),
        sender=sender,
        sender_address=parseaddr(sender)[1].lower(),
        to=headers.get("to", ""),
        date=parse_date_header(headers.get("date")),
        text=text,
        html=html,
        attachments=attachments,
        headers=headers,
    )


def attachments_of_type(
    attachments: Iterable[Attachment], mime_types: Iterable[str] | None
) -> list[Attachment]:
    """Filter downloaded/parsed attachments by effective type (None keeps all)."""
    if mime_types is None:
        return list(attachments)
    wanted = {normalise_type(t) for t in mime_types}
    return [a for a in attachments if normalise_type(a.mime_type, a.filename) in wanted]
