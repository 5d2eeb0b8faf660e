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

from pipeline.core import checks
from pipeline.extract.blocks import Block, address_blocks
from pipeline.extract.identifiers import Hit
from pipeline.extract.labels import find_labels
from pipeline.extract.layout import Cell, Layout, Row
from pipeline.extract.regions import LabelAt
from pipeline.extract.scoring import Cand, merge_same
from pipeline.extract.table import _header_columns
from pipeline.extract.text import fold

LEGAL_FORM = re.compile(
    r"\b(?:b\.?v\.?b\.?a|b\.?v|n\.?v|s\.?a|s\.?r\.?l|s\.?p\.?r\.?l|v\.?z\.?w|c\.?v\.?b?a?|comm\.?v|gmbh|ag|kg|ohg|e\.?k|a\.?g|ug|ltd|limited|inc|llc|plc|corp|corporation|company|co|sarl|sas|sasu|eurl|sprl|a\.?s\.?b\.?l|vof|scrl|scs|snc|sc|sdn\.?\s?bhd|bhd|s\.?a\.?s|oy|ab|as|a/s|aps|spa|s\.?p\.?a|srl|bvba|nv|bv|gbr|mbh|enterprises?|trading|holding|group|services|verein)\b\.?",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\d{4,5}\s?[a-z]{0,2}\s+[a-z]|\b(?:straat|str\.|strasse|laan|weg|rue|avenue|av\.|road|rd\.|street|st\.|postbus|boulevard|bd|chaussee|steenweg|plein|place|allee|jalan|lot|no\.\s?\d|p\.?o\.?\s?box|bp)\b|@|www\.|https?:|\btel\b|\bfax\b|\+\d{2}|\bphone\b",
    re.IGNORECASE,
)
# a country alone is an address line, not a party ("België", "Belgique", "Deutschland")
_COUNTRY = re.compile(
    r"^(?:belgie|belgique|belgium|belgien|nederland|pays-bas|the netherlands|netherlands|frankrijk|france|duitsland|allemagne|"
    r"germany|deutschland|luxemburg|luxembourg|united kingdom|spain|espagne|italie|italy|ireland|ierland|irlande)\.?$"
)
_STREET = re.compile(
    r"\w(?:straat|strasse|str\.|laan|weg|steenweg|dreef|plein)(?:\s+\d|\s*$)|^\D+\s\d{1,4}[a-z]?$"
)
_TITLE = re.compile(
    r"\w*rechnung\w*|\binvoice\b|\bfactuur\b|\bfacture\b|\(c\)|©|copyright|stylesheet|\bdetails\b|^(?:factuur|facture|invoice|rechnung|creditnota|credit\snote|note\sde\scredit|gutschrift|tax\sinvoice|receipt|kassabon|original|copy|kopie|page|pagina|seite|logo|duplicate|bon|ticket)\b",
)


_NOT_NAMES = {
    "nummer",
    "number",
    "numero",
    "name",
    "naam",
    "nom",
    "herrn",
    "herr",
    "frau",
    "firma",
    "attn",
    "to",
    "mr",
    "mrs",
    "page",
}


NAME_SPECKS = "‚,;:|_~*·•¦"


def _clean_name(text: str) -> str:
    text = re.sub(
        r"^(?:nom|name|naam|firma|company)\s*:\s*",
        "",
        text.strip(),
        flags=re.IGNORECASE,
    )
    # a registration number in brackets after the name: "AEON CO. (M) BHD (126926-H)"
    text = re.sub(
        r"\s*\((?:co\.?\s?(?:no|reg)\.?\s?:?\s?)?[0-9][0-9A-Z\-]{4,}\)\s*$",
        "",
        text.strip(),
        flags=re.IGNORECASE,
    )
    text = re.sub(
        r"(?<=[A-Za-z.])\s+[0-9][0-9.\-]{4,}-?[A-Z]?$", "", text
    )  # "… SDN BHD 1110644-W", "… BV 0123.456.789"
    text = re.sub(
        r"\bItd\b", "ltd", text.strip(" ,;:-*").lstrip(". ")
    )  # OCR reads "l" as "I"
    # specks OCR reads before a name ("‚Amazon …", "| Garage …"); "'t Hoekske" keeps its apostrophe
    text = text.lstrip(NAME_SPECKS + " ")
    if text[:1] in "\"“”„«»" and not any(q in text[1:] for q in "\"“”„«»"):
        text = text[1:].lstrip()  # an opening quote that never closes
    return (
        text[:-1]
        if text.endswith(".") and text.count(".") == 1 and not LEGAL_FORM.search(text)
        else text
    )


