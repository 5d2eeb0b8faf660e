"""Label → value regions: where, relative to a printed label, its value may stand.

For every label hit in a cell the value may be (1) in the same cell after the label
("Factuurnummer: 2024-001"), (2) in the next cell(s) of the same visual row, or
(3) under the label in a column (table headers, stacked label/value blocks). Each
region carries a weight for that relation; the field finders parse the region's text
and keep what fits their type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.labels import LabelHit, find_labels
from pipeline.extract.layout import Cell, Layout, Row, Tok
from pipeline.extract.text import fold

_LEAD = re.compile(r"^(?:[\s:;#|=>]|\.(?!\d)|-(?!\d))+")  # keeps the sign of "-8,79" and ".50"


@dataclass(frozen=True)
class LabelAt:
    hit: LabelHit
    row: Row
    cell_index: int
    toks: tuple[Tok, ...]  # the label's own tokens
    after: tuple[Tok, ...]  # tokens after the label in the same cell, up to the next label
    after_text: str  # their text with the leading ':' etc. removed

    @property
    def x0(self) -> float:
        return min(t.x0 for t in self.toks)

    @property
    def x1(self) -> float:
        return max(t.x1 for t in self.toks)


@dataclass(frozen=True)
class Region:
    label: LabelAt
    relation: str  # "inline", "right", "below"
    weight: float
    toks: tuple[Tok, ...]
    text: str
    # a column head: the label is alone in its cell and the value is the cell right under
    # it in the next row, each the other's best horizontal match (a header row over a value row)
    head: bool = False


def _token_spans(cell: Cell) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for t in cell.toks:
        f = fold(t.text)
        spans.append((pos, pos + len(f)))
        pos += len(f) + 1
    return spans


def cell_labels(row: Row, ci: int, fields: tuple[str, ...] | None = None) -> list[LabelAt]:
    cell = row.cells[ci]
    folded = " ".join(fold(t.text) for t in cell.toks)
    hits = find_labels(folded)
    spans = _token_spans(cell)
    out: list[LabelAt] = []
    for k, hit in enumerate(hits):
        if fields is not None and hit.field not in fields:
            continue
        nxt = hits[k + 1].start if k + 1 < len(hits) else len(folded) + 1
        own = [t for t, (a, b) in zip(cell.toks, spans) if a < hit.end and b > hit.start]
        after: list[Tok] = []
        pieces: list[str] = []
        for t, (a, b) in zip(cell.toks, spans):
            if b <= hit.end or a >= nxt:
                continue
            if a < hit.end:  # the label ends inside this token: keep its tail
                tail = t.text[hit.end - a :] if len(fold(t.text)) == len(t.text) else ""
                if tail.strip(" :.-#"):
                    after.append(t)
                    pieces.append(tail)
                continue
            after.append(t)
            pieces.append(t.text)
        text = _LEAD.sub("", " ".join(pieces)).strip()
        out.append(LabelAt(hit, row, ci, tuple(own) or tuple(cell.toks), tuple(after), text))
    return out


def all_labels(layout: Layout) -> list[LabelAt]:
    out: list[LabelAt] = []
    for row in layout.rows():
        for ci in range(len(row.cells)):
            out.extend(cell_labels(row, ci))
    return out


def _has_label(cell: Cell) -> bool:
    return bool(find_labels(cell.folded))


def regions_for(label: LabelAt, layout: Layout, max_below: int = 3, decay: float = 0.6) -> list[Region]:
    out: list[Region] = []
    if label.after_text:
        out.append(Region(label, "inline", 1.0, label.after, label.after_text))
    row = label.row
    # to the right, until a cell that carries a label of its own
    weight = 0.95 if not label.after_text else 0.6
    for cell in row.cells[label.cell_index + 1 : label.cell_index + 4]:
        if _has_label(cell) and not out:
            break
        text = _LEAD.sub("", cell.text).strip()
        if text:
            out.append(Region(label, "right", weight, tuple(cell.toks), text))
        weight *= 0.7
        if _has_label(cell):
            break
    # below, in the column of the label
    page = layout.page(row.page)
    x0, x1 = label.x0, label.x1
    slack = 2 * page.char_h
    weight = 0.85
    seen = 0
    for below in page.rows[row.index + 1 :]:
        if below.yc - row.yc > (max_below + 1.5) * 1.6 * page.char_h or seen >= max_below:
            break
        best = None
        for cell in below.cells:
            overlap = min(cell.x1, x1 + slack) - max(cell.x0, x0 - slack)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, cell)
        if best is None:
            continue
        seen += 1
        cell = best[1]
        if _has_label(cell):
            # a label under a label: a stacked block; its own value is not ours
            weight *= 0.5
            continue
        text = _LEAD.sub("", cell.text).strip()
        if text:
            head = seen == 1 and _column_head(label, cell)
            out.append(Region(label, "below", weight, tuple(cell.toks), text, head))
        weight *= decay
    return out


def _column_head(label: LabelAt, cell: Cell) -> bool:
    """The label fills its own cell and ``cell`` (in the next row) lies under it: of the
    label row's cells, the label's overlaps ``cell`` most, and clearly."""
    own = label.row.cells[label.cell_index]
    if label.after_text or len(label.toks) != len(own.toks):
        return False

    def overlap(a: Cell) -> float:
        return min(a.x1, cell.x1) - max(a.x0, cell.x0)

    ranked = sorted(label.row.cells, key=overlap, reverse=True)
    if ranked[0] is not own or overlap(own) <= 0:
        return False
    return len(ranked) == 1 or overlap(ranked[1]) <= 0
