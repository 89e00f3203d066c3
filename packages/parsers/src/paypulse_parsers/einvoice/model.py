"""What a structured e-invoice (CII or UBL) states, and its ParsedDocument.

Sign convention (explicit, both syntaxes): ``amount_due`` is the payable amount exactly as the
XML states it (DuePayableAmount / PayableAmount; credit notes carry positive amounts). The
ParsedDocument's ``total_amount`` is signed from the payer's side: positive = the customer pays,
negative = the customer is owed money (a credit note, or prepayments above the gross).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from paypulse_parsers.document import LineItem, ParsedDocument, check_amount

Syntax = Literal["CII", "UBL"]

# UNTDID 1001 document name codes (EN 16931 restricts BT-3 to these groups).
CREDIT_NOTE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)


def document_type(code: str | None, *, credit_root: bool = False) -> str:
    """``credit_note`` or ``invoice`` (corrected, prepayment, self-billed ... invoices are
    invoices; the exact UNTDID 1001 code stays in ``fields["type_code"]``)."""
    return "credit_note" if credit_root or code in CREDIT_NOTE_CODES else "invoice"


@dataclass
class EInvoice:
    syntax: Syntax
    number: str | None
    type_code: str | None
    doc_type: str  # invoice | credit_note
    issue_date: str | None  # YYYY-MM-DD
    due_date: str | None
    currency: str | None
    amount_due: Decimal | None  # DuePayableAmount / PayableAmount, as written
    gross: Decimal | None  # GrandTotalAmount / TaxInclusiveAmount
    prepaid: Decimal | None  # TotalPrepaidAmount / PrepaidAmount
    rounding: Decimal | None  # RoundingAmount / PayableRoundingAmount
    tax: Decimal | None
    net: Decimal | None  # TaxBasisTotalAmount / TaxExclusiveAmount
    seller: str | None
    buyer: str | None
    payment_reference: str | None
    order_id: str | None
    language: str | None
    lines: list[LineItem] = field(default_factory=list)

    def to_document(self) -> ParsedDocument:
        problems: list[str] = []
        total = self.amount_due
        if total is None and self.gross is not None:
            total = self.gross - (self.prepaid or 0) + (self.rounding or 0)
            problems.append("payable amount missing; computed from gross and prepaid")
        if self.gross is not None and self.amount_due is not None:
            expected = self.gross - (self.prepaid or 0) + (self.rounding or 0)
            if abs(expected - self.amount_due) > Decimal("0.01"):
                problems.append("payable amount differs from gross - prepaid")
        if not self.currency:
            problems.append("currency missing")
        credit = self.doc_type == "credit_note"
        if total is not None and credit:
            total = -total
        if total is not None and total < 0 and not credit:
            problems.append("negative amount to pay: the seller owes the customer")
        if total is not None and total > 0 and credit:
            problems.append("credit note with a negative amount: it charges the customer")
        status = "needs_review" if problems else "parsed"
        if total is None:
            status = "failed"
            problems.append("no amount to pay found")
        elif total == 0:
            status = "skipped"
            problems.append("amount to pay is zero (fully prepaid)")
        return check_amount(
            ParsedDocument(
                kind="unknown",
                vendor_name=self.seller,
                total_amount=total,
                currency=self.currency,
                invoice_date=self.issue_date,
                due_date=self.due_date,
                payment_reference=self.payment_reference,
                order_id=self.order_id,
                line_items=self.lines,
                method="xml",
                extractor=self.syntax.lower(),
                status=status,  # type: ignore[arg-type]
                confidence=0.99 if not problems else 0.7,
                document_type=self.doc_type,
                gross_amount=self.gross,
                prepaid_amount=self.prepaid,
                invoice_number=self.number,
                language=self.language,
                fields={
                    "syntax": self.syntax,
                    "type_code": self.type_code,
                    # amounts nested: row builders that copy top-level amounts skip them
                    "einvoice": {
                        "tax": self.tax,
                        "net": self.net,
                        "rounding": self.rounding,
                        "amount_due_as_written": self.amount_due,
                        "buyer": self.buyer,
                    },
                },
                problems=problems,
            )
        )
