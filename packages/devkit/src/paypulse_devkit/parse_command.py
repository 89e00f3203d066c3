"""`paypulse parse FILE [--category C] [--template T]`: parse one invoice document and print
one JSON object: kind, vendor_name, total_amount (the amount to pay), currency (ISO 4217),
invoice_date, due_date, payment_reference, order_id, line_items, method (xml / markup / rules /
llm), extractor, confidence, document_type, gross_amount, prepaid_amount, invoice_number,
language, status (+ fields, problems). PDFs go through the PDF parser (embedded Factur-X /
ZUGFeRD XML first, then template / generic text); .xml through the CII/UBL reader; .html, .htm,
.eml and .txt through retail extraction (e-invoice attachment, markup, rules, then Gemini when
PAYPULSE_GEMINI_API_KEY is set and the rules leave the document unsettled)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from paypulse_common.categories import RETAIL_SUB_TYPES

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".eml": "message/rfc822",
    ".txt": "text/plain",
}
MAX_BYTES = 20 * 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--category", choices=RETAIL_SUB_TYPES, help="retail sub-type")
    parser.add_argument(
        "--template", default="hyresavi", help="PDF template (default hyresavi; 'none': generic)"
    )


def parse_file(
    path: Path, *, category: str | None = None, template: str | None = "hyresavi"
) -> dict[str, Any]:
    data = path.read_bytes()[: MAX_BYTES + 1]
    if len(data) > MAX_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    suffix = path.suffix.lower()
    if suffix == ".xml":
        from paypulse_parsers.einvoice import parse_einvoice

        found = parse_einvoice(data)
        if found is None:
            raise ValueError(f"{path.name} is not a CII or UBL e-invoice (or not safe XML)")
        doc = found
    elif suffix == ".pdf":
        from paypulse_parsers.rental import parse_pdf

        doc = parse_pdf(data, filename=path.name, template=None if template == "none" else template)
    elif suffix in CONTENT_TYPES:
        from paypulse_parsers.retail import GeminiSettings, extract_retail

        key = os.environ.get("PAYPULSE_GEMINI_API_KEY")
        gemini = (
            GeminiSettings(api_key=key, base_url=os.environ.get("PAYPULSE_GEMINI_BASE_URL"))
            if key
            else None
        )
        doc = asyncio.run(
            extract_retail(
                data, content_type=CONTENT_TYPES[suffix], category=category, gemini=gemini
            )
        )
    else:
        raise ValueError(f"unsupported file type {suffix!r} (pdf, xml, html, htm, eml, txt)")
    return doc.to_json()


def run(args: argparse.Namespace) -> int:
    from paypulse_common.errors import InvoiceParseError

    try:
        result = parse_file(args.file, category=args.category, template=args.template)
    except FileNotFoundError:
        print(f"paypulse parse: no such file: {args.file}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"paypulse parse: {exc}", file=sys.stderr)
        return 2
    except InvoiceParseError as exc:
        result = {
            "status": "failed",
            "reason": getattr(exc, "reason", "unparseable"),
            "error": exc.message,
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result.get("status") != "failed" else 1
