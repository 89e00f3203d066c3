# ruff: noqa: RUF001 (Greek text uses letters that look Latin)
"""Language guess from function words and diacritics (used to read "kr", "$" and date order)."""

from __future__ import annotations

import pytest

from paypulse_parsers.language import detect_language


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Thank you for your order. The invoice amount is due within 30 days."),
        ("sv", "Tack för din beställning. Vi har skickat din order och momsen är inräknad."),
        ("da", "Tak for din ordre. Vi har sendt den, og beløbet er med moms."),
        ("nb", "Takk for din ordre. Vi har sendt den, og beløpet er med mva."),
        ("fi", "Kiitos tilauksesi. Lasku on liitteenä ja yhteensä summa sisältää alv."),
        ("de", "Vielen Dank für Ihre Bestellung. Die Rechnung und der Betrag sind unten."),
        ("nl", "Bedankt voor uw bestelling. De factuur en het bedrag vindt u hier."),
        ("fr", "Merci pour votre commande. La facture et le montant sont ci-dessous."),
        ("es", "Gracias por su pedido. La factura y el importe están abajo para usted."),
        ("it", "Grazie per il suo ordine. La fattura con importo della spedizione."),
        ("pt", "Obrigado pela sua encomenda. Você encontra a fatura com o valor."),
        ("pl", "Dziękujemy za zamówienie. Faktura jest do zapłaty, razem kwota dla nas."),
        ("cs", "Děkujeme za objednávku. Faktura je celkem k úhradě, částka pro vás."),
        ("el", "Ευχαριστούμε για την παραγγελία σας. Το τιμολόγιο και το ποσό είναι εδώ."),
    ],
)
def test_each_language_is_recognised(lang, text):
    assert detect_language(text) == lang


def test_numbers_alone_say_nothing():
    assert detect_language("12,50 45.00 2025-03-03") is None
