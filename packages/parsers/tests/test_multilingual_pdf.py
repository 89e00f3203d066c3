"""Generated two-column invoice PDFs per language through the generic PDF path: the amount to
pay over the gross, the issue date over the delivery date, currencies and number formats.
(Latin-1 languages and "EUR" for the euro: the PDF base-14 fonts cannot draw "€", Polish, Czech
or Greek; those are covered on the text path in test_multilingual_rules.py.)"""

from __future__ import annotations

from decimal import Decimal

import pymupdf
import pytest

from paypulse_parsers.rental import parse_pdf

# (id, rows of (label, value), amount to pay, currency, issue date, due date)
CASES = [
    ("de", [("Rechnung Nr.", "2025-88"), ("Lieferdatum", "27.02.2025"),
            ("Rechnungsdatum", "03.03.2025"), ("Fälligkeitsdatum", "17.03.2025"),
            ("Nettobetrag", "840,34 EUR"), ("MwSt. 19 %", "159,66 EUR"),
            ("Bruttobetrag", "1.000,00 EUR"), ("Zu zahlen", "750,00 EUR")],
     "750.00", "EUR", "2025-03-03", "2025-03-17"),
    ("fr", [("Facture n°", "FA-1029"), ("Date de livraison", "1 mars 2025"),
            ("Date de facture", "3 mars 2025"), ("Échéance", "2 avril 2025"),
            ("Total HT", "833,33 EUR"), ("TVA 20 %", "166,67 EUR"), ("Total TTC", "1 000,00 EUR"),
            ("Net à payer", "800,00 EUR")], "800.00", "EUR", "2025-03-03", "2025-04-02"),
    ("es", [("Fecha de factura", "3 de marzo de 2025"), ("Base imponible", "826,45 EUR"),
            ("IVA (21%)", "173,55 EUR"), ("Importe total", "1.000,00 EUR"),
            ("Importe a pagar", "900,00 EUR")], "900.00", "EUR", "2025-03-03", None),
    ("it", [("Data fattura", "03/03/2025"), ("Data di scadenza", "31/03/2025"),
            ("Imponibile", "EUR 819,67"), ("IVA 22%", "EUR 180,33"),
            ("Totale documento", "EUR 1.000,00"), ("Netto a pagare", "EUR 900,00")],
     "900.00", "EUR", "2025-03-03", "2025-03-31"),
    ("pt", [("Data de emissão", "3 de março de 2025"), ("IVA 23%", "186,99 EUR"),
            ("Valor total", "1.000,00 EUR"), ("Total a pagar", "900,00 EUR")],
     "900.00", "EUR", "2025-03-03", None),
    ("nl", [("Factuurdatum", "3 maart 2025"), ("Vervaldatum", "2 april 2025"),
            ("Subtotaal", "EUR 826,45"), ("BTW 21%", "EUR 173,55"),
            ("Totaal te betalen", "EUR 900,00")], "900.00", "EUR", "2025-03-03", "2025-04-02"),
    ("da", [("Fakturadato", "3. marts 2025"), ("Forfaldsdato", "17. marts 2025"),
            ("Moms (25%)", "200,00 DKK"), ("I alt", "1.000,00 DKK"),
            ("Beløb at betale", "900,00 DKK")], "900.00", "DKK", "2025-03-03", "2025-03-17"),
    ("nb", [("Fakturadato", "3. mars 2025"), ("Forfallsdato", "17. mars 2025"),
            ("Mva 25 %", "200,00 NOK"), ("Totalt inkl. mva", "1 000,00 NOK"),
            ("Å betale", "900,00 NOK")], "900.00", "NOK", "2025-03-03", "2025-03-17"),
    ("fi", [("Laskun päivämäärä", "3.3.2025"), ("Eräpäivä", "17.3.2025"),
            ("ALV 24 %", "193,55 EUR"), ("Yhteensä", "1 000,00 EUR"),
            ("Maksettava yhteensä", "900,00 EUR")], "900.00", "EUR", "2025-03-03", "2025-03-17"),
    ("de-ch", [("Rechnungsdatum", "3. März 2025"), ("Zahlbar bis", "2. April 2025"),
               ("MWST 8,1 %", "CHF 92.50"), ("Rechnungsbetrag", "CHF 1'234.50")],
     "1234.50", "CHF", "2025-03-03", "2025-04-02"),
    ("en-gb", [("Delivery date", "1 March 2025"), ("Invoice date", "3 March 2025"),
               ("Payment due", "2 April 2025"), ("VAT (20%)", "£166.67"),
               ("Total", "£1,000.00"), ("Amount due", "£900.00")],
     "900.00", "GBP", "2025-03-03", "2025-04-02"),
]  # fmt: skip


def _pdf(rows: list[tuple[str, str]]) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    y = 80.0
    for label, value in rows:
        page.insert_text((50, y), label, fontname="helv", fontsize=10)
        page.insert_text((400, y), value, fontname="helv", fontsize=10)
        y += 22
    data = doc.tobytes()
    doc.close()
    return data


@pytest.mark.parametrize(("rows", "total", "currency", "issued", "due"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_generic_pdf_reads_each_language(rows, total, currency, issued, due):
    doc = parse_pdf(_pdf(rows), filename="x.pdf", template=None)
    assert (doc.total_amount, doc.currency) == (Decimal(total), currency)
    assert (doc.invoice_date, doc.due_date) == (issued, due)
