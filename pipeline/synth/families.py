"""Randomised layout families: many more invoice and till-slip layouts than the seven
hand-drawn ones, for training and for honest leave-family-out evaluation.

A *family* is a number. It fixes, through its own random generator, everything a
printer's template fixes: where the supplier, the customer, the title, the invoice
facts and the totals stand; how the facts are laid out (``Label: value`` on one line,
a label column and a value column, the label over its value, a header row over a value
row, a heading such as ``FACTUUR`` with sub-labels ``Nummer``/``Datum`` under it, a label
broken over two lines); the label vocabulary, with unusual spellings (abbreviated,
accents dropped, upper case, hyphenated); fonts and sizes; the line-table style; how
the totals and the payment instructions are printed; distractors (customer and order
numbers, delivery dates, page numbers). Documents of one family share that template;
their content (companies, lines, numbers, dates) varies. The truth is the document's
own (:mod:`pipeline.synth.corpus` ``truth_fields``): a free-text payment reference is
the whole text printed.

Family numbers ``>= RECEIPT_BASE`` are till-slip families.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from pipeline.synth import formats
from pipeline.synth.catalogue import RECEIPT_VAT_LETTERS
from pipeline.synth.companies import COUNTRY_NAMES
from pipeline.synth.documents import SynthDocument
from pipeline.synth.render import GREY, LIGHT, Canvas, TableStyle, draw_table

RECEIPT_BASE = 10_000

# label vocabularies per field and language (the usual and the unusual)
VOCAB: dict[str, dict[str, tuple[str, ...]]] = {
    "number": {
        "nl": (
            "Factuurnummer",
            "Factuurnr.",
            "Factuur nr",
            "Fact. nr.",
            "Nr. factuur",
            "Factuur n°",
            "Stuknummer",
            "Documentnr.",
            "Nummer factuur",
            "Factuur-nummer",
            "Fakt. nr",
            "Referentie factuur",
        ),
        "fr": (
            "Numéro de facture",
            "Facture n°",
            "N° facture",
            "Fact. n°",
            "N° de pièce",
            "Réf. facture",
            "No facture",
            "Numéro",
            "Facture numéro",
            "N° document",
        ),
        "en": (
            "Invoice number",
            "Invoice no.",
            "Invoice #",
            "Inv. No.",
            "Invoice ID",
            "Document no.",
            "Bill no.",
            "Invoice ref.",
            "Number",
            "Inv #",
        ),
    },
    "credit_number": {
        "nl": (
            "Creditnotanummer",
            "Creditnota nr.",
            "Nr. creditnota",
            "Kredietnota nr",
            "Stuknummer",
        ),
        "fr": (
            "Numéro de note de crédit",
            "Note de crédit n°",
            "N° avoir",
            "Avoir n°",
            "N° de pièce",
        ),
        "en": (
            "Credit note number",
            "Credit note no.",
            "Credit memo #",
            "Document no.",
            "CN number",
        ),
    },
    "sub_number": {
        "nl": ("Nummer", "Nr.", "Nr", "N°"),
        "fr": ("Numéro", "N°", "No"),
        "en": ("Number", "No.", "#", "Nr."),
    },
    "sub_date": {"nl": ("Datum", "Dd."), "fr": ("Date", "Du"), "en": ("Date", "Dated")},
    "sub_due": {
        "nl": ("Vervaldag", "Vervalt", "Betalen voor"),
        "fr": ("Échéance", "Payable le"),
        "en": ("Due", "Due on"),
    },
    "date": {
        "nl": (
            "Factuurdatum",
            "Datum factuur",
            "Datum",
            "Uitgiftedatum",
            "Factuur datum",
            "Fact.datum",
            "Opgemaakt op",
        ),
        "fr": (
            "Date de facture",
            "Date",
            "Date facture",
            "Émise le",
            "Date d'émission",
            "Date fact.",
        ),
        "en": (
            "Invoice date",
            "Date",
            "Issued",
            "Date of issue",
            "Issue date",
            "Dated",
            "Inv. date",
        ),
    },
    "due": {
        "nl": (
            "Vervaldatum",
            "Vervaldag",
            "Te betalen voor",
            "Uiterste betaaldatum",
            "Betaalbaar tot",
            "Verval",
        ),
        "fr": (
            "Échéance",
            "Date d'échéance",
            "À payer avant le",
            "Payable le",
            "Date limite",
        ),
        "en": ("Due date", "Payment due", "Due", "Pay by", "Payable by", "Due on"),
    },
    "customer": {
        "nl": (
            "Klant",
            "Aan",
            "Factuuradres",
            "Gefactureerd aan",
            "Bestemmeling",
            "Klantgegevens",
            "Afnemer",
        ),
        "fr": (
            "Client",
            "Facturé à",
            "Destinataire",
            "Adresse de facturation",
            "Facturer à",
        ),
        "en": ("Bill to", "Billed to", "Customer", "Invoice to", "Sold to", "Client"),
    },
    "net": {
        "nl": (
            "Totaal excl. btw",
            "Subtotaal",
            "Maatstaf van heffing",
            "Netto",
            "Totaal zonder btw",
            "Bedrag excl. BTW",
            "Totaal exclusief btw",
            "Netto bedrag",
        ),
        "fr": (
            "Total HTVA",
            "Sous-total",
            "Total hors TVA",
            "Montant HT",
            "Base imposable",
            "Total HT",
        ),
        "en": (
            "Subtotal",
            "Net amount",
            "Total excl. VAT",
            "Amount before tax",
            "Net total",
            "Total net",
        ),
    },
    "vat": {
        "nl": ("Btw", "Totaal btw", "Btw-bedrag", "Bedrag btw", "BTW"),
        "fr": ("TVA", "Total TVA", "Montant TVA", "Montant de la TVA"),
        "en": ("VAT", "Total VAT", "VAT amount", "Tax"),
    },
    "total": {
        "nl": (
            "Totaal incl. btw",
            "Te betalen",
            "Totaal",
            "Totaal te betalen",
            "Factuurbedrag",
            "Totaal bedrag",
            "Eindtotaal",
            "Totaal incl.",
        ),
        "fr": (
            "Total TVAC",
            "Total à payer",
            "Montant total",
            "Net à payer",
            "Total TTC",
            "Total",
            "Montant dû",
        ),
        "en": (
            "Total",
            "Amount due",
            "Grand total",
            "Total due",
            "Balance due",
            "Total incl. VAT",
            "Invoice total",
        ),
    },
    "reference": {
        "nl": (
            "Mededeling",
            "Betalingskenmerk",
            "Vermelding",
            "Referentie betaling",
            "Ref. betaling",
            "Met vermelding van",
        ),
        "fr": (
            "Communication",
            "Référence",
            "Réf. paiement",
            "Mention",
            "Communication à mentionner",
        ),
        "en": (
            "Payment reference",
            "Reference",
            "Remittance info",
            "Please quote",
            "Payment ref.",
        ),
    },
    "ogm": {
        "nl": (
            "Gestructureerde mededeling",
            "Gestruct. mededeling",
            "OGM",
            "Mededeling",
        ),
        "fr": ("Communication structurée", "Comm. structurée", "Communication"),
        "en": ("Structured reference", "Structured communication", "Reference"),
    },
    "customer_no": {
        "nl": ("Klantnummer", "Klant nr.", "Uw klantnr."),
        "fr": ("N° client", "Réf. client"),
        "en": ("Customer no.", "Account no.", "Customer ID"),
    },
    "order_no": {
        "nl": ("Bestelbon", "Uw bestelling", "Order nr."),
        "fr": ("Bon de commande", "Votre commande"),
        "en": ("Order no.", "PO number", "Your order"),
    },
    "delivery": {
        "nl": ("Leverdatum", "Geleverd op"),
        "fr": ("Date de livraison", "Livré le"),
        "en": ("Delivery date", "Delivered"),
    },
}

RECEIPT_VOCAB = {
    "total": (
        "TOTAAL",
        "TOTAL",
        "TE BETALEN",
        "A PAYER",
        "TOTAAL EUR",
        "SOM",
        "Totaal",
        "TOTAL TTC",
        "BEDRAG",
    ),
    "head": (
        "KASTICKET",
        "TICKET DE CAISSE",
        "Welkom",
        "Bienvenue",
        "KASSABON",
        "Ticket",
        "",
    ),
    "change": ("Wisselgeld", "Rendu", "Terug", "Change"),
    "paid": ("Bancontact", "Cash", "Contant", "Visa", "Payconiq", "Maestro", "Espèces"),
    "thanks": (
        "Bedankt en tot ziens!",
        "Merci et à bientôt !",
        "Tot ziens",
        "Merci",
        "Thank you",
    ),
}

META_STYLES = ("inline", "two_cols", "stacked", "header_row", "heading_sub", "two_line")
TOTALS_STYLES = ("stack", "stack_left", "one_row", "header_row", "dash")
PARTY_SPOTS = ("top_left", "top_right", "center", "footer")


def perturb(label: str, rng: random.Random) -> str:
    """An unusual spelling of a label: accents dropped, upper case, hyphen or space
    changes, abbreviation, a trailing colon or hash."""
    roll = rng.random()
    out = label
    if roll < 0.2:
        out = out.upper()
    elif roll < 0.35:
        out = out.translate(str.maketrans("éèêëàâçôûîÉ", "eeeeaacouiE"))
    elif roll < 0.5 and len(out) > 10 and " " not in out:
        out = out[:6] + "-" + out[6:].lower()
    elif roll < 0.6:
        out = re.sub(r"(\w{4})\w{3,}", lambda m: m.group(1) + ".", out, count=1)
    if rng.random() < 0.5:
        out = out.rstrip(":") + ":"
    return out


@dataclass(frozen=True)
class FamilySpec:
    family: int
    font: str
    title: str  # left / right / center / none
    title_size: float
    supplier_at: str  # one of PARTY_SPOTS
    supplier_size: float
    logo: bool
    customer_x: float
    customer_y: float
    customer_label: str  # above / inline / none
    meta: str  # one of META_STYLES
    meta_x: float
    meta_y: float
    meta_size: float
    table: TableStyle
    totals: str  # one of TOTALS_STYLES
    totals_x: float  # right edge
    payment: str  # rows / sentence / box
    free_reference: float  # chance that the payment reference is free text
    distractors: bool
    country_line: bool
    labels: dict[str, int]  # vocabulary index per key
    perturb_seed: int


def spec_for(family: int) -> FamilySpec:
    rng = random.Random(f"boekbrug-family:{family}")
    meta = (
        META_STYLES[family % len(META_STYLES)]
        if rng.random() < 0.7
        else rng.choice(META_STYLES)
    )
    return FamilySpec(
        family=family,
        font=rng.choice(("helv", "helv", "tiro", "cour")),
        title=rng.choice(("left", "right", "center", "right", "none")),
        title_size=rng.choice((12, 14, 16, 20, 24, 28)),
        supplier_at=rng.choice(PARTY_SPOTS),
        supplier_size=rng.choice((9, 10, 11, 13, 16, 18)),
        logo=rng.random() < 0.4,
        customer_x=rng.choice((40, 60, 300, 330, 340)),
        customer_y=rng.choice((150, 165, 180, 200)),
        customer_label=rng.choice(("above", "above", "inline", "none")),
        meta=meta,
        meta_x=rng.choice((40, 40, 300, 330, 360)),
        meta_y=rng.choice((235, 250, 265)),
        meta_size=rng.choice((8, 8.5, 9, 10)),
        table=TableStyle(
            grid=rng.random() < 0.3,
            zebra=rng.random() < 0.2,
            header_fill=rng.choice((LIGHT, None, (0.85, 0.9, 0.97))),
            rules=rng.random() < 0.7,
            size=rng.choice((8, 8.5, 9)),
            row_h=rng.choice((15, 16, 18)),
        ),
        totals=rng.choice(TOTALS_STYLES),
        totals_x=rng.choice((555, 555, 540, 400)),
        payment=rng.choice(("rows", "sentence", "box")),
        free_reference=rng.choice((0.0, 0.3, 0.6)),
        distractors=rng.random() < 0.6,
        country_line=rng.random() < 0.4,
        labels={key: rng.randrange(64) for key in VOCAB},
        perturb_seed=rng.randrange(1 << 30),
    )


class _Labels:
    def __init__(self, spec: FamilySpec, language: str) -> None:
        self.spec = spec
        self.language = language
        self.cache: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self.cache:
            pool = VOCAB[key][self.language]
            label = pool[self.spec.labels[key] % len(pool)]
            rng = random.Random(f"{self.spec.perturb_seed}:{key}")
            self.cache[key] = perturb(label, rng) if rng.random() < 0.35 else label
        return self.cache[key]


def _free_reference(doc: SynthDocument, rng: random.Random) -> str:
    """A payment reference of several words, as printed by hand-made templates."""
    seq = rng.randint(100, 99999)
    forms = (
        f"{doc.number} {doc.customer.name.split()[0] if doc.customer else 'klant'}",
        f"Klant {seq} factuur {doc.number}",
        f"{doc.number} / {rng.choice(('project', 'werf', 'chantier', 'dossier'))} {rng.randint(1, 999)}",
        f"REF {seq} {rng.choice(('A', 'B', 'BX', 'GT'))}{rng.randint(10, 99)}",
        f"Dossier {rng.randint(2024, 2026)}-{seq}",
    )
    return rng.choice(forms)


def adapt(doc: SynthDocument, family: int) -> SynthDocument:
    """The document as this family prints it: a free-text payment reference where the
    family's template uses one (the truth follows the document)."""
    spec = spec_for(family)
    rng = random.Random(f"{doc.doc_seed}:{family}:ref")
    doc = replace(
        doc, style=replace(doc.style, layout=f"family-{family}", font=spec.font)
    )
    free = (
        doc.doc_type == "invoice"
        and doc.payment_reference
        and not doc.payment_reference.startswith("+++")
    )
    if free and rng.random() < spec.free_reference:
        return replace(doc, payment_reference=_free_reference(doc, rng))
    return doc


