"""Supplier and customer: names, VAT numbers, addresses.

The supplier is usually the letterhead (top of the first page, large type, a legal
form such as BV/NV/SRL/GmbH/Ltd), the holder of the IBAN and the first VAT number;
the customer stands under a label (Klant, Client, Bill to, Rechnungsempfänger …) or
in the address window. A known VAT number of our own client (``known_parties``)
settles which side is which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline import checks
from pipeline.extract.identifiers import Hit
from pipeline.extract.labels import find_labels
from pipeline.extract.layout import Cell, Layout, Row
from pipeline.extract.regions import LabelAt
from pipeline.extract.scoring import Cand, merge_same
from pipeline.extract.text import fold

LEGAL_FORM = re.compile(
    r"\b(?:b\.?v\.?b\.?a|b\.?v|n\.?v|s\.?a|s\.?r\.?l|s\.?p\.?r\.?l|v\.?z\.?w|c\.?v\.?b?a?|comm\.?v|gmbh|ag|kg|ohg|e\.?k|a\.?g|ug|ltd|limited|inc|llc|plc|corp|corporation|company|co|sarl|sas|sasu|eurl|sprl|sdn\.?\s?bhd|bhd|s\.?a\.?s|oy|ab|as|a/s|aps|spa|s\.?p\.?a|srl|bvba|nv|bv|gbr|mbh|enterprises?|trading|holding|group|services|verein)\b\.?",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\d{4,5}\s?[a-z]{0,2}\s+[a-z]|\b(?:straat|str\.|strasse|laan|weg|rue|avenue|av\.|road|rd\.|street|st\.|postbus|boulevard|bd|chaussee|steenweg|plein|place|allee|jalan|lot|no\.\s?\d|p\.?o\.?\s?box|bp)\b|@|www\.|https?:|\btel\b|\bfax\b|\+\d{2}|\bphone\b",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"\w*rechnung\w*|\binvoice\b|\bfactuur\b|\bfacture\b|\(c\)|©|copyright|stylesheet|\bdetails\b|^(?:factuur|facture|invoice|rechnung|creditnota|credit\snote|note\sde\scredit|gutschrift|tax\sinvoice|receipt|kassabon|original|copy|kopie|page|pagina|seite|logo|duplicate|bon|ticket)\b",
)


_NOT_NAMES = {"nummer", "number", "numero", "name", "naam", "nom", "herrn", "herr", "frau", "firma", "attn", "to", "mr", "mrs", "page"}


def _clean_name(text: str) -> str:
    text = re.sub(r"^(?:nom|name|naam|firma|company)\s*:\s*", "", text.strip(), flags=re.IGNORECASE)
    return text.strip(" ,;:-")


def _name_shape(text: str) -> float:
    f = fold(text)
    if len(f) < 2 or len(f) > 70 or not re.search(r"[a-z]", f) or ":" in f or re.fullmatch(r"[A-Z]{2}", text.strip()):
        return 0.0
    if f in _NOT_NAMES or len(f.split()) > 8:
        return 0.02
    if _TITLE.search(f) or find_labels(f):
        return 0.05
    digits = sum(c.isdigit() for c in f)
    if digits > len(f) * 0.3:
        return 0.05
    score = 0.5
    if _ADDRESS.search(f):
        score -= 0.35
    if LEGAL_FORM.search(f):
        score += 0.35
    return max(score, 0.02)


def _name_cell(row: Row, cell: Cell) -> Cell:
    """``Name: | ACME NV`` → the value cell; otherwise the cell itself."""
    if re.fullmatch(r"(?:name|naam|nom|firma|company|raison sociale|bedrijf)\s*:?", cell.folded):
        i = row.cells.index(cell)
        if i + 1 < len(row.cells):
            return row.cells[i + 1]
    return cell


def _block_rows(layout: Layout, lab: LabelAt, depth: int = 6) -> list[tuple[Row, Cell]]:
    """The cells under (or right of) a block label, in its column, top to bottom."""
    page = layout.page(lab.row.page)
    out: list[tuple[Row, Cell]] = []
    x0, x1 = lab.x0, max(lab.x1, lab.x0 + 8 * page.char_h)
    last_y = lab.row.yc
    for row in page.rows[lab.row.index + 1 :]:
        if row.yc - last_y > 3.5 * page.char_h or len(out) >= depth:
            break
        for cell in row.cells:
            if min(cell.x1, x1) - max(cell.x0, x0 - page.char_h) > 0 and abs(cell.x0 - x0) < 6 * page.char_h:
                out.append((row, cell))
                last_y = row.yc
                break
    return out


def customer_region(layout: Layout, labels: list[LabelAt]) -> list[tuple[Row, Cell]]:
    for lab in labels:
        if lab.hit.field == "customer_block":
            if lab.after_text and _name_shape(lab.after_text) > 0.2:
                row, cell = lab.row, lab.row.cells[lab.cell_index]
                return [(row, cell)] + _block_rows(layout, lab)
            rows = _block_rows(layout, lab)
            if rows:
                return rows
    return []


def customer_names(layout: Layout, labels: list[LabelAt]) -> list[Cand]:
    cands: list[Cand] = []
    for lab in labels:
        if lab.hit.field != "customer_block":
            continue
        if lab.after_text:
            shape = _name_shape(lab.after_text)
            if shape > 0.2:
                cands.append(Cand("customer_name", _clean_name(lab.after_text), 0.9 * shape + 0.3, lab.after, lab.after_text))
                continue
        for k, (row, cell) in enumerate(_block_rows(layout, lab, depth=5)):
            cell = _name_cell(row, cell)
            shape = _name_shape(cell.text)
            if shape >= 0.3:
                cands.append(Cand("customer_name", _clean_name(cell.text), min(0.85, (0.9 - 0.12 * k) * (shape + 0.3)), tuple(cell.toks), cell.text))
                break
    return merge_same(cands)


def supplier_names(layout: Layout, labels: list[LabelAt], hits: list[Hit], customer_cells: set[int]) -> list[Cand]:
    cands: list[Cand] = []
    for lab in labels:
        if lab.hit.field != "supplier_block":
            continue
        if lab.after_text and _name_shape(lab.after_text) > 0.2:
            cands.append(Cand("supplier_name", _clean_name(lab.after_text), 0.55 + 0.3 * _name_shape(lab.after_text), lab.after, lab.after_text))
            continue
        for row, cell in _block_rows(layout, lab, depth=5):
            cell = _name_cell(row, cell)
            shape = _name_shape(_clean_name(cell.text))
            if shape >= 0.3:
                cands.append(Cand("supplier_name", _clean_name(cell.text), 0.45 + 0.3 * shape, tuple(cell.toks), cell.text))
                break
    if not layout.pages:
        return cands
    first = layout.pages[0]
    texts = [fold(c.text) for r in layout.rows() for c in r.cells]
    id_rows = {(h.row.page, h.row.index) for h in hits if h.kind in ("vat", "iban")}
    top_rows = [r for r in first.rows if r.top < 0.3]
    foot_rows = [r for p in layout.pages[:1] for r in p.rows if r.top > 0.85]
    heights = sorted({round(t.h, 1) for r in top_rows for t in r.toks}, reverse=True)
    for rank, row in enumerate(top_rows[:12] + foot_rows[:8]):
        for ci, cell in enumerate(row.cells[:3]):
            if id(cell) in customer_cells:
                continue
            name = _clean_name(cell.text)
            shape = _name_shape(name)
            if shape < 0.2:
                continue
            score = 0.25 + 0.4 * (shape - 0.5)
            if row in top_rows:
                score += max(0.0, 0.2 - 0.03 * rank)
                if heights and max(t.h for t in cell.toks) >= heights[0] - 0.05 and len(heights) > 1:
                    score += 0.15
            if any((row.page, i) in id_rows for i in range(row.index, row.index + 8)):
                score += 0.1
            if texts.count(fold(cell.text)) > 1:
                score += 0.1
            if ci > 0:
                score -= 0.05
            cands.append(Cand("supplier_name", name, max(0.05, min(score, 0.8)), tuple(cell.toks), cell.text))
    return merge_same(cands, key=lambda v: fold(v))


def split_vats(hits: list[Hit], customer_cells: set[int], labels: list[LabelAt], known: Iterable[str] = ()) -> tuple[list[Cand], list[Cand]]:
    """VAT numbers → (supplier candidates, customer candidates)."""
    known_set = {checks.normalise_vat(k) for k in known}
    vats = [h for h in hits if h.kind == "vat"]
    cust_rows = {(lab.row.page, lab.row.index) for lab in labels if lab.hit.field == "customer_block"}
    sup: list[Cand] = []
    cus: list[Cand] = []
    known_seen = any(h.value in known_set for h in vats)
    for order, h in enumerate(vats):
        in_customer = any(id(c) in customer_cells for c in h.row.cells if any(t in c.toks for t in h.toks))
        in_customer = in_customer or (h.row.page, h.row.index) in cust_rows
        base = 0.8 if h.ok else 0.7
        if h.value in known_set:
            cus.append(Cand("customer_vat", h.value, 0.9, h.toks, h.raw, [h.check]))
        elif in_customer and not known_seen:
            cus.append(Cand("customer_vat", h.value, base - 0.05, h.toks, h.raw, [h.check]))
        else:
            sup.append(Cand("supplier_vat", h.value, base - 0.05 * min(order, 3), h.toks, h.raw, [h.check]))
    sup = merge_same(sup)
    cus = merge_same(cus)
    sup_values = {c.value for c in sup}
    if known_set:
        sup = [c for c in sup if c.value not in known_set]
    cus = [c for c in cus if c.value not in sup_values or c.value in known_set]
    if not cus and len(sup) > 1:
        # a second, different VAT number outside the supplier block is likely the customer's
        second = sup[1]
        cus = [Cand("customer_vat", second.value, 0.35, second.toks, second.raw, second.checks)]
    return sup, cus


def address_after(layout: Layout, toks: tuple, max_rows: int = 4) -> tuple[str, tuple] | None:
    """Lines under a name in the same column, up to the postcode + city line."""
    if not toks:
        return None
    page = layout.page(toks[0].page)
    row = next((r for r in page.rows if toks[0] in r.toks), None)
    if row is None:
        return None
    x0 = min(t.x0 for t in toks)
    parts: list[str] = []
    used: list = []
    last_y = row.yc
    for below in page.rows[row.index + 1 : row.index + 1 + max_rows]:
        if below.yc - last_y > 3 * page.char_h:
            break
        cell = next((c for c in below.cells if abs(c.x0 - x0) < 2 * page.char_h), None)
        if cell is None or find_labels(cell.folded) or re.search(r"@|www\.|tel|fax|btw|tva|vat|ust", cell.folded):
            break
        parts.append(cell.text)
        used.extend(cell.toks)
        last_y = below.yc
        if re.search(r"\b\d{4,5}\b\s+\S", cell.text) or re.search(r"\b[A-Z]{1,2}\d", cell.text):
            break
    if not parts:
        return None
    return ", ".join(parts), tuple(used)
