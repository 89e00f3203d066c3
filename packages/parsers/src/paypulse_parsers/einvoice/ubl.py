"""OASIS UBL 2.1 Invoice / CreditNote (Peppol BIS 3, XRechnung UBL, EN 16931-3-2) -> EInvoice.

LegalMonetaryTotal holds BT-112 TaxInclusiveAmount, BT-113 PrepaidAmount, BT-114
PayableRoundingAmount and BT-115 PayableAmount (the amount to pay); the root element
(Invoice / CreditNote) and InvoiceTypeCode / CreditNoteTypeCode give the document type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paypulse_parsers.document import LineItem
from paypulse_parsers.einvoice.model import EInvoice, document_type
from paypulse_parsers.einvoice.tree import amount, children, find, text
from paypulse_parsers.einvoice.xml_safety import local

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


def _party_name(party: Element | None) -> str | None:
    return text(party, "Party", "PartyName", "Name") or text(
        party, "Party", "PartyLegalEntity", "RegistrationName"
    )


def _lines(root: Element, credit: bool) -> list[LineItem]:
    items = []
    for line in children(root, "CreditNoteLine" if credit else "InvoiceLine"):
        name = text(line, "Item", "Name") or ""
        qty = amount(line, "CreditedQuantity" if credit else "InvoicedQuantity")
        total = amount(line, "LineExtensionAmount")
        if total or qty:  # section headers and notes come as zero lines (Odoo)
            price = amount(line, "Price", "PriceAmount")
            items.append(LineItem(name or "(line)", total, qty, price))
    return items


def _tax(root: Element, currency: str | None):
    found = None
    for total in children(root, "TaxTotal"):
        el = find(total, "TaxAmount")
        if el is not None and (found is None or el.get("currencyID") == currency):
            found = el
    return amount(found) if found is not None else None


def read_ubl(root: Element) -> EInvoice:
    credit = local(root.tag) == "CreditNote"
    type_code = text(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode")
    currency = text(root, "DocumentCurrencyCode")
    totals = find(root, "LegalMonetaryTotal")
    due = text(root, "DueDate") or text(root, "PaymentMeans", "PaymentDueDate")
    payment_id = next(
        (text(m, "PaymentID") for m in children(root, "PaymentMeans") if text(m, "PaymentID")),
        None,
    )
    issue = text(root, "IssueDate")
    return EInvoice(
        syntax="UBL",
        number=text(root, "ID"),
        type_code=type_code,
        doc_type=document_type(type_code, credit_root=credit),
        issue_date=issue[:10] if issue else None,
        due_date=due[:10] if due else None,
        currency=currency.upper() if currency else None,
        amount_due=amount(totals, "PayableAmount"),
        gross=amount(totals, "TaxInclusiveAmount"),
        prepaid=amount(totals, "PrepaidAmount"),
        rounding=amount(totals, "PayableRoundingAmount"),
        tax=_tax(root, currency),
        net=amount(totals, "TaxExclusiveAmount"),
        seller=_party_name(find(root, "AccountingSupplierParty")),
        buyer=_party_name(find(root, "AccountingCustomerParty")),
        payment_reference=payment_id,
        order_id=text(root, "OrderReference", "ID"),
        language=None,
        lines=_lines(root, credit),
    )
