"""Generated receipts and invoices per language through the rules path: the amount to pay over
the gross, prepayments deducted, currencies from codes / symbols / local names (resolved with the
document's language or sender domain), number formats, month names, and the issue date over
delivery / order dates. Each document is written as such a sender would; none is from the corpus.
"""

# ruff: noqa: RUF001 (Greek, Polish and Czech text uses letters that look Latin)
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from paypulse_parsers.retail import extract_retail

# (id, text, amount to pay, currency, issue date)
CASES = [
    ("sv", "Faktura 2025-117\nLeveransdatum: 28 februari 2025\nFakturadatum: 3 mars 2025\n"
     "Summa exkl. moms: 1 000,00 kr\nMoms 25 %: 250,00 kr\nTotalt inkl. moms: 1 250,00 kr\n"
     "Redan betalt: 250,00 kr\nAtt betala: 1 000,00 kr", "1000.00", "SEK", "2025-03-03"),
    ("da", "Faktura nr. 4411\nFakturadato: 3. marts 2025\nLeveringsdato: 1. marts 2025\n"
     "Subtotal: 800,00 kr.\nMoms (25%): 200,00 kr.\nI alt inkl. moms: 1.000,00 kr.\n"
     "Gavekort: -100,00 kr.\nBeløb at betale: 900,00 kr.\nTak for din bestilling og god dag", "900.00", "DKK",
     "2025-03-03"),
    ("nb", "Faktura 9912\nFakturadato: 3. mars 2025\nSum ekskl. mva: 800,00 kr\n"
     "Mva 25 %: 200,00 kr\nTotalt inkl. mva: 1 000,00 kr\nÅ betale: kr 900,00\nTakk for handelen, vi ser frem til å høre "
     "fra deg", "900.00", "NOK", "2025-03-03"),
    ("fi", "Lasku 5521\nLaskun päivämäärä: 3. maaliskuuta 2025\nVeroton summa: 806,45 €\n"
     "ALV 24 %: 193,55 €\nYhteensä: 1 000,00 €\nMaksettava yhteensä: 900,00 €\n"
     "Kiitos tilauksesi", "900.00", "EUR", "2025-03-03"),
    ("de", "Rechnung Nr. 2025-88\nLieferdatum: 27. Februar 2025\nRechnungsdatum: 3. März 2025\n"
     "Nettobetrag: 840,34 €\nMwSt. 19 %: 159,66 €\nBruttobetrag: 1.000,00 €\n"
     "Anzahlung: 250,00 €\nZu zahlen: 750,00 €", "750.00", "EUR", "2025-03-03"),
    ("de-prepaid", "Rechnung vom 3. März 2025\nGesamtbetrag: 1.000,00 EUR\n"
     "Bereits bezahlt: 400,00 EUR\nVielen Dank für Ihren Einkauf", "600.00", "EUR",
     "2025-03-03"),
    ("de-ch", "Rechnung vom 3. März 2025\nZwischensumme CHF 1'142.00\n"
     "MWST 8,1 % CHF 92.50\nTotal CHF 1'234.50\nVielen Dank für Ihre Bestellung",
     "1234.50", "CHF", "2025-03-03"),
    ("nl", "Factuurnummer F-311\nFactuurdatum: 3 maart 2025\nSubtotaal: € 826,45\n"
     "BTW 21%: € 173,55\nTotaal: € 1.000,00\nTotaal te betalen: € 900,00\nBedankt voor uw bestelling",
     "900.00", "EUR", "2025-03-03"),
    ("fr", "Facture n° FA-1029\nDate de livraison : 1 mars 2025\n"
     "Date de facture : 3 mars 2025\nTotal HT : 833,33 €\nTVA 20 % : 166,67 €\n"
     "Total TTC : 1 000,00 €\nAcompte versé : 200,00 €\nNet à payer : 800,00 €", "800.00",
     "EUR", "2025-03-03"),
    ("fr-solde", "Facture du 3 mars 2025\nMontant TTC : 1 534,56 €\n"
     "Solde à payer : 1 234,56 €\nMerci pour votre confiance", "1234.56", "EUR", "2025-03-03"),
    ("es", "Factura 77/2025\nFecha de factura: 3 de marzo de 2025\n"
     "Base imponible: 826,45 €\nIVA (21%): 173,55 €\nImporte total: 1.000,00 €\n"
     "Importe a pagar: 900,00 €\nGracias por su compra", "900.00", "EUR", "2025-03-03"),
    ("it", "Fattura n. 45\nData fattura: 3 marzo 2025\nImponibile: € 819,67\n"
     "IVA 22%: € 180,33\nTotale documento: € 1.000,00\nNetto a pagare: € 900,00",
     "900.00", "EUR", "2025-03-03"),
    ("pt", "Fatura FT 2025/18\nData de emissão: 3 de março de 2025\nSubtotal: 813,01 €\n"
     "IVA 23%: 186,99 €\nValor total: 1.000,00 €\nTotal a pagar: 900,00 €\nObrigado pela sua preferência",
     "900.00", "EUR", "2025-03-03"),
    ("pt-br", "Nota fiscal 5531\nData de emissão: 03/03/2025\nValor total: R$ 1.234,56\n"
     "Obrigado pela sua compra", "1234.56", "BRL", "2025-03-03"),
    ("pl", "Faktura VAT nr 12/03/2025\nData wystawienia: 3 marca 2025\n"
     "Data sprzedaży: 28 lutego 2025\nWartość netto: 813,01 zł\nVAT 23%: 186,99 zł\n"
     "Razem: 1 000,00 zł\nDo zapłaty: PLN 900,00", "900.00", "PLN", "2025-03-03"),
    ("pl-receipt", "Paragon fiskalny\n03.03.2025\nSuma PLN 48,97\nRazem 48,97 zł\n"
     "Dziękujemy za zakupy", "48.97", "PLN", "2025-03-03"),
    ("cs", "Faktura - daňový doklad 2025031\nDatum vystavení: 3. března 2025\n"
     "Datum zdanitelného plnění: 28. února 2025\nZáklad daně: 826,45 Kč\n"
     "DPH 21 %: 173,55 Kč\nCelkem: 1 000,00 Kč\nCelkem k úhradě: 900,00 Kč", "900.00", "CZK", "2025-03-03"),
    ("el", "Τιμολόγιο 1182\nΗμερομηνία έκδοσης: 3 Μαρτίου 2025\nΚαθαρή αξία: 806,45 €\n"
     "ΦΠΑ 24%: 193,55 €\nΣύνολο: 1.000,00 €\nΠληρωτέο ποσό: 900,00 €\n"
     "Ευχαριστούμε για την προτίμηση", "900.00", "EUR", "2025-03-03"),
    ("en-gb", "Invoice INV-2231\nDelivery date: 1 March 2025\nInvoice date: 3 March 2025\n"
     "Subtotal: £833.33\nVAT (20%): £166.67\nTotal: £1,000.00\nAmount due: £900.00",
     "900.00", "GBP", "2025-03-03"),
    ("en-us", "Invoice 7731\nInvoice date: 03/04/2025\nSubtotal USD 900.00\n"
     "Sales tax USD 100.00\nTotal USD 1,000.00\nDeposit paid USD 200.00\n"
     "Balance due: USD 800.00\nThank you for your business", "800.00", "USD", "2025-03-04"),
    ("en-huf", "Receipt 88\nDate: 3 March 2025\nAmount due: 12 500 Ft\nThank you for your order",
     "12500", "HUF", "2025-03-03"),
    ("en-inr", "Tax invoice 31\nInvoice date: 03-03-2025\nTotal amount: ₹1,234.00\n"
     "Thank you for your order", "1234.00", "INR", "2025-03-03"),
]  # fmt: skip