def _party(doc: SynthDocument, which: str, spec: FamilySpec) -> list[str]:
    company = doc.supplier if which == "supplier" else doc.customer
    assert company is not None
    rows = [company.name, company.street, f"{company.postal_code} {company.city}"]
    if spec.country_line or company.country != "BE":
        rows.append(COUNTRY_NAMES[doc.language][company.country])
    vat = doc.vat_text(company)
    if vat:
        rows.append(f"{doc.label('vat')} {vat}")
    return rows


def _facts(
    doc: SynthDocument, lab: _Labels, spec: FamilySpec
) -> list[tuple[str, str, str]]:
    """(key, label, value) of the invoice facts, distractors included."""
    credit = doc.doc_type == "credit_note"
    rng = random.Random(f"{doc.doc_seed}:{spec.family}:facts")
    out = [
        ("number", lab("credit_number" if credit else "number"), doc.number or ""),
        ("date", lab("date"), doc.date_text(doc.issue_date)),
    ]
    if doc.due_date is not None:
        out.append(("due", lab("due"), doc.date_text(doc.due_date)))
    if spec.distractors:
        if doc.customer_number:
            out.insert(
                rng.randrange(len(out) + 1),
                ("customer_no", lab("customer_no"), doc.customer_number),
            )
        if rng.random() < 0.5:
            out.append(
                (
                    "order_no",
                    lab("order_no"),
                    doc.order_reference or f"{rng.randint(4000, 98000)}",
                )
            )
        if rng.random() < 0.4:
            delivery = doc.issue_date.fromordinal(
                doc.issue_date.toordinal() - rng.randint(1, 20)
            )
            out.append(("delivery", lab("delivery"), doc.date_text(delivery)))
    return out


