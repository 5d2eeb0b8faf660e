"""Seven invoice layouts. Each draws a whole document on a :class:`Canvas`.

classic          logo + supplier top left, title/meta right, window customer, grid table, totals box
band             coloured header band with the supplier, meta row, zebra table, accent total
footer_supplier  title top left, customer right, supplier only in a three-column footer
two_column       supplier and customer side by side in boxes, meta grid, ruled table
letter           serif letter: supplier top right, customer left, payment as sentences
boxed            header on the right, logo left, everything in boxes, filled table header
detailed         monospace, two-row lines (article detail), long → several pages
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.core.pdfcanvas import GREY, LIGHT, Canvas
from pipeline.synth.documents import SynthDocument
from pipeline.synth.ids import format_kbo
from pipeline.synth.render import (
    TableStyle,
    draw_breakdown,
    draw_table,
    draw_totals,
    legal_line,
    meta_pairs,
    number_pages,
    party_lines,
    payment_rows,
    totals_height,
)

WHITE = (1.0, 1.0, 1.0)


def _title(doc: SynthDocument) -> str:
    return doc.label("credit_note" if doc.doc_type == "credit_note" else "invoice")


def _continuation(doc: SynthDocument) -> Callable[[Canvas], float]:
    def header(cv: Canvas) -> float:
        cv.text(40, 50, doc.supplier.name, 9, bold=True)
        cv.text(555, 50, f"{_title(doc)} {doc.number}", 9, align="right")
        cv.hline(40, 555, 58, color=GREY)
        return 75.0
    return header


def _meta(cv: Canvas, doc: SynthDocument, x_label: float, x_value: float, y: float, size: float = 9) -> float:
    for label, value in meta_pairs(doc):
        cv.text(x_label, y, label, size, color=GREY)
        cv.text(x_value, y, value, size, bold=label == meta_pairs(doc)[0][0])
        y += size * 1.55
    return y


def _end(cv: Canvas, doc: SynthDocument, y: float, *, boxed_totals: bool, accent: bool = False,
         bottom: float = 770, breakdown_boxed: bool = False) -> float:
    """VAT summary left, totals right, legal mention and payment block below."""
    if y + totals_height(doc) > bottom:
        cv.new_page()
        y = _continuation(doc)(cv)
    y += 14
    y_left = draw_breakdown(cv, doc, 40, y + 10, boxed=breakdown_boxed)
    y_right = draw_totals(cv, doc, 555, y, boxed=boxed_totals, accent=doc.style.accent if accent else None)
    y = max(y_left, y_right) + 8
    if doc.legal_mention:
        cv.text(40, y, doc.legal_mention, 8.5, bold=True)
        y += 16
    y = cv.lines(40, y + 4, payment_rows(doc), 8.5)
    return y


def classic(cv: Canvas, doc: SynthDocument) -> None:
    s = doc.supplier
    cv.logo(40, 36, s.name, doc.style.accent)
    cv.lines(40, 96, party_lines(doc, "supplier") + [s.phone, s.email], 8.5, bold_first=True)
    cv.text(555, 60, _title(doc), 20, bold=True, color=doc.style.accent, align="right")
    _meta(cv, doc, 360, 460, 86)
    cv.text(330, 178, doc.label("customer"), 7.5, color=GREY)
    cv.lines(330, 192, party_lines(doc, "customer"), 9.5, bold_first=True)
    y = draw_table(cv, doc, 262, TableStyle(grid=True), on_new_page=_continuation(doc))
    _end(cv, doc, y, boxed_totals=True)
    cv.page = cv.doc[-1]
    cv.hline(40, 555, 800, color=GREY, width=0.4)
    cv.text(297, 812, legal_line(doc), 7, color=GREY, align="center", max_width=515)
    number_pages(cv, doc, y=828)


def band(cv: Canvas, doc: SynthDocument) -> None:
    s = doc.supplier
    cv.rect(0, 0, cv.width, 92, color=None, fill=doc.style.accent)
    cv.text(40, 42, s.name, 18, bold=True, color=WHITE)
    cv.text(40, 60, f"{s.street} · {s.postal_code} {s.city} · {s.website}", 8.5, color=WHITE)
    vat = doc.vat_text(s)
    cv.text(40, 76, f"{doc.label('vat')} {vat}   {doc.label('tel')} {s.phone}", 8.5, color=WHITE)
    cv.text(40, 130, _title(doc), 16, bold=True, color=doc.style.accent)
    x = 40.0
    for label, value in meta_pairs(doc)[:5]:
        cv.text(x, 152, label, 7.5, color=GREY)
        cv.text(x, 165, value, 9.5, bold=True)
        x += 103
    cv.text(330, 200, doc.label("customer"), 7.5, color=GREY)
    cv.lines(330, 214, party_lines(doc, "customer"), 9.5, bold_first=True)
    style = TableStyle(zebra=True, header_fill=doc.style.accent, header_text=WHITE, rules=False)
    y = draw_table(cv, doc, 290, style, on_new_page=_continuation(doc))
    if y + totals_height(doc) > 790:
        cv.new_page()
        y = _continuation(doc)(cv)
    y_right = draw_totals(cv, doc, 555, y + 12, accent=doc.style.accent)
    y = max(y_right, draw_breakdown(cv, doc, 40, y + 22)) + 10
    if doc.legal_mention:
        cv.text(40, y, doc.legal_mention, 8.5, bold=True)
        y += 16
    cv.rect(40, y, 555, y + 14 * len(payment_rows(doc)) + 10, color=doc.style.accent, fill=(0.97, 0.97, 0.97))
    cv.lines(50, y + 15, payment_rows(doc), 8.5)
    number_pages(cv, doc)


def footer_supplier(cv: Canvas, doc: SynthDocument) -> None:
    s = doc.supplier
    cv.text(40, 70, _title(doc), 26, bold=True)
    cv.logo(485, 40, s.name, doc.style.accent, w=70, h=34)
    _meta(cv, doc, 40, 150, 100, size=9)
    cv.text(340, 110, doc.label("customer"), 7.5, color=GREY)
    cv.lines(340, 124, party_lines(doc, "customer"), 9.5, bold_first=True)
    y = draw_table(cv, doc, 225, TableStyle(header_fill=None), bottom=730, on_new_page=_continuation(doc))
    _end(cv, doc, y, boxed_totals=False, bottom=735)
    vat = doc.vat_text(s)
    cols = [
        [s.name, s.street, f"{s.postal_code} {s.city}"],
        [f"{doc.label('vat')} {vat}" if vat else "",
         f"{doc.label('rpr')} {s.city}" if s.country == "BE" else "", s.email],
        [f"{doc.label('bank')}: IBAN {doc.iban_text}", f"BIC {s.bic}", s.website],
    ]
    for page in cv.doc:
        cv.page = page
        cv.hline(40, 555, 760, color=GREY, width=0.5)
        for i, rows in enumerate(cols):
            cv.lines(40 + 180 * i, 775, rows, 7.5, bold_first=i == 0, color=(0.25, 0.25, 0.25))
    number_pages(cv, doc, y=825)


def two_column(cv: Canvas, doc: SynthDocument) -> None:
    cv.text(40, 60, _title(doc), 18, bold=True, color=doc.style.accent)
    for x, which, key in ((40, "supplier", "supplier"), (305, "customer", "customer")):
        cv.rect(x, 80, x + 250, 170, color=GREY, width=0.6)
        cv.text(x + 8, 94, doc.label(key).upper(), 7, bold=True, color=GREY)
        cv.lines(x + 8, 110, party_lines(doc, which), 9, bold_first=True)
    pairs = meta_pairs(doc)[:5]
    width = 515 / len(pairs)
    for i, (label, value) in enumerate(pairs):
        x = 40 + width * i
        cv.rect(x, 185, x + width, 220, fill=LIGHT if i % 2 == 0 else None, width=0.5)
        cv.text(x + 6, 197, label, 7, color=GREY)
        cv.text(x + 6, 213, value, 9.5, bold=True)
    y = draw_table(cv, doc, 240, TableStyle(header_fill=None, rules=True), on_new_page=_continuation(doc))
    _end(cv, doc, y, boxed_totals=True, breakdown_boxed=True)
    cv.page = cv.doc[-1]
    cv.text(297, 815, legal_line(doc), 7, color=GREY, align="center", max_width=515)
    number_pages(cv, doc, y=830)


def letter(cv: Canvas, doc: SynthDocument) -> None:
    s = doc.supplier
    rows = party_lines(doc, "supplier") + [f"{doc.label('tel')} {s.phone}", s.email]
    cv.lines(555, 50, rows, 9, bold_first=True, align="right")
    cv.lines(60, 150, party_lines(doc, "customer"), 10, bold_first=True)
    cv.text(555, 240, f"{s.city}, {doc.date_text(doc.issue_date)}", 10, align="right")
    kind = _title(doc).capitalize()
    cv.text(60, 280, f"{kind} {doc.number}", 14, bold=True)
    y = 298.0
    for label, value in meta_pairs(doc)[2:]:
        cv.text(60, y, f"{label}: {value}", 9.5)
        y += 13
    y = draw_table(cv, doc, y + 8, TableStyle(header_fill=None), x0=60, x1=540, on_new_page=_continuation(doc))
    if y + totals_height(doc) > 780:
        cv.new_page()
        y = _continuation(doc)(cv)
    y = draw_totals(cv, doc, 540, y + 8, width=230, size=10)
    y = draw_breakdown(cv, doc, 60, y + 6, width=250)
    if doc.legal_mention:
        cv.text(60, y + 6, doc.legal_mention, 9.5, bold=True)
        y += 20
    y += 14
    if doc.doc_type == "invoice" and doc.due_date:
        sentences = _payment_sentences(doc)
    else:
        sentences = payment_rows(doc)
    y = cv.lines(60, y, sentences, 10, leading=1.4)
    cv.text(60, y + 16, doc.label("thanks"), 10)
    number_pages(cv, doc)


def _payment_sentences(doc: SynthDocument) -> list[str]:
    ref = doc.payment_reference
    due = doc.date_text(doc.due_date) if doc.due_date else ""
    total = doc.money(doc.total_incl)
    if doc.language == "nl":
        rows = [f"Gelieve het bedrag van {total} vóór {due} over te schrijven",
                f"op rekening {doc.iban_text} (BIC {doc.supplier.bic})"]
        rows.append(f"met mededeling {ref}." if ref else "met vermelding van het factuurnummer.")
    elif doc.language == "fr":
        rows = [f"Nous vous prions de verser le montant de {total} avant le {due}",
                f"sur le compte {doc.iban_text} (BIC {doc.supplier.bic})"]
        rows.append(f"avec la communication {ref}." if ref else "en mentionnant le numéro de facture.")
    else:
        rows = [f"Please transfer {total} before {due}",
                f"to account {doc.iban_text} (BIC {doc.supplier.bic})"]
        rows.append(f"quoting {ref}." if ref else "quoting the invoice number.")
    return rows


def boxed(cv: Canvas, doc: SynthDocument) -> None:
    s = doc.supplier
    cv.logo(40, 40, s.name, doc.style.accent, w=90, h=55)
    cv.rect(300, 36, 555, 130, width=0.8)
    rows = party_lines(doc, "supplier") + [s.email]
    cv.lines(310, 52, rows, 8.5, bold_first=True)
    cv.rect(40, 150, 280, 240, width=0.8)
    cv.text(48, 163, doc.label("customer"), 7.5, bold=True, color=GREY)
    cv.lines(48, 178, party_lines(doc, "customer"), 9, bold_first=True)
    cv.rect(300, 150, 555, 240, width=0.8)
    cv.rect(300, 150, 555, 170, color=None, fill=doc.style.accent)
    cv.text(427, 165, _title(doc), 12, bold=True, color=WHITE, align="center")
    _meta(cv, doc, 308, 420, 186, size=8.5)
    style = TableStyle(grid=True, header_fill=doc.style.accent, header_text=WHITE)
    y = draw_table(cv, doc, 260, style, on_new_page=_continuation(doc))
    _end(cv, doc, y, boxed_totals=True, accent=True, breakdown_boxed=True)
    cv.page = cv.doc[-1]
    cv.rect(40, 795, 555, 815, color=GREY, width=0.4)
    cv.text(297, 808, legal_line(doc), 7, color=GREY, align="center", max_width=505)
    number_pages(cv, doc, y=830)


def detailed(cv: Canvas, doc: SynthDocument) -> None:
    s = doc.supplier
    cv.text(40, 50, s.name.upper(), 13, bold=True)
    cv.lines(40, 66, party_lines(doc, "supplier")[1:], 8)
    if s.enterprise_number:
        cv.text(40, 110, f"{doc.label('kbo')} {format_kbo(s.enterprise_number, doc.style.kbo_format)}", 8)
    cv.text(555, 50, _title(doc), 15, bold=True, align="right")
    _meta(cv, doc, 340, 445, 72, size=8.5)
    cv.hline(40, 555, 140)
    cv.text(40, 158, doc.label("customer") + ":", 8, color=GREY)
    cv.lines(120, 158, party_lines(doc, "customer"), 9, bold_first=True)
    y = draw_table(cv, doc, 240, TableStyle(header_fill=LIGHT, size=8, row_h=20), bottom=760,
                   on_new_page=_continuation(doc))
    _end(cv, doc, y, boxed_totals=True)
    for page in cv.doc:
        cv.page = page
        cv.text(40, 815, f"{s.name} · IBAN {doc.iban_text} · BIC {s.bic}", 7, color=GREY)
    number_pages(cv, doc, y=815)


LAYOUT_FUNCS: dict[str, Callable[[Canvas, SynthDocument], None]] = {
    "classic": classic, "band": band, "footer_supplier": footer_supplier, "two_column": two_column,
    "letter": letter, "boxed": boxed, "detailed": detailed,
}


def render_invoice(doc: SynthDocument) -> bytes:
    """The text PDF of an invoice or credit note."""
    cv = Canvas(doc.style.font, creator="Boekbrug synth")
    LAYOUT_FUNCS[doc.style.layout](cv, doc)
    return cv.to_bytes()
