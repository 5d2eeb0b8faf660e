"""Drawing primitives and the parts every invoice layout shares (table, totals, pages).

Text is written with MuPDF's built-in Nimbus fonts (Helvetica/Times/Courier metrics)
embedded and subset, so "€" and accents survive in the text layer. Coordinates are
PDF points, origin top-left, ``y`` is the baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.core.pdfcanvas import (
    BLACK,
    GREY,
    LIGHT,
    Canvas,
)
from pipeline.synth import formats
from pipeline.synth.companies import COUNTRY_NAMES
from pipeline.synth.documents import SynthDocument
from pipeline.synth.ids import format_kbo


def party_lines(doc: SynthDocument, which: str) -> list[str]:
    """Name, street, postcode city, [country], VAT of the supplier or customer."""
    company = doc.supplier if which == "supplier" else doc.customer
    assert company is not None
    rows = [company.name, company.street, f"{company.postal_code} {company.city}"]
    other = doc.customer if which == "supplier" else doc.supplier
    if company.country != "BE" or (other is not None and other.country != company.country):
        rows.append(COUNTRY_NAMES[doc.language][company.country])
    vat = doc.vat_text(company)
    if vat:
        rows.append(f"{doc.label('vat')} {vat}")
    return rows


def meta_pairs(doc: SynthDocument) -> list[tuple[str, str]]:
    credit = doc.doc_type == "credit_note"
    pairs = [(doc.label("cn_number" if credit else "number"), doc.number or ""),
             (doc.label("cn_date" if credit else "date"), doc.date_text(doc.issue_date))]
    if doc.due_date is not None:
        pairs.append((doc.label("due"), doc.date_text(doc.due_date)))
    if doc.customer_number:
        pairs.append((doc.label("customer_no"), doc.customer_number))
    if doc.order_reference:
        pairs.append((doc.label("your_ref"), doc.order_reference))
    return pairs


def legal_line(doc: SynthDocument) -> str:
    s = doc.supplier
    parts = [s.name]
    if s.enterprise_number:
        parts.append(f"{doc.label('kbo')} {format_kbo(s.enterprise_number, doc.style.kbo_format)}")
    parts.append(f"IBAN {doc.iban_text}")
    parts.append(f"BIC {s.bic}")
    return "  ·  ".join(parts)


@dataclass(frozen=True)
class TableStyle:
    grid: bool = False
    zebra: bool = False
    header_fill: tuple[float, float, float] | None = LIGHT
    header_text: tuple[float, float, float] = BLACK
    rules: bool = True
    size: float = 8.5
    row_h: float = 16.0


def _columns(doc: SynthDocument, x0: float, x1: float) -> list[tuple[str, float, float, str]]:
    """(label, left, right, align) per column."""
    has_disc = any(line.discount for line in doc.lines)
    widths = [("description", 0.0, "left"), ("qty", 50, "right"), ("unit_price", 72, "right")]
    if has_disc:
        widths.append(("discount", 48, "right"))
    widths += [("vat_rate", 44, "right"), ("amount", 78, "right")]
    fixed = sum(w for _, w, _ in widths)
    cols = []
    x = x0
    for key, w, align in widths:
        width = (x1 - x0 - fixed) if key == "description" else w
        cols.append((doc.label(key), x, x + width, align))
        x += width
    return cols


def _cells(doc: SynthDocument, index: int) -> list[str]:
    line = doc.lines[index]
    has_disc = any(item.discount for item in doc.lines)
    cells = [line.description, formats.quantity(line.quantity, doc.style.money) + f" {line.unit}",
             doc.amount(line.unit_price)]
    if has_disc:
        cells.append(formats.rate(line.discount, doc.style.money) if line.discount else "")
    cells += [formats.rate(line.vat_rate, doc.style.money), doc.amount(line.net)]
    return cells


def draw_table(cv: Canvas, doc: SynthDocument, y: float, style: TableStyle, *,
               x0: float = 40, x1: float = 555, bottom: float = 760,
               on_new_page: Callable[[Canvas], float] | None = None,
               reserve_last: float = 0) -> float:
    """The line table, continued over pages as needed; returns the y below it."""
    cols = _columns(doc, x0, x1)
    pad = 4.0
    detail = any(line.detail for line in doc.lines)
    row_h = style.row_h + (9 if detail else 0)

    def header(y: float) -> float:
        h = style.row_h
        if style.header_fill:
            cv.rect(x0, y, x1, y + h, color=None, fill=style.header_fill)
        for label, left, right, align in cols:
            xx = left + pad if align == "left" else right - pad
            cv.text(xx, y + h - 5, label, style.size, bold=True, color=style.header_text, align=align)
        if style.grid:
            _grid(cv, cols, y, y + h)
        elif style.rules:
            cv.hline(x0, x1, y + h, width=0.8)
        return y + h

    y = header(y)
    for i in range(len(doc.lines)):
        last = i == len(doc.lines) - 1
        if y + row_h + (reserve_last if last else 0) > bottom:
            cv.text(x1, y + 14, doc.label("continued"), 7.5, color=GREY, align="right")
            cv.new_page()
            y = on_new_page(cv) if on_new_page else 50.0
            y = header(y)
        if style.zebra and i % 2 == 1:
            cv.rect(x0, y, x1, y + row_h, color=None, fill=(0.96, 0.96, 0.96))
        for (label, left, right, align), cell in zip(cols, _cells(doc, i), strict=True):
            xx = left + pad if align == "left" else right - pad
            cv.text(xx, y + style.row_h - 5, cell, style.size, align=align, max_width=right - left - 2 * pad)
        line = doc.lines[i]
        if line.detail:
            cv.text(cols[0][1] + pad + 6, y + style.row_h + 4, line.detail, style.size - 1.5, color=GREY)
        if style.grid:
            _grid(cv, cols, y, y + row_h)
        elif style.rules and not style.zebra:
            cv.hline(x0, x1, y + row_h, color=(0.8, 0.8, 0.8), width=0.4)
        y += row_h
    if style.rules or style.grid:
        cv.hline(x0, x1, y, width=0.8)
    return y


def _grid(cv: Canvas, cols: list[tuple[str, float, float, str]], y0: float, y1: float) -> None:
    cv.rect(cols[0][1], y0, cols[-1][2], y1, width=0.5)
    for _, left, _, _ in cols[1:]:
        cv.page.draw_line((left, y0), (left, y1), color=BLACK, width=0.5)


def totals_height(doc: SynthDocument) -> float:
    return 95 + 13 * len(doc.breakdown) + (40 if doc.legal_mention else 0) + 70


def draw_breakdown(cv: Canvas, doc: SynthDocument, x: float, y: float, *, width: float = 230,
                   size: float = 8, boxed: bool = False) -> float:
    cols = (x, x + width * 0.25, x + width * 0.62, x + width)
    cv.text(x, y, doc.label("vat_summary"), size + 0.5, bold=True)
    y += 5
    if boxed:
        cv.rect(x, y, x + width, y + 13 * (len(doc.breakdown) + 1) + 3, width=0.5)
    y += 11
    for label, xx in ((doc.label("rate"), cols[0] + 3), (doc.label("base"), cols[2] - 3),
                      (doc.label("vat_amt"), cols[3] - 3)):
        cv.text(xx, y, label, size, color=GREY, align="left" if xx == cols[0] + 3 else "right")
    for row in doc.breakdown:
        y += 13
        rate = formats.rate(row.rate, doc.style.money) + ("" if row.category == "S" else f" ({row.category})")
        cv.text(cols[0] + 3, y, rate, size)
        cv.text(cols[2] - 3, y, doc.amount(row.base), size, align="right")
        cv.text(cols[3] - 3, y, doc.amount(row.amount), size, align="right")
    return y + 10


def draw_totals(cv: Canvas, doc: SynthDocument, x1: float, y: float, *, boxed: bool = False,
                accent: tuple[float, float, float] | None = None, width: float = 220,
                size: float = 9) -> float:
    rows = [(doc.label("net"), doc.money(doc.total_excl)), (doc.label("total_vat"), doc.money(doc.total_vat)),
            (doc.label("total"), doc.money(doc.total_incl))]
    if doc.style.currency == "none":
        rows[-1] = (rows[-1][0] + " (EUR)", rows[-1][1])
    x0 = x1 - width
    if boxed:
        cv.rect(x0, y - 4, x1, y + 16 * len(rows) + 4, width=0.8)
    for i, (label, value) in enumerate(rows):
        last = i == len(rows) - 1
        yy = y + 12 + 16 * i
        if last and accent:
            cv.rect(x0, yy - 11, x1, yy + 5, color=None, fill=accent)
        color = (1.0, 1.0, 1.0) if last and accent else BLACK
        cv.text(x0 + 6, yy, label, size, bold=last, color=color)
        cv.text(x1 - 6, yy, value, size + (1 if last else 0), bold=last, color=color, align="right")
    return y + 16 * len(rows) + 12


def payment_rows(doc: SynthDocument) -> list[str]:
    rows = [f"IBAN {doc.iban_text}   BIC {doc.supplier.bic}"]
    if doc.payment_reference:
        key = "ogm" if doc.payment_reference.startswith("+++") else "reference"
        rows.append(f"{doc.label(key)}: {doc.payment_reference}")
    if doc.terms:
        rows.append(f"{doc.label('terms')}: {doc.terms}")
    if doc.billing_reference and doc.billing_date:
        rows.append(f"{doc.label('cn_ref')} {doc.billing_reference} {doc.label('of_date')} "
                    f"{doc.date_text(doc.billing_date)}")
    return rows


def number_pages(cv: Canvas, doc: SynthDocument, *, y: float | None = None) -> None:
    total = cv.doc.page_count
    if total < 2:
        return
    for i in range(total):
        cv.page = cv.doc[i]
        cv.text(cv.width - 40, y or cv.height - 20, f"{doc.label('page')} {i + 1} {doc.label('of')} {total}",
                7.5, color=GREY, align="right")