def _title(doc: SynthDocument) -> str:
    return doc.label("credit_note" if doc.doc_type == "credit_note" else "invoice")


def _draw_meta(cv: Canvas, doc: SynthDocument, spec: FamilySpec, lab: _Labels) -> float:
    facts = _facts(doc, lab, spec)
    x, y, size = spec.meta_x, spec.meta_y, spec.meta_size
    width = 555 - x
    if spec.meta == "inline":
        for _, label, value in facts:
            cv.text(x, y, f"{label.rstrip(':')}: {value}", size)
            y += size * 1.6
    elif spec.meta == "two_cols":
        col = x + min(120, width / 2)
        for _, label, value in facts:
            cv.text(x, y, label, size, color=GREY)
            cv.text(col, y, value, size, bold=True)
            y += size * 1.6
    elif spec.meta == "stacked":
        col_w = min(150, width / 2)
        for i, (_, label, value) in enumerate(facts):
            xx = x + col_w * (i % 2)
            yy = y + (i // 2) * size * 3.4
            cv.text(xx, yy, label, size - 1, color=GREY)
            cv.text(xx, yy + size * 1.4, value, size, bold=True)
        y += ((len(facts) + 1) // 2) * size * 3.4
    elif spec.meta == "header_row":
        step = (555 - 40) / max(len(facts), 3)
        cv.rect(40, y - size - 3, 555, y + size * 1.9, color=GREY, width=0.5)
        for i, (_, label, value) in enumerate(facts):
            cv.text(40 + 5 + step * i, y, label, size - 0.5, bold=True)
            cv.text(40 + 5 + step * i, y + size * 1.5, value, size)
        y += size * 3.5
    elif spec.meta == "heading_sub":
        # a heading naming the document, its facts as sub-labels under it
        cv.text(x, y, _title(doc).capitalize(), size + 3, bold=True)
        y += size * 1.8
        subs = {
            "number": lab("sub_number"),
            "date": lab("sub_date"),
            "due": lab("sub_due"),
        }
        for key, label, value in facts:
            cv.text(x + 8, y, subs.get(key, label), size, color=GREY)
            cv.text(x + 95, y, value, size, bold=key == "number")
            y += size * 1.6
    else:  # two_line: long labels broken over two lines, the value beside the first
        col = x + 110
        for _, label, value in facts:
            words = label.split()
            if len(words) >= 2:
                first, second = words[0], " ".join(words[1:])
            elif len(label) > 9:
                first, second = label[:-6] + "-", label[-6:]
            else:
                first, second = label, ""
            cv.text(x, y, first, size, color=GREY)
            cv.text(col, y, value, size, bold=True)
            if second:
                y += size * 1.25
                cv.text(x, y, second, size, color=GREY)
            y += size * 1.7
    return y


def _draw_totals(
    cv: Canvas, doc: SynthDocument, spec: FamilySpec, lab: _Labels, y: float
) -> float:
    rows = [
        (lab("net"), doc.money(doc.total_excl)),
        (lab("vat"), doc.money(doc.total_vat)),
        (lab("total"), doc.money(doc.total_incl)),
    ]
    x1 = spec.totals_x
    if spec.totals in ("stack", "stack_left", "dash"):
        x_label = x1 - 210 if spec.totals != "stack_left" else 40
        for i, (label, value) in enumerate(rows):
            last = i == 2
            if spec.totals == "dash":
                cv.text(
                    x1,
                    y,
                    f"{label.rstrip(':')} - {value}",
                    9 + last,
                    bold=last,
                    align="right",
                )
            else:
                cv.text(x_label, y, label, 9, bold=last)
                cv.text(x1, y, value, 9 + last, bold=last, align="right")
            y += 16
        return y
    if spec.totals == "one_row":
        text = "    ".join(f"{label.rstrip(':')}: {value}" for label, value in rows)
        cv.text(555, y, text, 8.5, align="right", max_width=515)
        return y + 18
    step = 515 / 3  # header_row: the three labels over their values
    for i, (label, value) in enumerate(rows):
        cv.text(
            40 + step * (i + 1) - 8, y, label, 8, bold=True, color=GREY, align="right"
        )
        cv.text(40 + step * (i + 1) - 8, y + 13, value, 9.5, bold=i == 2, align="right")
    return y + 30


def _draw_payment(
    cv: Canvas, doc: SynthDocument, spec: FamilySpec, lab: _Labels, y: float
) -> float:
    ref = doc.payment_reference
    ogm = bool(ref and ref.startswith("+++"))
    due = doc.date_text(doc.due_date) if doc.due_date else ""
    if spec.payment == "sentence" and doc.doc_type == "invoice":
        rows = {
            "nl": [
                f"Gelieve {doc.money(doc.total_incl)} te betalen{' vóór ' + due if due else ''}",
                f"op rekening IBAN {doc.iban_text} BIC {doc.supplier.bic}",
            ],
            "fr": [
                f"Merci de verser {doc.money(doc.total_incl)}{' avant le ' + due if due else ''}",
                f"sur le compte IBAN {doc.iban_text} BIC {doc.supplier.bic}",
            ],
            "en": [
                f"Please pay {doc.money(doc.total_incl)}{' by ' + due if due else ''}",
                f"to IBAN {doc.iban_text} BIC {doc.supplier.bic}",
            ],
        }[doc.language]
        if ref:
            rows.append(f"{lab('ogm' if ogm else 'reference').rstrip(':')}: {ref}")
        return cv.lines(40, y, rows, 9, leading=1.5)
    rows = [f"IBAN {doc.iban_text}", f"BIC {doc.supplier.bic}"]
    if ref:
        rows.append(f"{lab('ogm' if ogm else 'reference').rstrip(':')}: {ref}")
    if doc.terms:
        rows.append(doc.terms)
    if doc.billing_reference and doc.billing_date:
        rows.append(
            f"{doc.label('cn_ref')} {doc.billing_reference} {doc.label('of_date')} {doc.date_text(doc.billing_date)}"
        )
    if spec.payment == "box":
        cv.rect(40, y - 12, 330, y + 13 * len(rows) - 4, color=GREY, width=0.5)
        return cv.lines(48, y, rows, 8.5)
    return cv.lines(40, y, rows, 8.5)


def render_family_invoice(doc: SynthDocument, family: int) -> bytes:
    """The text PDF of ``doc`` (from :func:`adapt`) in layout family ``family``."""
    spec = spec_for(family)
    lab = _Labels(spec, doc.language)
    cv = Canvas(spec.font)
    s = doc.supplier
    sup_rows = _party(doc, "supplier", spec) + [s.phone, s.email]
    if spec.supplier_at == "footer":
        cv.hline(40, 555, 770, color=GREY, width=0.4)
        cv.lines(40, 782, sup_rows[:3], 7.5, bold_first=True)
        cv.lines(300, 782, sup_rows[3:], 7.5)
    else:
        x, align = {
            "top_left": (40, "left"),
            "top_right": (555, "right"),
            "center": (297, "center"),
        }[spec.supplier_at]
        if spec.logo:
            cv.logo(
                40 if align != "left" else 480, 30, s.name, doc.style.accent, w=60, h=32
            )
        cv.text(x, 48, s.name, spec.supplier_size, bold=True, align=align)
        cv.lines(x, 48 + spec.supplier_size + 4, sup_rows[1:], 8, align=align)
    if spec.title != "none":
        tx = {"left": 40, "right": 555, "center": 297}[spec.title]
        ty = 140 if spec.supplier_at != "footer" else 60
        cv.text(
            tx,
            ty,
            _title(doc),
            spec.title_size,
            bold=True,
            align=spec.title,
            color=doc.style.accent,
        )
    # customer block
    cx, cy = spec.customer_x, spec.customer_y
    if spec.supplier_at == "footer":
        cy -= 60
    rows = _party(doc, "customer", spec)
    if spec.customer_label == "above":
        cv.text(cx, cy - 13, lab("customer").rstrip(":"), 7.5, color=GREY)
    elif spec.customer_label == "inline":
        rows = [f"{lab('customer').rstrip(':')}: {rows[0]}"] + rows[1:]
    cv.lines(cx, cy, rows, 9.5, bold_first=spec.customer_label != "inline")
    y = _draw_meta(cv, doc, spec, lab)
    y = draw_table(cv, doc, max(y + 14, 330), spec.table, bottom=730)
    if y + 140 > 760:
        cv.new_page()
        y = 60.0
    y = _draw_totals(cv, doc, spec, lab, y + 24)
    if doc.legal_mention:
        cv.text(40, y + 6, doc.legal_mention, 8, bold=True)
        y += 18
    _draw_payment(cv, doc, spec, lab, y + 16)
    if doc.doc_type == "credit_note" or spec.distractors:
        for i, page in enumerate(cv.doc):
            cv.page = page
            cv.text(
                555,
                830,
                f"{doc.label('page')} {i + 1}/{cv.doc.page_count}",
                7,
                color=GREY,
                align="right",
            )
    return cv.to_bytes()


def render_family_receipt(doc: SynthDocument, family: int) -> bytes:
    """A till slip (``doc`` from :func:`pipeline.synth.receipt.make_receipt`) in receipt family ``family``."""
    rng = random.Random(f"boekbrug-receipt-family:{family}")
    total_label = rng.choice(RECEIPT_VOCAB["total"])
    head = rng.choice(RECEIPT_VOCAB["head"])
    paid_row = rng.random() < 0.7
    change_row = rng.random() < 0.4
    name_size = rng.choice((9, 10, 11, 13))
    name_upper = rng.random() < 0.4
    vat_table = True  # the truth's net and VAT must be printed
    width = rng.choice((200.0, 226.0, 260.0))
    s = doc.supplier
    nl = doc.language == "nl"
    ex = doc.extra
    height = 320 + 22 * len(doc.lines) + 12 * len(doc.breakdown)
    cv = Canvas(rng.choice(("cour", "cour", "helv")), (width, float(height)))
    mid, left, right = width / 2, 10.0, width - 10
    y = 24.0
    if head and rng.random() < 0.5:
        cv.text(mid, y, head, 8, align="center")
        y += 13
    cv.text(
        mid,
        y,
        s.name.upper() if name_upper else s.name,
        name_size,
        bold=True,
        align="center",
    )
    y += name_size + 3
    y = cv.lines(
        mid,
        y,
        [
            s.street,
            f"{s.postal_code} {s.city}",
            f"{'BTW' if nl else 'TVA'} {doc.vat_text(s)}",
        ],
        7.5,
        align="center",
    )
    if head and y < 80 and rng.random() < 0.5:
        cv.text(mid, y + 4, head, 8, align="center")
        y += 12
    y += 6
    cv.text(left, y, f"{doc.date_text(doc.issue_date)} {ex['time']}", 7.5)
    cv.text(right, y, f"{'Kassa' if nl else 'Caisse'} {ex['till']}", 7.5, align="right")
    y += 11
    cv.text(left, y, f"Ticket {ex['ticket_number']}", 7.5)
    y += 16
    for line in doc.lines:
        letter = RECEIPT_VAT_LETTERS[int(line.vat_rate)]
        cv.text(left, y, line.description, 8, max_width=width * 0.62)
        if line.quantity != 1:
            y += 10
            cv.text(
                left + 8,
                y,
                f"{int(line.quantity)} x {doc.amount(line.unit_price)}",
                7.5,
            )
        cv.text(right, y, f"{doc.amount(line.net)} {letter}", 8, align="right")
        y += 12
    cv.hline(left, right, y - 4, width=0.4)
    y += 10
    cv.text(left, y, total_label, 11, bold=True)
    cv.text(right, y, doc.money(doc.total_incl), 11, bold=True, align="right")
    y += 14
    if paid_row:
        tendered = doc.total_incl
        if change_row:
            tendered = (doc.total_incl / 5).to_integral_value(
                rounding="ROUND_CEILING"
            ) * 5 + Decimal(5)
        cv.text(left, y, rng.choice(RECEIPT_VOCAB["paid"]), 8)
        cv.text(right, y, doc.amount(tendered), 8, align="right")
        y += 11
        if change_row:
            cv.text(left, y, rng.choice(RECEIPT_VOCAB["change"]), 8)
            cv.text(right, y, doc.amount(tendered - doc.total_incl), 8, align="right")
            y += 11
    y += 6
    if vat_table:
        heads = (
            ("Btw", "Basis", "Btw", "Totaal") if nl else ("TVA", "Base", "TVA", "Total")
        )
        xs = (left, left + width * 0.42, left + width * 0.64, right)
        for x, label in zip(xs, heads, strict=True):
            cv.text(x, y, label, 7, align="left" if x == left else "right")
        for row in doc.breakdown:
            y += 10
            letter = RECEIPT_VAT_LETTERS[int(row.rate)]
            vals = (
                f"{letter} {formats.rate(row.rate, 'plain')}",
                doc.amount(row.base),
                doc.amount(row.amount),
                doc.amount(row.base + row.amount),
            )
            for x, val in zip(xs, vals, strict=True):
                cv.text(x, y, val, 7, align="left" if x == left else "right")
    y += 20
    cv.text(mid, y, rng.choice(RECEIPT_VOCAB["thanks"]), 8, align="center")
    return cv.to_bytes()
