"""A clean, bilingual (NL/FR) PDF of an outgoing invoice or credit note.

Drawn on the shared canvas (``pipeline.core.pdfcanvas.Canvas``): MuPDF's
built-in Helvetica metrics embedded and subset, so "€" and accents are in the text
layer and the PDF reads back exactly (number, total, structured communication).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from models.enums import DocumentType
from pipeline.core.money import format_amount
from pipeline.core.pdfcanvas import GREY, LIGHT, Canvas
from pipeline.core.records import InvoiceData, Party
from pipeline.sales.amounts import LineAmounts, Totals

MARGIN = 50.0
BOTTOM = 770.0


def euro(value: Decimal, currency: str = "EUR") -> str:
    """Belgian style: ``€ 1.234,56`` (other currencies by code)."""
    text = format_amount(value)
    return f"€ {text}" if currency == "EUR" else f"{currency} {text}"


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
    return text.replace(".", ",")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _party_rows(party: Party) -> list[str]:
    rows = [party.name or ""]
    if party.address.street:
        rows.append(party.address.street)
    place = " ".join(p for p in (party.address.postal_code, party.address.city) if p)
    if place:
        rows.append(place)
    if party.address.country and party.address.country != "BE":
        rows.append(party.address.country)
    if party.vat:
        rows.append(f"Btw / TVA {party.vat}")
    elif party.enterprise_number:
        rows.append(f"KBO / BCE {party.enterprise_number}")
    return rows


def render_pdf(invoice: InvoiceData, lines: Sequence[LineAmounts], totals: Totals) -> bytes:
    credit = invoice.document_type == DocumentType.CREDIT_NOTE
    cv = Canvas("helv")
    width = cv.width
    cur = invoice.currency

    # seller, top left; title, top right
    y = cv.lines(MARGIN, 60, _party_rows(invoice.supplier), 9, bold_first=True)
    if invoice.supplier.email:
        cv.text(MARGIN, y, invoice.supplier.email, 8, color=GREY)
    cv.text(width - MARGIN, 66, "CREDITNOTA / NOTE DE CRÉDIT" if credit else "FACTUUR / FACTURE", 16,
            bold=True, align="right")
    meta = [("Nummer / Numéro", invoice.invoice_number), ("Datum / Date", _day(invoice.issue_date))]
    if invoice.due_date and not credit:
        meta.append(("Vervaldag / Échéance", _day(invoice.due_date)))
    if invoice.billing_reference:
        meta.append(("Bij factuur / Réf. facture", invoice.billing_reference))
    my = 88.0
    for label, value in meta:
        cv.text(width - MARGIN - 120, my, label, 8, color=GREY, align="right")
        cv.text(width - MARGIN, my, value, 9, bold=True, align="right")
        my += 13

    # customer block
    cv.text(330, 160, "Klant / Client", 8, color=GREY)
    rows = _party_rows(invoice.customer)
    cv.rect(322, 166, width - MARGIN, 172 + 11.7 * len(rows), color=None, fill=LIGHT)
    cv.lines(330, 180, rows, 9, bold_first=True)

    # lines
    cols = [("Omschrijving / Description", MARGIN, "left"), ("Aantal / Qté", 300, "right"),
            ("Prijs / Prix", 362, "right"), ("Korting / Remise", 428, "right"), ("Btw / TVA", 478, "right"),
            ("Bedrag / Montant", width - MARGIN, "right")]

    def header(y: float) -> float:
        cv.rect(MARGIN - 4, y - 11, width - MARGIN + 4, y + 4, color=None, fill=LIGHT)
        for label, x, align in cols:
            cv.text(x, y, label, 7.5, bold=True, align=align)
        return y + 18

    y = header(270)
    for line in lines:
        if y > BOTTOM - 40:
            cv.new_page()
            y = header(60)
        vat = line.vat_category if line.vat_category in ("AE", "K", "E") else f"{_num(line.vat_rate)}%"
        cells = [line.description, _num(line.quantity), euro(line.unit_price, cur),
                 f"{_num(line.discount_percent)}%" if line.discount_percent else "", vat, euro(line.net, cur)]
        for (_, x, align), text in zip(cols, cells, strict=True):
            cv.text(x, y, text, 8.5, align=align, max_width=200 if align == "left" else None)
        y += 14
    cv.hline(MARGIN, width - MARGIN, y - 6, color=GREY, width=0.4)

    # VAT breakdown (left) and totals (right)
    needed = 30 + 12 * len(totals.breakdown) + 14 * len(totals.mentions) + 90
    if y + needed > BOTTOM:
        cv.new_page()
        y = 60.0
    y += 12
    by = y
    cv.text(MARGIN, by, "Btw / TVA", 8, bold=True)
    cv.text(MARGIN + 110, by, "Basis / Base", 8, bold=True, align="right")
    cv.text(MARGIN + 200, by, "Btw / TVA", 8, bold=True, align="right")
    for item in totals.breakdown:
        by += 12
        label = f"{_num(item.rate or Decimal(0))}%" + (f" ({item.category})" if item.category != "S" else "")
        cv.text(MARGIN, by, label, 8)
        cv.text(MARGIN + 110, by, euro(item.base or Decimal(0), cur), 8, align="right")
        cv.text(MARGIN + 200, by, euro(item.amount or Decimal(0), cur), 8, align="right")
    ty = y
    for label, value, bold in (("Totaal excl. btw / Total HTVA", totals.excl_vat, False),
                               ("Btw / TVA", totals.vat, False),
                               ("Totaal / Total TVAC", totals.incl_vat, True)):
        cv.text(width - MARGIN - 110, ty, label, 9, bold=bold, align="right")
        cv.text(width - MARGIN, ty, euro(value, cur), 9, bold=bold, align="right")
        ty += 14
    y = max(by, ty) + 16
    for mention in totals.mentions:
        cv.text(MARGIN, y, mention, 8.5, bold=True, max_width=width - 2 * MARGIN)
        y += 14

    # payment
    if not credit and invoice.iban:
        y += 6
        cv.rect(MARGIN - 4, y - 11, width - MARGIN + 4, y + 30, color=GREY, width=0.5)
        pay = f"Te betalen / À payer: {euro(invoice.amount_due or totals.incl_vat, cur)} op rekening / au compte " \
              f"{_iban(invoice.iban)}" + (f" (BIC {invoice.bic})" if invoice.bic else "")
        cv.text(MARGIN, y, pay, 9, max_width=width - 2 * MARGIN)
        if invoice.payment_reference:
            cv.text(MARGIN, y + 15, "Gestructureerde mededeling / Communication structurée:", 9)
            cv.text(width - MARGIN, y + 15, invoice.payment_reference, 10, bold=True, align="right")
        y += 40
    if invoice.note:
        cv.text(MARGIN, y + 8, invoice.note, 8, color=GREY, max_width=width - 2 * MARGIN)
    pages = len(cv.doc)
    for index, page in enumerate(cv.doc, start=1):
        cv.page = page
        cv.text(width / 2, 815, f"{invoice.invoice_number} · {index}/{pages}", 7, color=GREY, align="center")
    cv.doc.subset_fonts()
    stamp = f"D:{invoice.issue_date:%Y%m%d}000000+00'00'"
    cv.doc.set_metadata({"title": invoice.invoice_number, "author": invoice.supplier.name or "",
                         "subject": "", "keywords": "", "creator": "Boekbrug", "producer": "Boekbrug",
                         "creationDate": stamp, "modDate": stamp})
    return cv.doc.tobytes(garbage=3, deflate=True, no_new_id=True)


def _iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