def _run(text: str, sender: str | None = None):
    raw = text.encode()
    if sender:
        raw = (
            f"From: {sender}\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\n".encode()
            + raw
        )
    ctype = "message/rfc822" if sender else "text/plain"
    return asyncio.run(extract_retail(raw, content_type=ctype))


@pytest.mark.parametrize(("text", "total", "currency", "day"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_amount_to_pay_currency_and_issue_date(text, total, currency, day):
    doc = _run(text)
    assert doc.method == "rules"
    assert (doc.total_amount, doc.currency) == (Decimal(total), currency)
    assert doc.invoice_date == day


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("sv", "Tack för din beställning\nAtt betala: 199,00 kr"),
        ("da", "Tak for din ordre, vi har modtaget den\nAt betale: 199,00 kr."),
        ("nb", "Takk for din ordre, vi har mottatt den og sender den\nÅ betale: 199,00 kr"),
    ],
)
def test_kr_is_read_from_the_language(lang, text):
    doc = _run(text)
    assert doc.currency == {"sv": "SEK", "da": "DKK", "nb": "NOK"}[lang]
    assert doc.language == lang
    assert (
        "currency symbol shared by several currencies; no evidence settles it" not in doc.problems
    )


@pytest.mark.parametrize(
    ("sender", "marker", "currency"),
    [("shop@example.no", "kr", "NOK"), ("shop@example.dk", "kr", "DKK"),
     ("billing@store.ca", "$", "CAD"), ("orders@shop.com.au", "$", "AUD")],
)  # fmt: skip
def test_shared_markers_are_read_from_the_sender_domain(sender, marker, currency):
    amount = "$19.90" if marker == "$" else "19,90 kr"
    doc = _run(f"Order 12345\nTotal: {amount}\nDate: 2025-03-03", sender=sender)
    assert doc.currency == currency


@pytest.mark.parametrize("text", ["Order 12345\nTotal: 19,90 kr", "Order 12345\nTotal: $19.90",
                                  "Order 12345\nAmount payable: Rs. 1,234.00"])  # fmt: skip
def test_shared_markers_without_evidence_need_review(text):
    doc = _run(text)
    assert doc.currency is not None and doc.status == "needs_review"
    assert "currency symbol shared by several currencies; no evidence settles it" in doc.problems


def test_issue_date_beats_an_earlier_order_date():
    doc = _run("Order date: 1 February 2025\nInvoice date: 3 March 2025\nAmount due: €10.00")
    assert doc.invoice_date == "2025-03-03"


def test_due_date_is_not_the_invoice_date():
    doc = _run("Due date: 31.03.2025\nAmount due: 10,00 EUR\n03.03.2025")
    assert (doc.invoice_date, doc.due_date) == ("2025-03-03", "2025-03-31")


def test_a_date_after_the_label_is_not_an_amount():
    doc = _run("Zu zahlen bis 15.03.2025: 120,00 EUR")
    assert doc.total_amount == Decimal("120.00")