def _name_shape(text: str) -> float:
    f = fold(text)
    letters = sum(c.isalpha() for c in f)
    if (
        letters < 0.6 * len(f.replace(" ", ""))
        or len(f) < 2
        or len(f) > 70
        or not re.search(r"[a-z]", f)
        or ":" in f
        or re.fullmatch(r"[A-Z]{2}", text.strip())
    ):
        return 0.0
    if f in _NOT_NAMES or len(f.split()) > 8 or _COUNTRY.match(f):
        return 0.02
    if (
        _TITLE.search(f)
        or find_labels(f)
        or re.search(r"\b(?:nummer|number|numero|nr)\.?$", f)
    ):
        return 0.05
    digits = sum(c.isdigit() for c in f)
    if digits > len(f) * 0.3:
        return 0.05
    score = 0.5
    if _ADDRESS.search(f) or _STREET.search(f):
        score -= 0.35
    if LEGAL_FORM.search(f):
        score += 0.35
    return max(score, 0.02)


def _name_cell(row: Row, cell: Cell) -> Cell:
    """``Name: | ACME NV`` → the value cell; otherwise the cell itself."""
    if re.fullmatch(
        r"(?:name|naam|nom|firma|company|raison sociale|bedrijf)\s*:?", cell.folded
    ):
        i = row.cells.index(cell)
        if i + 1 < len(row.cells):
            return row.cells[i + 1]
    return cell


_NAME_LABEL = re.compile(
    r"(?:name|naam|nom|firma|company|raison sociale|bedrijf|firmenname)\s*:?"
)


def _named_in_block(layout: Layout, lab: LabelAt, field: str) -> Cand | None:
    """A party block of ``Label: | value`` rows: the value of its ``Name:`` row, prefixed by
    the rows just above it that stand alone in the value column (a name over two lines,
    a salutation such as ``Herrn``)."""
    page = layout.page(lab.row.page)
    last_y = lab.row.yc
    loose: list[Row] = []
    for row in page.rows[lab.row.index + 1 : lab.row.index + 9]:
        if row.yc - last_y > 4.5 * page.char_h:
            break
        last_y = row.yc
        first = row.cells[0]
        if len(row.cells) >= 2 and _NAME_LABEL.fullmatch(first.folded):
            value = row.cells[1]
            prefix = [
                r for r in loose if abs(r.cells[0].x0 - value.x0) < 1.5 * page.char_h
            ]
            text = " ".join([r.text for r in prefix] + [value.text])
            toks = tuple(t for r in prefix for t in r.toks) + tuple(value.toks)
            if _name_shape(_clean_name(value.text)) >= 0.3:
                return Cand(field, _clean_name(text), 0.8, toks, text)
            return None
        if any(
            h.field in ("customer_block", "supplier_block")
            for c in row.cells
            for h in find_labels(c.folded)
        ):
            break
        if len(row.cells) == 1 and not find_labels(first.folded):
            loose.append(row)
        else:
            loose = []
    return None


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
            if (
                min(cell.x1, x1) - max(cell.x0, x0 - page.char_h) > 0
                and abs(cell.x0 - x0) < 6 * page.char_h
            ):
                out.append((row, cell))
                last_y = row.yc
                break
    return out


def _inline_ok(lab: LabelAt) -> bool:
    """``Klant: ACME NV`` (a separator after the label), not ``Buyer line 2``."""
    if not lab.after_text:
        return False
    folded = " ".join(fold(t.text) for t in lab.row.cells[lab.cell_index].toks)
    return (
        bool(re.match(r"\s*[:\-]", folded[lab.hit.end :]))
        and _name_shape(lab.after_text) > 0.2
    )


def _right_cell(lab: LabelAt) -> Cell | None:
    """``Klant: | ACME NV``: the label fills its cell and the name stands in the next cell."""
    if lab.after_text or lab.cell_index + 1 >= len(lab.row.cells):
        return None
    cell = lab.row.cells[lab.cell_index + 1]
    return cell if _name_shape(_clean_name(cell.text)) >= 0.3 else None


