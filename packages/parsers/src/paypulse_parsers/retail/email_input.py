"""Turn the raw input (HTML, .eml, text; bytes or str) into one bounded, decoded body plus the
sender/subject/date headers. Never raises: unknown charsets, bad transfer encodings and binary
junk decode with fallbacks; oversized input is truncated and reported."""

from __future__ import annotations

import codecs
import email
import email.policy
import logging
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime

log = logging.getLogger(__name__)
MAX_RAW_BYTES = 10_000_000  # an .eml with base64 parts inflates ~4/3
MAX_BODY_CHARS = 2_000_000  # HTML kept for parsing
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_HEADER_START = re.compile(
    rb"^(?:(?:Received|Return-Path|Delivered-To|MIME-Version|From|To|Subject|Date|Message-ID|"
    rb"Content-Type|X-[\w-]+|DKIM-Signature|ARC-[\w-]+|Reply-To)[ \t]*:)",
    re.I,
)


@dataclass
class EmailInput:
    body: str
    is_html: bool
    sender: str | None = None
    subject: str | None = None
    date: str | None = None  # ISO date of the Date header
    problems: list[str] = field(default_factory=list)
    plain: str | None = None  # the text/plain alternative of an HTML mail
    # (filename, content type, bytes) of XML / PDF attachments (possible e-invoices)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, codec used): BOM, declared/meta charset, UTF-8, cp1252, then latin-1."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    names = []
    if declared and _single_byte(declared) and _is_multibyte_utf8(data):
        names.append("utf-8")  # declared latin-1/ascii, but the bytes are UTF-8
    if declared:
        names.append(declared)
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        names.append(meta.group(1).decode("ascii", "ignore"))
    names += ["utf-8", "cp1252"]
    for name in names:
        try:
            codec = codecs.lookup(name.strip().lower()).name
        except (LookupError, ValueError):
            continue
        if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32") and name not in ("utf-16",):
            continue  # a meta tag cannot really declare UTF-16 in a byte-sniffed document
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"


def _single_byte(name: str) -> bool:
    try:
        return codecs.lookup(name.strip().lower()).name in (
            "ascii",
            "latin-1",
            "iso8859-1",
            "iso8859-15",
            "cp1252",
        )
    except (LookupError, ValueError):
        return False


def _is_multibyte_utf8(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_LITERAL_BREAKS = re.compile(r"\\r\\n|\\n|\\r|\\t")
_QP_SOFT_BREAK = re.compile(r"=\r?\n")
_QP_ESCAPE = re.compile(r"=(?:3D|20|0A|C3|E2|A0)", re.I)


def unescape_body(text: str) -> str:
    """A body as it should have arrived: HTML/text whose line breaks came as the two
    characters ``\\n`` (a JSON- or log-escaped copy) gets real ones; a body still in
    quoted-printable (``=3D``, ``=`` soft breaks) is decoded."""
    sample = text[:20000]
    if len(_LITERAL_BREAKS.findall(sample)) >= 3 and sample.count("\n") < 3:
        text = _LITERAL_BREAKS.sub(lambda m: {"\\t": "\t"}.get(m.group(0), "\n"), text).replace(
            '\\"', '"'
        )
    if len(_QP_ESCAPE.findall(sample)) >= 3 and (
        _QP_SOFT_BREAK.search(sample) or "=3D" in sample.upper()
    ):
        import quopri

        raw = quopri.decodestring(text.encode("utf-8", "replace"))
        text, _ = decode_bytes(raw)
    return text


# Both start with a literal, so the engine skips ahead to candidates instead of trying an
# alternation at every position of a 200 kB body (that was 1/6 of a retail parse).
_FORWARDED = re.compile(
    r"--\s*(?:forwarded message|original message|weitergeleitete nachricht|"
    r"ursprüngliche nachricht|message transféré|message d'origine|vidarebefordrat meddelande|"
    r"videresendt (?:melding|meddelelse)|doorgestuurd bericht|mensaje reenviado|"
    r"messaggio inoltrato|mensagem encaminhada|wiadomość przekazana|přeposlaná zpráva)\s*-{2,}",
    re.I,
)
_BEGIN_FORWARDED = re.compile(r"^begin forwarded message:", re.I | re.M)  # Apple Mail
_FORWARDED_FROM = re.compile(
    r"^\s*(?:\*\s*)?(?:from|von|de|från|fra|van|da|od)\s*:\s*\**\s*(?P<who>[^\n]{3,200})",
    re.I | re.M,
)


def forwarded_sender(text: str) -> str | None:
    """The original sender of a forwarded mail (the ``From:`` line after the marker)."""
    marker = _FORWARDED.search(text)
    if "orwarded" in text or "ORWARDED" in text:  # a cheap test before a case-blind scan
        begin = _BEGIN_FORWARDED.search(text, 0, marker.start() if marker else len(text))
        marker = begin or marker
    if not marker:
        return None
    found = _FORWARDED_FROM.search(text, marker.end(), marker.end() + 2000)
    if not found:
        return None
    who = re.sub(r"<[^>@]*>", "", found.group("who"))  # HTML tags, not the address
    return who.replace("&lt;", "<").replace("&gt;", ">").strip() or None


def _looks_like_email(data: bytes) -> bool:
    head = data[:4096].lstrip()
    return bool(_HEADER_START.match(head)) and (b"\n\n" in data or b"\r\n\r\n" in data)


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
        return str(value) if value is not None else None
    except Exception:
        return None


_DOC_TYPES = frozenset({"application/xml", "text/xml", "application/pdf"})
MAX_ATTACHMENTS = 10


def _attachments(msg: Message) -> list[tuple[str, str, bytes]]:
    """XML and PDF parts (by type or file name), decoded; at most MAX_ATTACHMENTS."""
    found = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = (part.get_filename() or "").strip()
        ctype = part.get_content_type()
        if ctype not in _DOC_TYPES and not name.lower().endswith((".xml", ".pdf")):
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception as exc:  # a broken transfer encoding in one part
            log.info("attachment not decodable: %s", type(exc).__name__)
            continue
        if isinstance(payload, bytes) and payload:
            found.append((name, ctype, payload))
        if len(found) >= MAX_ATTACHMENTS:
            break
    return found


def _pick_part(msg: Message) -> tuple[Message | None, bool]:
    html, plain = _parts(msg)
    if html is not None:
        return html, True
    return plain, False


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "replace")
    elif not isinstance(payload, bytes):
        payload = b""
    text, _ = decode_bytes(payload, part.get_content_charset())
    return text


