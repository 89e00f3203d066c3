"""A cheap guess of a document's language (sv da nb fi de nl fr es it pt pl cs el en) from
function words and diacritics; enough to read "kr", day/month order and month
names, not a general language identifier."""

# ruff: noqa: RUF001 (Greek, Polish and Czech labels use letters that look Latin)
from __future__ import annotations

import re
from collections import Counter

_STOPWORDS = {  # function words and invoice words; one-letter words say too little
    "en": "the and your you for with this order thank of to is are was from invoice amount",
    "sv": "och för att med din ditt är på av till som vi har från tack moms summa belopp",
    "da": "og for at med din dit er på af til som vi har fra tak ikke moms beløb ordre",
    "nb": "og for å med din ditt er på av til som vi har fra takk ikke mva beløp ordre",
    "fi": "ja on että kiitos tilauksesi sinun tai ei ole se lasku yhteensä alv",
    "de": "und der die das ihre ihr für mit ist von zu den wir bitte vielen rechnung betrag",
    "nl": "de het en uw voor met is van een wij bedankt niet factuur bedrag totaal btw",
    "fr": "et le la les vous votre pour avec est des une nous merci du facture montant",
    "es": "el la los su para con es de una gracias por nosotros factura importe",
    "it": "il la suo per con di una grazie della del ordine fattura importo",
    "pt": "os seu sua para com de uma obrigado não você fatura valor",
    "pl": "na się jest do że dla nie dziękujemy twoje faktura razem kwota",
    "cs": "na se je do že pro jsme děkujeme vaše celkem částka faktura",
    "el": "και το η οι για με είναι από σας ευχαριστούμε",
}
_LANGS_OF: dict[str, list[str]] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words.split():
        _LANGS_OF.setdefault(_word, []).append(_lang)

_TOKEN = re.compile(r"[^\W\d_]+", re.U)
_DIACRITICS = {
    "sv": "åäö", "da": "æøå", "nb": "æøå", "fi": "äö", "de": "äöüß", "fr": "éèêàçù",
    "es": "ñáéíóú¿¡", "it": "àèìòù", "pt": "ãõçáéê", "pl": "ąćęłńśźż", "cs": "ěščřžůťď",
}  # fmt: skip


def detect_language(text: str, *, limit: int = 6000) -> str | None:
    """ISO 639-1 code of the most likely language, or None when nothing speaks for one."""
    sample = text[:limit].lower()
    if sum(1 for ch in sample if "\u0370" <= ch <= "\u03ff") > 20:
        return "el"
    scores: Counter[str] = Counter()
    for token in _TOKEN.findall(sample):
        for lang in _LANGS_OF.get(token, ()):
            scores[lang] += 1
    for lang, marks in _DIACRITICS.items():
        scores[lang] += sum(sample.count(ch) for ch in marks) // 4
    if not scores:
        return None
    best, score = scores.most_common(1)[0]
    return best if score >= 3 else None