def _column_rows(
    layout: Layout, row: Row, cell: Cell, depth: int = 5
) -> list[tuple[Row, Cell]]:
    """Cells left-aligned with ``cell`` in the rows under it, while the spacing holds."""
    page = layout.page(row.page)
    out: list[tuple[Row, Cell]] = []
    last_y = row.yc
    for below in page.rows[row.index + 1 :]:
        if below.yc - last_y > 2.5 * page.char_h or len(out) >= depth:
            break
        match = next(
            (c for c in below.cells if abs(c.x0 - cell.x0) < 1.5 * page.char_h), None
        )
        if match is not None:
            out.append((below, match))
            last_y = below.yc
    return out


def unlabelled_customer(layout: Layout, labels: list[LabelAt]) -> Block | None:
    """No customer label near the top: the addressee is the address block under the
    letterhead that carries no phone, e-mail or website (those belong to the sender)."""
    top = layout.pages[0].number if layout.pages else None
    if any(
        lab.hit.field == "customer_block" and lab.row.page == top and lab.row.top < 0.5
        for lab in labels
    ):
        return None
    blocks = address_blocks(layout)
    if len(blocks) < 2:
        return None
    sup_rows = {
        (lab.row.page, lab.row.index)
        for lab in labels
        if lab.hit.field == "supplier_block"
    }
    for blk in blocks[1:]:
        first_row = blk.cells[0][0]
        if first_row.yc <= blocks[0].cells[0][0].yc or blk.has_contact:
            continue
        if (first_row.page, first_row.index - 1) in sup_rows or _name_shape(
            _clean_name(blk.first.text)
        ) < 0.3:
            continue
        return blk
    return None


def _split_number_label(lab: LabelAt) -> bool:
    """OCR split ``N° client`` into ``N°`` | ``client``: a customer number, not a block."""
    i = lab.cell_index
    return (
        i > 0
        and lab.hit.start == 0
        and bool(
            re.fullmatch(r"n[°o*º]?\.?|nr\.?|no\.?|#", lab.row.cells[i - 1].folded)
        )
    )


def customer_region(layout: Layout, labels: list[LabelAt]) -> list[tuple[Row, Cell]]:
    for lab in labels:
        if lab.hit.field == "customer_block" and not _split_number_label(lab):
            if _inline_ok(lab):
                row, cell = lab.row, lab.row.cells[lab.cell_index]
                return [(row, cell)] + _block_rows(layout, lab)
            right = _right_cell(lab)
            if right is not None:
                return [(lab.row, right)] + _column_rows(layout, lab.row, right)
            rows = _block_rows(layout, lab)
            if rows:
                return rows
    blk = unlabelled_customer(layout, labels)
    return list(blk.cells) if blk is not None else []


def customer_names(layout: Layout, labels: list[LabelAt]) -> list[Cand]:
    cands: list[Cand] = []
    for lab in labels:
        if lab.hit.field != "customer_block" or _split_number_label(lab):
            continue
        if _inline_ok(lab):
            shape = _name_shape(lab.after_text)
            cands.append(
                Cand(
                    "customer_name",
                    _clean_name(lab.after_text),
                    0.9 * shape + 0.3,
                    lab.after,
                    lab.after_text,
                )
            )
            continue
        right = _right_cell(lab)
        if right is not None:
            shape = _name_shape(_clean_name(right.text))
            cands.append(
                Cand(
                    "customer_name",
                    _clean_name(right.text),
                    0.9 * shape + 0.25,
                    tuple(right.toks),
                    right.text,
                )
            )
            continue
        named = _named_in_block(layout, lab, "customer_name")
        if named is not None:
            cands.append(named)
            continue
        for k, (row, cell) in enumerate(_block_rows(layout, lab, depth=5)):
            cell = _name_cell(row, cell)
            shape = _name_shape(cell.text)
            if shape >= 0.3:
                cands.append(
                    Cand(
                        "customer_name",
                        _clean_name(cell.text),
                        min(0.85, (0.9 - 0.12 * k) * (shape + 0.3)),
                        tuple(cell.toks),
                        cell.text,
                    )
                )
                break
    if not cands:
        blk = unlabelled_customer(layout, labels)
        if blk is not None:
            shape = _name_shape(_clean_name(blk.first.text))
            cands.append(
                Cand(
                    "customer_name",
                    _clean_name(blk.first.text),
                    0.35 + 0.5 * shape,
                    tuple(blk.first.toks),
                    blk.first.text,
                )
            )
    return merge_same(cands)


