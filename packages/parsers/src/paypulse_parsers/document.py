"""The result every parser returns, whatever the input (PDF, HTML, EML, text).

``paypulse parse FILE`` prints ``ParsedDocument.to_json()``; the services map it onto table rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["rental", "retail", "unknown"]
Status = Literal["parsed", "needs_review", "failed", "skipped"]
Method = Literal["xml", "markup", "rules", "llm"]


@dataclass
class LineItem:
    name: str
    amount: Decimal | None = None  # line total (price x quantity when both known)
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedDocument:
    kind: Kind
    vendor_name: str | None
    total_amount: Decimal | None  # the amount to pay
    currency: str | None  # ISO 4217
    invoice_date: str | None  # YYYY-MM-DD
    due_date: str | None  # YYYY-MM-DD
    payment_reference: str | None  # e.g. Swedish OCR number
    order_id: str | None
    line_items: list[LineItem] = field(default_factory=list)
    method: Method = "rules"  # how the amount was found: xml | markup | rules | llm
    status: Status = "parsed"
    fields: dict[str, Any] = field(default_factory=dict)  # template/category specific extras
    problems: list[str] = field(default_factory=list)  # why needs_review / failed
    # which extractor: cii | ubl | schema.org | hyresavi-template | generic-pdf | rules | gemini ...
    extractor: str = "unknown"
    confidence: float = 0.0  # 0..1, how sure the amount and currency are
    # invoice | credit_note | refund | receipt | corrected_invoice ... (credit_note and refund
    # carry a negative total_amount: total_amount is signed from the payer's side)
    document_type: str = "invoice"
    gross_amount: Decimal | None = None  # total incl. tax before prepayments, when printed
    prepaid_amount: Decimal | None = None  # already paid / prepayments deducted
    invoice_number: str | None = None
    language: str | None = None  # ISO 639-1 of the document text, when known

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: Decimals become int when integral, else float."""
        return _plain(asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
