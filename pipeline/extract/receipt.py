"""Till-receipt lines: no column header, one article per row above the total.

A receipt prints each article as ``description  amount [VAT code]``, or over two rows
as ``description`` then ``3 x 10,04  30,12 A``. The lines are the run of such rows
directly above the first total label; the VAT code letter maps to a rate through the
receipt's VAT summary (``A 21%  …``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from pipeline.core.records import InvoiceLine
from pipeline.extract.amounts import find_amounts
from pipeline.extract.labels import find_labels
from pipeline.extract.layout import Layout, Row

_QTY_PRICE = re.compile(r"^\s*(\d{1,4}(?:[.,]\d{1,3})?)\s*[x×X*]\s*(\S+)")
_CODE = re.compile(r"(?:\s|(?<=\d))([A-Da-d])\s*$")  # "30,12 A", or read glued: "56,25B"
_DEBRIS = re.compile(r"^\s+[^\W\d_]{1,4}$")  # a VAT code OCR made into a few letters: "2,41 aara"
_CODE_RATE = re.compile(r"^\s*([A-D])\s*[:=]?\s*(\d{1,2}(?:[.,]\d{1,2})?)\s?%")
_TOTAL_FIELDS = ("total_incl_vat", "total_excl_vat")


def _code_rates(layout: Layout) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for row in layout.rows():
        m = _CODE_RATE.match(row.text)
        if m:
            rates.setdefault(m.group(1), Decimal(m.group(2).replace(",", ".")))
    return rates


def _total_row(rows: list[Row]) -> int | None:
    for i, row in enumerate(rows):
        if any(h.field in _TOTAL_FIELDS and h.strength >= 0.6 for c in row.cells for h in find_labels(c.folded)):
            return i
    return None


def _item(row: Row, decimal_mark: str | None) -> tuple[str, Decimal, str | None, tuple | None] | None:
    """(description, amount, VAT code, (qty, price) or None) of an article row."""
    if len(row.cells) < 2:
        return None
    last = row.cells[-1].text
    code_m = _CODE.search(" " + last)
    amount_text = last[: code_m.start() - 1] if code_m else last
    found = find_amounts(amount_text, decimal_mark)
    if len(found) != 1 or found[0].decimals != 2:
        return None
    tail = amount_text[found[0].end :]
    if tail.strip(" €") and not (code_m is None and _DEBRIS.match(tail)):
        return None
    desc = " ".join(c.text for c in row.cells[:-1]).strip()
    qp = None
    m = _QTY_PRICE.match(desc)
    if m:
        price = find_amounts(m.group(2), decimal_mark)
        qty = find_amounts(m.group(1), decimal_mark)
        if price and qty:
            qp = (qty[0].value, price[0].value)
            desc = ""
    elif not re.search(r"[^\W\d_]{3,}", desc):
        return None
    return desc, found[0].value, code_m.group(1).upper() if code_m else None, qp


def receipt_lines(layout: Layout, decimal_mark: str | None) -> list[InvoiceLine]:
    """The article rows above the first total of the first page (empty when none)."""
    if not layout.pages:
        return []
    rows = layout.pages[0].rows
    end = _total_row(rows)
    if end is None:
        return []
    rates = _code_rates(layout)
    out: list[InvoiceLine] = []
    i = end - 1
    while i >= 0:
        item = _item(rows[i], decimal_mark)
        if item is None:
            break
        desc, amount, code, qp = item
        qty, price = qp if qp else (Decimal(1), amount)
        if qp:
            above = rows[i - 1] if i > 0 else None
            if above is None or len(above.cells) != 1 or any(a.decimals == 2 for a in find_amounts(above.text, decimal_mark)):
                break
            if abs(qty * price - amount) > Decimal("0.01"):
                break
            desc = above.text
            i -= 1
        out.append(InvoiceLine(desc or None, qty, price, amount, rates.get(code) if code else None))
        i -= 1
    out.reverse()
    return out
