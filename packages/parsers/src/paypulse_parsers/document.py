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
    # invoice | credit_note | receipt. total_amount is signed from the payer's side: a credit
    # note's is negative (the customer is owed it); any other negative amount is needs_review.
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


MAX_AMOUNT = Decimal(1_000_000_000)  # no household bill is this large: a misread number


def check_amount(doc: ParsedDocument) -> ParsedDocument:
    """The plausibility rules every extractor's result passes (rules, XML and the model alike):
    an amount beyond 10^9 (or not finite) is dropped and the result failed; more than two
    decimals, or a negative amount on anything but a credit note, is needs_review."""
    total = doc.total_amount
    if total is None:
        return doc
    if not total.is_finite() or abs(total) >= MAX_AMOUNT:
        doc.total_amount = None
        doc.status = "failed"
        doc.confidence = 0.0
        doc.problems.append("amount implausible (not finite or 10^9 or more)")
        return doc
    if total != total.quantize(Decimal("0.01")):
        doc.problems.append("amount has more than two decimals")
        if doc.status == "parsed":
            doc.status = "needs_review"
    elif total < 0 and doc.document_type != "credit_note" and doc.status == "parsed":
        doc.problems.append("negative amount on a document that is not a credit note")
        doc.status = "needs_review"
    if doc.status == "needs_review":
        doc.confidence = min(doc.confidence, 0.6)
    return doc
