"""The multilingual label lexicon (NL/FR/EN/DE) and label matching on folded text.

Each entry is a regular expression over *folded* text (lower case, no accents) with
a strength: 1.0 for a label that names the field unambiguously ("Factuurnummer"),
lower for generic ones ("Datum", "Total", "BTW"). A cell's labels are the longest
non-overlapping matches, so "Totaal excl. BTW" is net, never "Totaal" + "BTW".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

_NR = r"(?:nummer|number|numero|nr|no|n|num|#)\.?\s?[°o]?"

LEXICON: dict[str, list[tuple[str, float]]] = {
    "invoice_number": [
        (r"factuur\s?-?(?:nummer|nr\.?|no\.?|n°)", 1.0),
        (r"nummer\s(?:van\s(?:de\s)?)?factuur", 1.0),
        (r"(?:credit|krediet)\s?-?nota\s?-?(?:nummer|nr\.?|no\.?|n[°o*º])", 1.0),
        (r"avoir\s(?:n[°o*º]|numero|nr)\.?", 1.0),
        (r"n[°o*º]\.?\s?(?:de\s(?:la\s)?)?(?:facture|note\sde\scredit)", 1.0),
        (r"numero\s(?:de\s(?:la\s)?)?(?:facture|note\sde\scredit)", 1.0),
        (r"facture\s(?:n[°o*º]|numero|nr)\.?", 1.0),
        (
            r"(?:invoice|inv|bill|credit\snote|tax\sinvoice)\s?(?:number|no|nr|num|n°|#|id)\.?",
            1.0,
        ),
        (r"rechnungs?\s?-?(?:nummer|nr|no)\.?", 1.0),
        (r"(?:gutschrift|beleg|dokument)s?\s?-?(?:nummer|nr)\.?", 0.9),
        (r"(?:document|stuk|doc)\s?-?(?:nummer|number|nr|no)\.?", 0.7),
        (r"(?:handels)?rechnung\snr\.?", 1.0),
        (
            r"(?:rechnungs)?korrektur\s(?:\(\d+\)\s)?nr\.?|rechnung\s\(\d+\)\snr\.?|gutschrift\s(?:\(\d+\)\s)?nr\.?",
            1.0,
        ),
        (
            r"^(?:invoice|factuur|facture|rechnung|rechnungskorrektur|creditnota|kredietnota|credit\snote|gutschrift|note\sde\scredit)(?:\b|(?=[a-z]{0,2}\d))",
            0.55,
        ),
        (
            r"(?:booking|reservation|receipt|bon|kassabon)\s?(?:id|no|nr|number|nummer)\.?",
            0.7,
        ),
    ],
    "issue_date": [
        (r"factuur\s?-?datum|datum\s(?:van\s(?:de\s)?)?factuur|creditnotadatum", 1.0),
        (
            r"date\s(?:de\s(?:la\s)?)?(?:facture|facturation|note\sde\scredit)|date\sfacture",
            1.0,
        ),
        (
            r"date\sd'?\s?emission|date\sof\sissue|issue\sdate|invoice\sdate|date\sof\sinvoice|bill\sdate",
            1.0,
        ),
        (
            r"rechnungs?\s?-?datum|datum\sder\srechnung|gutschrifts?\s?-?datum|beleg\s?-?datum|ausstellungs\s?-?datum",
            1.0,
        ),
        (r"^[a-z .\-]+,\sden\b", 0.75),
        # the place and date of a letter: "Gent, 19 juni 2025", "Bruxelles, le 03/04/2026"
        (
            r"^[a-z][a-z .'\-]{1,40},\s(?:le\s)?(?=\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\d{4}-\d{2}-\d{2}\b|\d{1,2}(?:er)?\s[a-z]{3,9}\.?\s\d{4}\b)",
            0.75,
        ),
        (r"^(?:[\"',.]\s?)?den$", 0.7),
        (r"(?:document|uitgifte|dokument)\s?-?datum|document\sdate", 0.8),
        (r"^(?:datum|date|dated|fecha)\b", 0.55),
        (r"\b(?:datum|date)\b", 0.45),
    ],
    "due_date": [
        (
            r"verval\s?-?(?:dag|datum)|uiterste\sbetaal\s?-?(?:datum|dag)|betaalbaar\s(?:voor|tot|op)",
            1.0,
        ),
        (
            r"te\sbetalen\s(?:voor|tegen|uiterlijk|op)|uiterlijk\s(?:te\sbetalen|op)",
            0.9,
        ),
        (
            r"(?:date\sd'?\s?)?echeance|date\slimite(?:\sde\spaiement)?|a\spayer\s(?:avant|pour)|payable\s(?:avant|le)",
            1.0,
        ),
        (
            r"due\sdate|payment\sdue|date\sdue|due\son|due\sby|pay\sby|payable\sby|payment\sdate",
            1.0,
        ),
        (
            r"falligkeits?\s?-?datum|fallig\s(?:am|bis|zum)|zahlbar\s(?:bis|am)|zahlungsziel|falligkeit",
            1.0,
        ),
    ],
    "total_excl_vat": [
        (
            r"totaal\s(?:bedrag\s)?(?:excl|exclusief|zonder|ex)\.?\s?(?:btw|b\.t\.w\.)|subtotaal|maatstaf\svan\sheffing",
            1.0,
        ),
        (
            r"(?:bedrag|totaal)\s(?:excl|exclusief|zonder)\.?\s?(?:btw)?|netto\s?-?bedrag|totaal\snetto|totaal\smaatstaf",
            0.9,
        ),
        (
            r"total\s(?:htva|hors\s(?:tva|taxes?)|ht|h\.t\.|net\sht)|montant\s(?:total\s)?(?:htva|ht|hors\stva)|sous\s?-?total",
            1.0,
        ),
        (
            r"total\s(?:[€$£]\s)?(?:excl|excluding|ex|before|w/o|without)\.?\s?(?:vat|tax|taxes|gst|btw|tva)",
            1.0,
        ),
        (
            r"total\s(?:[^\s\d]+\s){0,2}\(?(?:excl|excluding|exclusive|exc)\b\.?\s?(?:of\s)?(?:vat|tax|taxes|gst|btw|tva)\)?",
            1.0,
        ),
        (
            r"(?:net|nett)\s(?:total|amount|value)|total\snet(?:\samount)?|sub\s?-?total|untaxed\samount|amount\sexcl",
            0.9,
        ),
        (
            r"netto\s?-?(?:betrag|summe|gesamt|rechnungsbetrag|wert)|summe\snetto|gesamt\s?-?netto|nettosumme",
            1.0,
        ),
        (
            r"rechnungssumme\sohne\s(?:ust|mwst)|gesamtbetrag\sohne\s(?:ust|mwst)|zwischensumme|warenwert",
            0.9,
        ),
        (
            r"(?:total|summe|betrag)\s(?:ohne|exkl\.?|zzgl\.?)\s?(?:ust|mwst|steuer)",
            0.9,
        ),
        (r"^(?:netto|net|ht|htva)\b", 0.6),
    ],
    "total_vat": [
        (r"totaal\s(?:btw|b\.t\.w\.)|btw\s?-?bedrag|bedrag\sbtw|te\sbetalen\sbtw", 1.0),
        (
            r"total\s(?:tva|taxes?)|montant\s(?:de\s(?:la\s)?)?tva|tva\s(?:totale|a\spayer)",
            1.0,
        ),
        (
            r"(?:total\s)?(?:vat|tax|gst|sales\stax)\s(?:amount|total)|total\s(?:vat|gst)",
            1.0,
        ),
        (
            r"(?:summe|gesamt|betrag)\s?-?(?:mwst|ust|umsatzsteuer|steuer)|(?:mwst|ust|umsatz)\.?\s?-?betrag|steuerbetrag|mehrwertsteuer|umsatzsteuer",
            0.9,
        ),
        (
            r"total\sinclud(?:es|ing)\s(?:\d+(?:[.,]\d+)?\s?%\s)?(?:gst|vat|tax|btw|tva)|(?:gst|vat|tax)\spayable",
            0.9,
        ),
        (r"^(?:btw|tva|vat|tax|gst|mwst\.?|ust\.?|b\.t\.w\.)\b", 0.6),
        (r"\b(?:btw|tva|vat|tax|gst|mwst|ust)\b", 0.4),
    ],
    "total_incl_vat": [
        (
            r"totaal\s(?:bedrag\s)?(?:incl|inclusief|inbegrepen|met)\.?\s?(?:btw|b\.t\.w\.)?|totaal\sfactuur(?:bedrag)?|factuurbedrag",
            1.0,
        ),
        (
            r"total\s(?:ttc|tvac|t\.t\.c\.|tva\scomprise)|montant\s(?:total\s)?(?:ttc|tvac)|total\sfacture",
            1.0,
        ),
        (
            r"total\s(?:[€$£]\s)?(?:incl|including|inc|with)\.?\s?(?:vat|tax|taxes|gst|btw|tva)|invoice\stotal|grand\stotal|total\s(?:amount|for\sthis\sinvoice|invoice\samount)",
            1.0,
        ),
        (
            r"total\s(?:[^\s\d]+\s){0,3}\(?(?:incl|inci|including|inclusive|inc)\b\.?\s?(?:of\s)?(?:vat|tax|taxes|gst|btw|tva)\)?",
            1.0,
        ),
        (
            r"total\s(?:after|apres|na)\s(?:rounding|adj\w*|afronding|arrondi)|(?:rounded|afgerond\w*)\s(?:total|totaal|bedrag)",
            1.0,
        ),
        (
            r"(?:bedrag|montant)\s(?:incl|inclusief|tvac|ttc)\.?\s?(?:btw|tva)?|totaal\s?bedrag|montant\stotal|solde\sdu|montant\sdu|openstaand\s(?:saldo|bedrag)",
            0.85,
        ),
        (
            r"(?:gesamt|rechnungs|brutto|end)\s?-?(?:betrag|summe)|gesamtsumme|summe\sgesamt|bruttosumme|betrag\sinkl\.?",
            1.0,
        ),
        (r"(?:total|betrag|summe)\s(?:inkl|incl)\.?\s?(?:ust|mwst|steuer)", 1.0),
        (
            r"(?:totaal\s)?te\sbetalen|montant\sa\spayer|net\sa\spayer|a\spayer|zahlbetrag|amount\s(?:due|payable|paid)|amt\.?\s?due|total\spaid|total\s(?:due|payable)|balance\sdue|to\spay",
            0.85,
        ),
        (r"(?:rounded|nett|net)\stotal|total\s(?:rounded|sales|rm)|total\s\(rm\)", 0.8),
        (r"^(?:totaal|total|summe|gesamt|brutto|totale)\b", 0.6),
    ],
    # the customer's own account (direct debit): an IBAN next to it is not the payee's
    "debit_account": [
        (
            r"domicili\w*|uw\srekening(?:nummer)?|votre\scompte|your\saccount|lastschrift\w*|sepa\s(?:direct\sdebit|mandate?)|mandaat\w*|prelevement|einzug\w*",
            1.0,
        ),
    ],
    "rounding": [
        (r"(?:rounding|round\soff)(?:\sadj\w*)?|afronding|arrondi\w*|rundung\w*", 1.0),
    ],
    "currency": [
        (r"(?:rechnungs)?wahrung|munt|valuta|devise|monnaie|currency", 1.0),
    ],
    "iban": [
        (r"\biban\b", 1.0),
        (
            r"rekening\s?-?(?:nummer|nr)?|bankrekening|compte\sbancaire|^compte\b|numero\sde\scompte|n°\sde\scompte|bankverbindung|konto",
            0.7,
        ),
    ],
    "bic": [(r"\bbic\b|\bswift\b|bic\s?/\s?swift|swift\s?/\s?bic", 1.0)],
    "payment_reference": [
        (
            r"gestructureerde\smededeling|communication\sstructuree|structured\s(?:communication|reference)",
            1.0,
        ),
        (
            (
                r"mededeling|betalings?\s?-?(?:referentie|kenmerk)|communication|payment\sreference|remittance|verwendungszweck|zahlungsreferenz|referenz\sder\szahlung"
                r"|^vermelding\b|(?:ref\.?|referentie)\s(?:betaling|paiement)|payment\sref\b\.?|please\squote|^mention\b"
            ),
            0.9,
        ),
        (r"reference\sde\spaiement|reference\sa\srappeler|betalingskenmerk", 1.0),
        (
            r"\bquoting|(?:met|onder)\svermelding(?:\svan)?|en\smentionnant|unter\sangabe(?:\s(?:von|der|des))?|reference\savis\sde\spaiement",
            0.85,
        ),
    ],
    "enterprise_number": [
        (
            r"ondernemings\s?-?(?:nummer|nr)|\bkbo\b|\brpr\b|\brpm\b|\bbce\b|n[°o*º]\.?\sd'?\s?entreprise|numero\sd'?\s?entreprise|enterprise\s(?:number|no)|company\s(?:number|no|reg)",
            1.0,
        ),
    ],
    "vat_label": [
        (
            r"btw\s?-?(?:nummer|nr|no|identificatienummer)\b\.?|n[°o*º]\.?\s?(?:de\s)?tva|numero\sde\stva|tva\sintra\w*|vat\s?-?(?:no|number|reg|id|registration|identifier)\b\.?|ust\.?\s?-?id\.?\s?-?(?:nr)?\.?|umsatzsteuer\s?-?id\w*|mwst\s?-?nr|steuer\s?-?nr|tax\sid|gst\sreg\w*",
            1.0,
        ),
    ],
    # labels that look like ours but name something else: matched so they win the overlap, then ignored
    "noise": [
        (
            r"ursprungs\s?-?(?:beleg|rechnung)s?\s?-?(?:nr|nummer)\.?|(?:bezug|referenz)\s?-?rechnung\w*|factuur\swaarop|oorspronkelijke\sfactuur|facture\sd'?origine",
            1.0,
        ),
        (
            r"(?:date|n[°o*º]|numero)\sde\sfacture\s(?:associee|d'?origine|initiale)|(?:original|related|preceding)\sinvoice\s(?:date|number|no)",
            1.0,
        ),
        (r"^date\s(?:de\s)?(?:debut|fin)\b", 1.0),
        (
            r"date\sde\s(?:debut|fin)(?:\sde\s(?:la\s)?(?:prestation|periode))?|(?:start|end)\sdate|(?:begin|eind)\s?-?datum|date\sde\sfacture\sassociee",
            1.0,
        ),
        (
            r"(?:leistungs|liefer|lieferschein|vertrags|auftrag|auftrags|bestell|zahlungs)\s?-?datum|delivery\sdate|order\sdate|leverdatum|besteldatum|date\sde\s(?:livraison|commande)|datum\slevering",
            1.0,
        ),
        (
            r"(?:kunden|debitoren|leasing|vertrags|auftrags|bestell|lieferschein|klant|client|customer|order|account)\s?-?(?:nummer|nr|number|no)\.?|n[°o*º]\.?\s?(?:de\s)?(?:client|commande)",
            1.0,
        ),
        (r"tax\sinvoice", 0.5),
        (
            r"reeds\sbetaald|voorschot|acompte|deja\s(?:paye|regle)|anzahlung\w*|already\spaid|prepaid|amount\spaid\sin\sadvance",
            1.0,
        ),
    ],
    "customer_block": [
        (
            r"^(?:klant|klantgegevens|facturatieadres|factuuradres|geadresseerde|afnemer|bestemmeling)\b",
            1.0,
        ),
        (
            r"^(?:factuur|facture|invoice|rechnung)\s(?:aan|a|to|an)\b|^(?:gefactureerd|gefaktureerd)\saan\b|^aan\s?:|^t\.?\s?a\.?\s?v\.?(?:\s|:|$)|^a\sl'?\s?attention\sde\b|^ter\sattentie\svan\b|^an\s?:|^to\s?:",
            1.0,
        ),
        (
            r"^(?:geleverd\saan|leveringsadres|verzonden\snaar|livre\sa|adresse\sde\slivraison|lieferadresse|delivery\saddress)\b",
            0.8,
        ),
        (
            r"^(?:client|adresse\sdu\sclient|facture\sa|adresse\sde\sfacturation|destinataire|acheteur)\b",
            1.0,
        ),
        (
            r"^(?:bill\sto|billed\sto|invoice\sto|customer|buyer|sold\sto|ship\sto|deliver\sto|bill\sto\saddress)\b",
            1.0,
        ),
        (
            r"^(?:kunde|rechnungsempfanger|warenempfanger|kaufer|leistungsempfanger|rechnungsadresse|auftraggeber|empfanger)\b",
            1.0,
        ),
        (r"kaufer\s?/\s?leistungsempfanger|abweichender\srechnungsempfanger", 1.0),
    ],
    "supplier_block": [
        (
            r"^(?:beneficiaire|begunstigde|beneficiary|kontoinhaber|account\sholder|account\sname)\b",
            0.8,
        ),
        (
            r"\b(?:owned\sby|operated\sby|dimiliki(?:\soleh)?|uitgebaat\sdoor|exploite\spar|betrieben\svon)\b",
            0.9,
        ),
        (
            r"^(?:leverancier|verkoper|fournisseur|vendeur|emetteur|supplier|seller|vendor|service\sprovider|from|lieferant|verkaufer|rechnungssteller)\b",
            1.0,
        ),
    ],
}

_COMPILED: dict[str, list[tuple[re.Pattern[str], float]]] = {
    name: [(re.compile(p), s) for p, s in entries] for name, entries in LEXICON.items()
}

AMOUNT_FIELDS = ("total_excl_vat", "total_vat", "total_incl_vat")


@dataclass(frozen=True)
class LabelHit:
    field: str
    strength: float
    start: int  # in the folded cell text
    end: int


# labels OCR often damages ("ervaldatum", "date d'echeanc"): matched whole-cell, fuzzily
_FUZZY = {
    "factuurnummer": "invoice_number", "factuurdatum": "issue_date", "vervaldatum": "due_date", "vervaldag": "due_date",
    "numero de facture": "invoice_number", "date de facture": "issue_date", "date d'echeance": "due_date",
    "invoice number": "invoice_number", "invoice date": "issue_date", "due date": "due_date",
    "rechnungsnummer": "invoice_number", "rechnungsdatum": "issue_date", "falligkeitsdatum": "due_date",
    "totaal excl. btw": "total_excl_vat", "totaal incl. btw": "total_incl_vat", "totaal btw": "total_vat",
    "total htva": "total_excl_vat", "total tvac": "total_incl_vat", "total tva": "total_vat",
    "gestructureerde mededeling": "payment_reference", "communication structuree": "payment_reference",
}  # fmt: skip


def _fuzzy(folded: str) -> list[LabelHit]:
    text = folded.rstrip(" :")
    if not 8 <= len(text) <= 30 or any(ch.isdigit() for ch in text):
        return []
    best = max(_FUZZY, key=lambda k: SequenceMatcher(None, k, text).ratio())
    if SequenceMatcher(None, best, text).ratio() >= 0.88:
        return [LabelHit(_FUZZY[best], 0.85, 0, len(text))]
    return []


def find_labels(folded: str, fields: tuple[str, ...] | None = None) -> list[LabelHit]:
    """Longest non-overlapping label matches of a folded cell text (a damaged label of
    the short list above is recognised when nothing but a generic word matches)."""
    found = _find_labels(folded)
    return [h for h in found if fields is None or h.field in fields]


@lru_cache(maxsize=65536)
def _find_labels(folded: str) -> list[LabelHit]:
    chosen = exact_labels(folded)
    if all(
        h.strength < 0.6 for h in chosen
    ):  # nothing, or only a generic word such as "date"
        return _fuzzy(folded) or chosen
    return chosen


@lru_cache(maxsize=65536)
def exact_labels(folded: str) -> list[LabelHit]:
    """The lexicon's matches only, without the fuzzy look-up of damaged labels (the
    learned ranker's features: many short texts, and the n-grams see damage anyway)."""
    hits: list[LabelHit] = []
    for name, entries in _COMPILED.items():
        for rx, strength in entries:
            for m in rx.finditer(folded):
                if m.end() > m.start():
                    hits.append(LabelHit(name, strength, m.start(), m.end()))
    hits.sort(key=lambda h: (-(h.end - h.start), -h.strength))
    chosen: list[LabelHit] = []
    for h in hits:
        if all(h.end <= c.start or h.start >= c.end for c in chosen):
            chosen.append(h)
    return sorted(chosen, key=lambda h: h.start)