def _parts(msg: Message) -> tuple[Message | None, Message | None]:
    """The first text/html and text/plain body parts (attachments excluded)."""
    html = plain = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        ctype = part.get_content_type()
        if disposition == "attachment":
            continue
        if ctype == "text/html" and html is None:
            html = part
        elif ctype == "text/plain" and plain is None:
            plain = part
    return html, plain


def _from_email(data: bytes, problems: list[str]) -> EmailInput:
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    part, is_html = _pick_part(msg)
    if part is None:
        problems.append("e-mail has no text/html or text/plain part")
        body = ""
    else:
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:
            payload = b""
            problems.append("e-mail body could not be decoded")
        if isinstance(payload, str):
            payload = payload.encode("utf-8", "replace")
        elif not isinstance(payload, bytes):
            payload = b""
        body, _ = decode_bytes(payload, part.get_content_charset())
    alternative = None
    if is_html:
        _html, plain_part = _parts(msg)
        if plain_part is not None:
            try:
                alternative = _decoded(plain_part)
            except Exception as exc:  # a broken transfer encoding in the alternative
                log.info("text/plain alternative not decodable: %s", type(exc).__name__)
    sender = _decode_header(_header(msg, "From"))
    subject = _decode_header(_header(msg, "Subject"))
    iso = None
    raw_date = _header(msg, "Date")
    if raw_date:
        try:
            iso = parsedate_to_datetime(raw_date).date().isoformat()
        except (TypeError, ValueError, IndexError):
            iso = None
    return EmailInput(body, is_html, sender, subject, iso, problems, alternative, _attachments(msg))


def _decode_header(value: str | None) -> str | None:
    if not value:
        return value
    try:
        from email.header import decode_header, make_header

        return str(make_header(decode_header(value)))
    except Exception:
        return value


def read_input(document: bytes | str, content_type: str = "text/html") -> EmailInput:
    """Decode and bound one document. ``content_type``: text/html, text/plain or message/rfc822
    (a document that starts with e-mail headers is read as an e-mail whatever the type says)."""
    problems: list[str] = []
    ctype = (content_type or "text/html").split(";")[0].strip().lower()
    declared = None
    if isinstance(document, str):
        data, declared = document.encode("utf-8", "replace"), "utf-8"
    else:
        data = bytes(document)
    if len(data) > MAX_RAW_BYTES:
        data = data[:MAX_RAW_BYTES]
        problems.append(f"input larger than {MAX_RAW_BYTES} bytes was truncated")
    from paypulse_parsers.einvoice import looks_like_einvoice

    if ctype == "message/rfc822" or (data.lstrip()[:1] != b"<" and _looks_like_email(data)):
        result = _from_email(data, problems)
    elif looks_like_einvoice(data):  # a standalone CII / UBL document
        result = EmailInput("", False, problems=problems, attachments=[("", "text/xml", data)])
    else:
        text, _ = decode_bytes(data, declared)
        is_html = ctype != "text/plain" and bool(re.search(r"<[a-zA-Z!/]", text[:100_000]))
        result = EmailInput(text, is_html, problems=problems)
    if len(result.body) > MAX_BODY_CHARS:
        result.body = result.body[:MAX_BODY_CHARS]
        result.problems.append(f"body longer than {MAX_BODY_CHARS} characters was truncated")
    result.body = unescape_body(result.body.replace("\x00", ""))
    if not result.is_html and re.search(r"<(?:html|body|table|div|p)\b", result.body[:20000], re.I):
        result.is_html = True  # HTML sent as text/plain (or unescaped above)
    original = forwarded_sender(result.body[:200_000])
    if original:
        result.sender = original
    return result