def supplier_names(
    layout: Layout, labels: list[LabelAt], hits: list[Hit], customer_cells: set[int]
) -> list[Cand]:
    cands: list[Cand] = []
    for lab in labels:
        if lab.hit.field != "supplier_block":
            continue
        named = _named_in_block(layout, lab, "supplier_name")
        if named is not None:
            cands.append(named)
            continue
        if _inline_ok(lab):
            cands.append(
                Cand(
                    "supplier_name",
                    _clean_name(lab.after_text),
                    0.55 + 0.3 * _name_shape(lab.after_text),
                    lab.after,
                    lab.after_text,
                )
            )
            continue
        for row, cell in _block_rows(layout, lab, depth=5):
            cell = _name_cell(row, cell)
            shape = _name_shape(_clean_name(cell.text))
            if shape >= 0.3:
                cands.append(
                    Cand(
                        "supplier_name",
                        _clean_name(cell.text),
                        0.45 + 0.3 * shape,
                        tuple(cell.toks),
                        cell.text,
                    )
                )
                break
    if not layout.pages:
        return cands
    first = layout.pages[0]
    texts = [fold(c.text) for r in layout.rows() for c in r.cells]
    id_rows = {(h.row.page, h.row.index) for h in hits if h.kind in ("vat", "iban")}
    header = next(
        (r.index for r in first.rows if r.top < 0.5 and len(_header_columns(r)) >= 3),
        len(first.rows),
    )
    top_rows = [
        r for r in first.rows if r.top < 0.3 and r.index < header
    ]  # not the line table's rows
    foot_rows = [r for p in layout.pages[:1] for r in p.rows if r.top > 0.85]
    heights = sorted({round(t.h, 1) for r in top_rows for t in r.toks}, reverse=True)
    block_heads = {
        id(b.first): b
        for b in address_blocks(layout, max_top=1.0)
        if b.page == first.number
    }
    for rank, row in enumerate(top_rows[:12] + foot_rows[:8]):
        for ci, cell in enumerate(row.cells[:3]):
            if id(cell) in customer_cells or "**" in cell.text:
                continue  # the customer's, or a banner such as "**** PROMO ****"
            name, toks = _two_line_name(
                first if row in top_rows else layout.page(row.page), row, cell
            )
            if row not in top_rows:
                # a footer strings facts together: "Müller GmbH · IBAN … · BIC …"
                name = _clean_name(re.split(r"\s[·•|]\s|\s\.\s|\s-\s", name)[0])
            shape = _name_shape(name)
            if shape < 0.2:
                continue
            score = 0.25 + 0.4 * (shape - 0.5)
            if row in top_rows:
                score += max(0.0, 0.2 - 0.03 * rank)
                if (
                    heights
                    and max(t.h for t in cell.toks) >= heights[0] - 0.05
                    and len(heights) > 1
                ):
                    score += 0.15
            if any((row.page, i) in id_rows for i in range(row.index, row.index + 8)):
                score += 0.1
            if texts.count(fold(cell.text)) > 1:
                score += 0.1
            if ci > 0:
                score -= 0.05
            blk = block_heads.get(id(cell))
            if blk is not None and not any(
                id(c) in customer_cells for _, c in blk.cells
            ):
                score += 0.15  # heads an address block that is not the customer's
            cands.append(
                Cand("supplier_name", name, max(0.05, min(score, 0.8)), toks, cell.text)
            )
    return _prefer_full(
        _prefer_accents(merge_same(cands, key=lambda v: fold(v)), cands)
    )


def _prefer_full(cands: list[Cand]) -> list[Cand]:
    """A logo or short form (``Akretion``) above the full name (``Akretion France``):
    the full name is the supplier's."""
    if len(cands) < 2:
        return cands
    best = cands[0]
    for other in cands[1:]:
        if (
            fold(other.value).startswith(fold(best.value) + " ")
            and len(other.value.split()) <= len(best.value.split()) + 3
        ):
            other.score = best.score + 0.01
            return sorted(cands, key=lambda c: -c.score)
    return cands


def _legal_only(text: str) -> bool:
    """``SDN BHD``, ``CO. (M) SDN BHD``, ``GmbH & Co. KG``: a legal form and nothing else."""
    rest = LEGAL_FORM.sub(" ", text)
    rest = re.sub(r"\([A-Za-z]\)|[^\w]|\d", " ", rest)
    return bool(LEGAL_FORM.search(text)) and len(rest.replace(" ", "")) <= 1


