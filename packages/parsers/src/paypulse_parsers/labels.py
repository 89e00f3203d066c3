"""Invoice and receipt labels in sv, da, nb, fi, de, nl, fr, es, it, pt, pl, cs, el and en, by
role. Written by hand (CLDR has no invoice vocabulary); each role is compiled into one pattern.

Roles: ``due`` the amount to pay / balance due; ``gross`` the total incl. tax; ``weak`` a bare
"total"; ``prepaid`` already paid / deposits (reduce the amount to pay); ``not_total`` labels
that look like totals but are not (sub-totals, net, tax); ``issue_date``, ``order_date``
(order / delivery / supply: never the invoice date when an issue date is printed), ``due_date``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import cache

LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "due": {
        "en": ("amount due", "balance due", "total due", "amount to pay", "amount payable",
               "total to pay", "total payable", "amount charged", "total charged", "please pay",
               "due payable", "payable amount", "net amount due", "amount outstanding",
               "balance to pay", "you pay", "total charged to", "charged to", "amount paid",
               "total paid", "charged"),
        "sv": ("att betala", "summa att betala", "belopp att betala", "totalt att betala",
               "totalt betalt", "betalt belopp", "du betalade", "summa att erlägga"),
        "da": ("at betale", "beløb at betale", "total at betale", "til betaling",
               "betalingsbeløb", "i alt at betale"),
        "nb": ("å betale", "beløp å betale", "sum å betale", "totalt å betale", "å betale totalt",
               "til betaling"),
        "fi": ("maksettava", "maksettava yhteensä", "maksettavaa", "yhteensä maksettavaa",
               "maksettava summa"),
        "de": ("zu zahlen", "zahlbetrag", "zahlungsbetrag", "fälliger betrag", "offener betrag",
               "noch zu zahlen", "zu zahlender betrag", "restbetrag", "gesamt zu zahlen",
               "zahlbarer betrag"),
        "nl": ("te betalen", "totaal te betalen", "openstaand bedrag", "verschuldigd bedrag",
               "te voldoen", "nog te betalen"),
        "fr": ("net à payer", "montant à payer", "solde à payer", "reste à payer", "montant dû",
               "total à payer", "somme à payer", "à payer", "montant du prélèvement",
               "solde dû"),
        "es": ("importe a pagar", "total a pagar", "a pagar", "importe adeudado",
               "saldo pendiente", "importe pendiente", "total a abonar"),
        "it": ("importo da pagare", "totale da pagare", "netto a pagare", "da pagare",
               "saldo dovuto", "importo dovuto", "totale dovuto"),
        "pt": ("valor a pagar", "total a pagar", "montante a pagar", "valor em dívida",
               "a pagar", "valor devido"),
        "pl": ("do zapłaty", "kwota do zapłaty", "pozostało do zapłaty", "razem do zapłaty",
               "suma do zapłaty"),
        "cs": ("k úhradě", "celkem k úhradě", "částka k úhradě", "k zaplacení",
               "zbývá uhradit", "celkem k zaplacení"),
        "el": ("πληρωτέο", "πληρωτέο ποσό", "ποσό πληρωμής", "πληρωτέο υπόλοιπο",
               "σύνολο πληρωμής", "ποσό προς πληρωμή"),
    },
    "gross": {
        "en": ("grand total", "order total", "invoice total", "total amount", "total price",
               "total cost", "total fare", "total incl", "total including", "total (incl",
               "total inc", "total with vat", "total gross", "gross total", "amount total"),
        "sv": ("totalbelopp", "totalsumma", "summa totalt", "totalt inkl", "totalpris",
               "totalt pris", "slutsumma", "total inkl", "att betala totalt"),
        "da": ("total inkl", "i alt inkl", "totalbeløb", "beløb i alt", "total i alt", "i alt"),
        "nb": ("totalbeløp", "sum inkl", "totalt inkl", "beløp totalt", "totalsum"),
        "fi": ("yhteensä", "laskun summa", "kokonaissumma", "loppusumma", "summa yhteensä"),
        "de": ("rechnungsbetrag", "gesamtbetrag", "endbetrag", "gesamtsumme", "bruttobetrag",
               "brutto", "summe brutto", "gesamt brutto", "rechnungssumme", "gesamtpreis"),
        "nl": ("factuurtotaal", "factuur totaal", "totaalbedrag", "totaal incl", "totaal"),
        "fr": ("total ttc", "montant ttc", "total facture", "montant total", "total général",
               "net ttc"),
        "es": ("total factura", "importe total", "total (iva incl", "total iva incluido",
               "total con iva"),
        "it": ("totale documento", "totale fattura", "importo totale", "totale complessivo",
               "totale ivato"),
        "pt": ("valor total", "total da fatura", "total da factura", "montante total",
               "total com iva"),
        "pl": ("razem", "suma", "wartość brutto", "łącznie", "ogółem", "kwota brutto",
               "razem brutto"),
        "cs": ("celkem", "celková částka", "cena celkem", "celkem s dph", "celkem vč. dph"),
        "el": ("σύνολο", "συνολικό ποσό", "γενικό σύνολο", "τελικό ποσό"),
    },
    "weak": {
        "en": ("total", "amount", "payment", "sum"),
        "sv": ("summa", "belopp", "totalt", "betalning"),
        "da": ("total", "beløb", "sum"),
        "nb": ("totalt", "beløp", "sum"),
        "fi": ("summa",),
        "de": ("summe", "gesamt", "betrag"),
        "nl": ("totaal", "bedrag"),
        "fr": ("total", "montant"),
        "es": ("total", "importe"),
        "it": ("totale", "importo"),
        "pt": ("total",),
        "pl": ("kwota",),
        "cs": ("částka",),
        "el": ("ποσό",),
    },
    "prepaid": {
        "en": ("prepaid", "already paid", "paid to date", "deposit paid",
               "less deposit", "payments received", "prepayment", "less paid", "advance paid"),
        "sv": ("redan betalt", "förskott", "inbetalt", "förskottsbetalning", "avgår förskott"),
        "da": ("allerede betalt", "forudbetalt", "acontobeløb", "indbetalt"),
        "nb": ("allerede betalt", "forskudd", "innbetalt", "forskuddsbetalt"),
        "fi": ("jo maksettu", "ennakkomaksu", "maksettu ennakko"),
        "de": ("bereits bezahlt", "anzahlung", "geleistete anzahlung", "vorauszahlung",
               "abzüglich anzahlung", "bereits gezahlt", "abschlagszahlung"),
        "nl": ("reeds betaald", "al betaald", "aanbetaling", "vooruitbetaald", "voldaan"),
        "fr": ("acompte", "déjà payé", "déjà réglé", "montant payé", "acompte versé"),
        "es": ("anticipo", "ya pagado", "pagos a cuenta", "importe pagado"),
        "it": ("acconto", "già pagato", "anticipo", "importo pagato"),
        "pt": ("já pago", "adiantamento", "valor pago", "sinal pago"),
        "pl": ("zapłacono", "wpłacono", "zaliczka", "zapłacona zaliczka"),
        "cs": ("zaplaceno", "uhrazeno", "záloha", "uhrazená záloha", "zaplacená záloha"),
        "el": ("προκαταβολή", "ήδη πληρωμένο", "πληρώθηκε"),
    },
    "not_total": {
        "en": ("subtotal", "sub-total", "sub total", "before tax", "before vat", "excl",
               "excluding", "ex vat", "tax amount", "vat amount", "net amount", "total net",
               "net total", "savings", "discount", "funding sources", "points", "total tax",
               "total vat", "total excl", "total items", "items total"),
        "sv": ("delsumma", "exkl", "ex. moms", "ex moms", "varav", "rabatt", "netto"),
        "da": ("subtotal", "ekskl", "heraf", "netto", "rabat"),
        "nb": ("delsum", "ekskl", "herav", "netto", "rabatt"),
        "fi": ("välisumma", "veroton", "ilman alv", "alennus"),
        "de": ("zwischensumme", "netto", "nettobetrag", "ohne", "exkl", "rabatt",
               "summe netto", "gesamt netto"),
        "nl": ("subtotaal", "excl", "exclusief", "korting", "netto"),
        "fr": ("sous-total", "sous total", "total ht", "montant ht", "hors taxes", "remise",
               "net ht"),
        "es": ("subtotal", "base imponible", "descuento", "sin iva"),
        "it": ("imponibile", "subtotale", "sconto", "totale imponibile"),
        "pt": ("subtotal", "base tributável", "desconto", "sem iva", "base de incidência"),
        "pl": ("netto", "wartość netto", "rabat", "razem netto"),
        "cs": ("bez dph", "základ", "sleva", "mezisoučet"),
        "el": ("καθαρό", "καθαρή αξία", "έκπτωση", "μερικό σύνολο"),
    },
    # A tax word makes a "total" line a tax line unless an "including" word stands before it.
    "tax": {
        "en": ("vat", "tax", "sales tax", "gst"), "sv": ("moms",), "da": ("moms",),
        "nb": ("mva", "moms"), "fi": ("alv", "arvonlisävero"),
        "de": ("mwst", "ust", "mehrwertsteuer", "umsatzsteuer"), "nl": ("btw",),
        "fr": ("tva",), "es": ("iva",), "it": ("iva",), "pt": ("iva",), "pl": ("vat", "podatek"),
        "cs": ("dph",), "el": ("φπα",),
    },
    "including": {
        "en": ("incl", "including", "inc", "with"), "sv": ("inkl", "inklusive", "med"),
        "da": ("inkl", "inklusive", "med"), "nb": ("inkl", "inklusive", "med"),
        "fi": ("sis", "sisältää"), "de": ("inkl", "inklusive", "einschl", "einschließlich"),
        "nl": ("incl", "inclusief", "inkl"), "fr": ("ttc", "toutes taxes", "y compris"),
        "es": ("incl", "incluido", "con"), "it": ("incl", "inclusa", "compresa", "ivato"),
        "pt": ("incl", "incluído", "com"), "pl": ("brutto", "z vat", "z podatkiem"),
        "cs": ("vč", "včetně", "s dph"), "el": ("με φπα", "συμπ"),
    },
    "issue_date": {
        "en": ("invoice date", "date of issue", "issue date", "issued on", "billing date",
               "date issued", "invoice issued", "receipt date", "date of invoice"),
        "sv": ("fakturadatum", "utfärdad", "utställd", "kvittodatum"),
        "da": ("fakturadato", "udstedelsesdato"),
        "nb": ("fakturadato", "utstedt"),
        "fi": ("laskun päivämäärä", "laskupäivä", "laskun päiväys", "päiväys"),
        "de": ("rechnungsdatum", "ausstellungsdatum", "belegdatum", "rechnung vom"),
        "nl": ("factuurdatum", "factuur datum", "datum factuur"),
        "fr": ("date de facture", "date de la facture", "date d'émission", "émise le",
               "date facture", "facture du"),
        "es": ("fecha de factura", "fecha de emisión", "fecha factura", "fecha de expedición"),
        "it": ("data fattura", "data di emissione", "data documento", "data della fattura"),
        "pt": ("data da fatura", "data de emissão", "data da factura", "data fatura"),
        "pl": ("data wystawienia", "wystawiono"),
        "cs": ("datum vystavení", "vystaveno"),
        "el": ("ημερομηνία έκδοσης", "ημερομηνία τιμολογίου", "ημ/νία έκδοσης"),
    },
    "order_date": {
        "en": ("order date", "placed on", "order placed", "delivery date", "date of supply",
               "ship date", "shipping date", "purchase date", "transaction date",
               "service date", "travel date", "departure"),
        "sv": ("orderdatum", "leveransdatum", "köpdatum", "bokningsdatum"),
        "da": ("ordredato", "leveringsdato", "købsdato"),
        "nb": ("ordredato", "leveringsdato", "kjøpsdato"),
        "fi": ("tilauspäivä", "toimituspäivä", "ostopäivä"),
        "de": ("bestelldatum", "lieferdatum", "leistungsdatum", "liefertermin", "buchungsdatum",
               "reisedatum"),
        "nl": ("besteldatum", "leverdatum", "leveringsdatum"),
        "fr": ("date de commande", "date de livraison", "date de prestation", "date du voyage"),
        "es": ("fecha de pedido", "fecha de entrega", "fecha del pedido"),
        "it": ("data ordine", "data di consegna", "data dell'ordine"),
        "pt": ("data da encomenda", "data de entrega", "data do pedido"),
        "pl": ("data dostawy", "data sprzedaży", "data zamówienia"),
        "cs": ("datum zdanitelného plnění", "datum dodání", "datum objednávky", "duzp"),
        "el": ("ημερομηνία παράδοσης", "ημερομηνία παραγγελίας"),
    },
    "due_date": {
        "en": ("due date", "payment due", "pay by", "due on", "date due", "payment date"),
        "sv": ("förfallodatum", "förfallodag", "betala senast", "sista betalningsdag"),
        "da": ("forfaldsdato", "betalingsfrist", "sidste rettidige betalingsdag", "forfald"),
        "nb": ("forfallsdato", "forfallsdag", "betalingsfrist"),
        "fi": ("eräpäivä", "maksupäivä"),
        "de": ("fällig am", "fälligkeitsdatum", "zahlbar bis", "zahlungsziel", "fälligkeit"),
        "nl": ("vervaldatum", "uiterste betaaldatum", "vervaldag", "te betalen voor"),
        "fr": ("date d'échéance", "échéance", "à payer avant le", "date limite de paiement"),
        "es": ("fecha de vencimiento", "vencimiento", "fecha límite de pago"),
        "it": ("data di scadenza", "scadenza", "pagamento entro"),
        "pt": ("data de vencimento", "vencimento", "data limite de pagamento"),
        "pl": ("termin płatności", "termin zapłaty", "zapłata do"),
        "cs": ("datum splatnosti", "splatnost", "splatné do"),
        "el": ("ημερομηνία λήξης", "προθεσμία πληρωμής", "λήξη"),
    },
}  # fmt: skip


def words(role: str, language: str | None = None) -> list[str]:
    """The labels of one role (one language, or every language), longest first."""
    table = LABELS[role]
    found = table.get(language, ()) if language else [w for ws in table.values() for w in ws]
    return sorted(set(found), key=len, reverse=True)


def _alternation(role: str) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words(role))


class LazyPattern:
    """A regular expression compiled on its first use. The label patterns are large
    case-insensitive alternations (~2 kB each; compiling them all cost ~30-50 ms of every cold
    start, also in functions whose documents never reach the rules). After the first call the
    compiled pattern's own methods replace these, so warm calls cost nothing extra."""

    def __init__(self, source: str, flags: int = re.IGNORECASE) -> None:
        self.source = source
        self.flags = flags

    def compiled(self) -> re.Pattern[str]:
        compiled = re.compile(self.source, self.flags)
        self.__dict__.update(
            search=compiled.search,
            match=compiled.match,
            finditer=compiled.finditer,
            compiled=lambda: compiled,
        )
        return compiled

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().match(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(string, pos, endpos)


Searcher = re.Pattern[str] | LazyPattern  # what label-reading code accepts


@cache
def pattern(role: str, *, anchored: bool = False, lead_words: int = 0) -> LazyPattern:
    """One case-insensitive pattern for a role, compiled on first use. ``anchored``: the label
    starts the line (after up to ``lead_words`` other words, e.g. "Gesamt zu zahlen"); the label
    must end at a word boundary (or an opening parenthesis / dot it carries itself)."""
    body = rf"(?:{_alternation(role)})(?:(?<=[\w])(?!\w)|(?<=[(.]))"
    if anchored:
        lead = rf"(?:[^\W\d]+\.?\s+){{0,{lead_words}}}" if lead_words else ""
        return LazyPattern(rf"^{lead}{body}")
    # the first letters of the labels as a cheap guard, so the alternation runs only at
    # word starts that can begin a label
    first = "".join(sorted({c for w in words(role) for c in (w[0].lower(), w[0].upper())}))
    return LazyPattern(rf"(?<!\w)(?=[{re.escape(first)}]){body}")
