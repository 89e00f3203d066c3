"""The e-invoice XML embedded in a PDF/A-3 (Factur-X / ZUGFeRD / XRechnung hybrid).

Factur-X 1.0 names the file ``factur-x.xml``; ZUGFeRD 2.x ``zugferd-invoice.xml`` (1.0:
``ZUGFeRD-invoice.xml``); XRechnung hybrids ``xrechnung.xml``. Known names are tried first, then
any other ``.xml`` attachment whose head names the CII/UBL namespace. pymupdf (already used for
the text) lists and extracts the files; the ``factur-x`` library would add pypdf + lxml for the
same lookup.
"""

from __future__ import annotations

import logging
from typing import Any

from paypulse_parsers.einvoice import MAX_XML_BYTES, looks_like_einvoice

KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
log = logging.getLogger(__name__)
MAX_ATTACHMENTS = 50  # a hybrid invoice carries a handful; bounds the work on crafted files


def embedded_xml(doc: Any) -> list[tuple[str, bytes]]:
    """(name, bytes) of the e-invoice XML files attached to an open pymupdf Document."""
    try:
        names = list(doc.embfile_names())[:MAX_ATTACHMENTS]
    except Exception:
        return []
    ranked = sorted(
        (n for n in names if n.lower().endswith(".xml")),
        key=lambda n: (n.lower() not in KNOWN_NAMES, n.lower()),
    )
    found = []
    for name in ranked:
        try:
            info = doc.embfile_info(name)
            if int(info.get("size") or 0) > MAX_XML_BYTES:
                continue
            data = doc.embfile_get(name)
        except Exception as exc:  # mupdf's own FzError* types for a broken stream
            log.info("embedded file unreadable: %s", type(exc).__name__)
            continue
        if len(data) <= MAX_XML_BYTES and looks_like_einvoice(data):
            found.append((name, bytes(data)))
    return found
