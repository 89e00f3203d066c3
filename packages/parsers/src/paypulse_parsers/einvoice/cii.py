"""UN/CEFACT Cross Industry Invoice (Factur-X, ZUGFeRD 2.x, XRechnung CII) -> EInvoice.

Paths follow EN 16931-3-3 (the CII binding): ExchangedDocument (BT-1 number, BT-3 type code,
BT-2 issue date), ApplicableHeaderTradeSettlement (BT-5 currency, BT-9 due date, BT-83
remittance information) and its monetary summation (BT-112 GrandTotalAmount, BT-113
TotalPrepaidAmount, BT-114 RoundingAmount, BT-115 DuePayableAmount).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paypulse_parsers.document import LineItem
from paypulse_parsers.einvoice.model import EInvoice, document_type
from paypulse_parsers.einvoice.tree import amount, children, find, text

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


def _date_102(el: Element | None) -> str | None:
    """``udt:DateTimeString format="102"`` (CCYYMMDD) -> YYYY-MM-DD."""
    node = find(el, "DateTimeString")
    raw = text(node)
    if raw is None:
        return None
    digits = raw[:8]
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return raw[:10] if len(raw) >= 10 and raw[4] == "-" else None


def _currency_amount(summation: Element | None, name: str, currency: str | None):
    """BT-110 TaxTotalAmount appears once per currency; take the invoice currency's."""
    found = None
    for el in children(summation, name):
        if found is None or (currency and el.get("currencyID") == currency):
            found = el
    return amount(found) if found is not None else None


def _lines(transaction: Element | None) -> list[LineItem]:
    items = []
    for line in children(transaction, "IncludedSupplyChainTradeLineItem"):
        name = text(line, "SpecifiedTradeProduct", "Name") or ""
        qty = amount(line, "SpecifiedLineTradeDelivery", "BilledQuantity")
        price = amount(
            line, "SpecifiedLineTradeAgreement", "NetPriceProductTradePrice", "ChargeAmount"
        )
        total = amount(
            line,
            "SpecifiedLineTradeSettlement",
            "SpecifiedTradeSettlementLineMonetarySummation",
            "LineTotalAmount",
        )
        if total or qty:  # section headers and notes come as zero lines
            items.append(LineItem(name or "(line)", total, qty, price))
    return items


def read_cii(root: Element) -> EInvoice:
    doc = find(root, "ExchangedDocument")
    transaction = find(root, "SupplyChainTradeTransaction")
    agreement = find(transaction, "ApplicableHeaderTradeAgreement")
    settlement = find(transaction, "ApplicableHeaderTradeSettlement")
    summation = find(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    currency = text(settlement, "InvoiceCurrencyCode")
    type_code = text(doc, "TypeCode")
    due = None
    for terms in children(settlement, "SpecifiedTradePaymentTerms"):
        due = _date_102(find(terms, "DueDateDateTime"))
        if due:
            break
    language = text(doc, "LanguageID") or next(
        (n.get("languageID") for n in root.iter() if n.get("languageID")), None
    )
    return EInvoice(
        syntax="CII",
        number=text(doc, "ID"),
        type_code=type_code,
        doc_type=document_type(type_code),
        issue_date=_date_102(find(doc, "IssueDateTime")),
        due_date=due,
        currency=currency.upper() if currency else None,
        amount_due=amount(summation, "DuePayableAmount"),
        gross=amount(summation, "GrandTotalAmount"),
        prepaid=amount(summation, "TotalPrepaidAmount"),
        rounding=amount(summation, "RoundingAmount"),
        tax=_currency_amount(summation, "TaxTotalAmount", currency),
        net=amount(summation, "TaxBasisTotalAmount"),
        seller=text(agreement, "SellerTradeParty", "Name"),
        buyer=text(agreement, "BuyerTradeParty", "Name"),
        payment_reference=text(settlement, "PaymentReference"),
        order_id=text(agreement, "BuyerOrderReferencedDocument", "IssuerAssignedID"),
        language=language[:2].lower() if language else None,
        lines=_lines(transaction),
    )
