"""Address blocks: a name over a street, a postcode + city and maybe a VAT number.

Letters put two such blocks near the top of the first page, often without any label:
the sender's letterhead (name, address, phone, e-mail) and the addressee's window
(name, address, VAT number). A block is a run of left-aligned cells, one per row,
with line spacing between them (left- or right-aligned); a block whose first cell has the shape of a name and
that holds a postcode line is an address block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.layout import Cell, Layout, Row, Tok
from pipeline.extract.text import fold

_POSTCODE = re.compile(r"(?:^|\s)(?:[A-Z]{1,2}[- ]?)?\d{4,5}(?:\s?[A-Z]{2})?\s+[^\W\d_]{2,}", re.UNICODE)
_CONTACT = re.compile(r"@|www\.|https?:|\b(?:tel|tél|phone|fax|gsm|mobile|telefon)\b", re.IGNORECASE)


@dataclass
class Block:
    page: int
    cells: list[tuple[Row, Cell]] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return self.cells[0][1].x0

    @property
    def first(self) -> Cell:
        return self.cells[0][1]

    @property
    def texts(self) -> list[str]:
        return [c.text for _, c in self.cells]

    @property
    def toks(self) -> list[Tok]:
        return [t for _, c in self.cells for t in c.toks]

    @property
    def has_postcode(self) -> bool:
        return any(_POSTCODE.search(t) for t in self.texts[1:])

    @property
    def has_contact(self) -> bool:
        return any(_CONTACT.search(fold(t)) for t in self.texts)

    def holds(self, toks: tuple[Tok, ...]) -> bool:
        mine = {id(t) for t in self.toks}
        return bool(toks) and any(id(t) in mine for t in toks)


def address_blocks(layout: Layout, max_top: float = 0.5, min_top: float = 0.0) -> list[Block]:
    """Address blocks of the first page between ``min_top`` and ``max_top``, top to bottom."""
    if not layout.pages:
        return []
    page = layout.pages[0]
    open_blocks: list[tuple[Block, float, float]] = []  # block, last yc, last height
    done: list[Block] = []
    for row in page.rows:
        if row.top > max_top:
            break
        if row.top < min_top:
            continue
        for cell in row.cells:
            h = max(t.h for t in cell.toks)
            target = None
            for k, (blk, last_y, last_h) in enumerate(open_blocks):
                aligned = abs(cell.x0 - blk.x0) < 1.2 * page.char_h or abs(cell.x1 - blk.first.x1) < 1.2 * page.char_h
                if aligned and 0 < row.yc - last_y <= 2.3 * max(last_h, h, page.char_h):
                    target = k
                    break
            if target is None:
                open_blocks.append((Block(page.number, [(row, cell)]), row.yc, h))
            else:
                blk = open_blocks[target][0]
                blk.cells.append((row, cell))
                open_blocks[target] = (blk, row.yc, h)
        still = []
        for blk, last_y, last_h in open_blocks:
            if row.yc - last_y > 2.3 * max(last_h, page.char_h) * 1.5:
                done.append(blk)
            else:
                still.append((blk, last_y, last_h))
        open_blocks = still
    done.extend(b for b, _, _ in open_blocks)
    blocks = [b for b in done if len(b.cells) >= 2 and b.has_postcode]
    return sorted(blocks, key=lambda b: (b.cells[0][0].yc, b.x0))