def _two_line_name(page, row: Row, cell: Cell) -> tuple[str, tuple]:
    """A name broken over two rows: the row under it (or this one) holds only the legal form."""
    name = _clean_name(cell.text)
    toks = tuple(cell.toks)
    rows = page.rows
    if _legal_only(row.text) and row.index > 0:
        above = rows[row.index - 1]
        if (
            len(above.cells) == 1
            and not any(ch.isdigit() for ch in above.text)
            and _name_shape(above.text) >= 0.3
        ):
            return _clean_name(f"{above.text} {row.text.replace('  ', ' ')}"), tuple(
                above.toks
            ) + tuple(row.toks)
    if row.index + 1 < len(rows) and len(row.cells) == 1:
        below = rows[row.index + 1]
        if _legal_only(below.text) and below.yc - row.yc < 2.5 * page.char_h:
            return _clean_name(f"{name} {below.text.replace('  ', ' ')}"), toks + tuple(
                below.toks
            )
    return name, toks


def _prefer_accents(merged: list[Cand], raw: list[Cand]) -> list[Cand]:
    """The same name read twice (``MULLER GMBH`` / ``Müller GmbH``): keep the spelling
    with diacritics, which OCR drops far more often than it invents."""
    for cand in merged:
        variants = [c.value for c in raw if fold(c.value) == fold(cand.value)]
        best = max(
            variants,
            key=lambda v: (
                sum(not ch.isascii() for ch in v),
                sum(ch.islower() for ch in v),
            ),
            default=cand.value,
        )
        cand.value = best
    return merged


def split_vats(
    hits: list[Hit],
    customer_cells: set[int],
    labels: list[LabelAt],
    known: Iterable[str] = (),
) -> tuple[list[Cand], list[Cand]]:
    """VAT numbers → (supplier candidates, customer candidates)."""
    known_set = {checks.normalise_vat(k) for k in known}
    vats = [h for h in hits if h.kind == "vat"]
    cust_labels = [
        lab
        for lab in labels
        if lab.hit.field == "customer_block" and not _split_number_label(lab)
    ]
    sup: list[Cand] = []
    cus: list[Cand] = []
    known_seen = any(h.value in known_set for h in vats)
    for order, h in enumerate(vats):
        in_customer = any(
            id(c) in customer_cells
            for c in h.row.cells
            if any(t in c.toks for t in h.toks)
        )
        # "Klant: … BTW BE…" on one row: the label stands left of the number
        in_customer = in_customer or any(
            lab.row is h.row and lab.x1 <= min(t.x0 for t in h.toks)
            for lab in cust_labels
        )
        base = 0.8 if h.ok else 0.7
        if h.value in known_set:
            cus.append(Cand("customer_vat", h.value, 0.9, h.toks, h.raw, [h.check]))
        elif in_customer and not known_seen:
            cus.append(
                Cand("customer_vat", h.value, base - 0.05, h.toks, h.raw, [h.check])
            )
        else:
            sup.append(
                Cand(
                    "supplier_vat",
                    h.value,
                    base - 0.05 * min(order, 3),
                    h.toks,
                    h.raw,
                    [h.check],
                )
            )
    sup = merge_same(sup)
    cus = merge_same(cus)
    sup_values = {c.value for c in sup}
    if known_set:
        sup = [c for c in sup if c.value not in known_set]
    cus = [c for c in cus if c.value not in sup_values or c.value in known_set]
    if not cus and len(sup) > 1:
        # a second, different VAT number outside the supplier block is likely the customer's
        second = sup[1]
        cus = [
            Cand(
                "customer_vat",
                second.value,
                0.35,
                second.toks,
                second.raw,
                second.checks,
            )
        ]
    return sup, cus


def address_after(
    layout: Layout, toks: tuple, max_rows: int = 4
) -> tuple[str, tuple] | None:
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
        if (
            cell is None
            or find_labels(cell.folded)
            or re.search(r"@|www\.|tel|fax|btw|tva|vat|ust", cell.folded)
        ):
            break
        parts.append(cell.text)
        used.extend(cell.toks)
        last_y = below.yc
        if re.search(r"\b\d{4,5}\b\s+\S", cell.text) or re.search(
            r"\b[A-Z]{1,2}\d", cell.text
        ):
            break
    if not parts:
        return None
    return ", ".join(parts), tuple(used)
