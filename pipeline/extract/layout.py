"""Words regrouped into visual rows and cells, whatever engine read them.

The reader's own lines are not trusted for layout: a text layer may put a label and
its value in different blocks, and OCR may merge two columns. So every page's words
are deskewed (the median slope of the reader's lines), grouped into rows by vertical
overlap, and each row is split into cells at wide horizontal gaps. Coordinates are
kept normalised (0..1) on the tokens; gaps are measured in page units (points/pixels).
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field

from models.enums import FieldSource
from pipeline.core.records import BBox, PageText, ReadResult, Word
from pipeline.extract.text import clean, fold


@dataclass(frozen=True)
class Tok:
    text: str
    bbox: BBox  # normalised
    conf: float
    page: int
    x0: float  # page units, deskewed
    x1: float
    yc: float
    h: float


@dataclass
class Cell:
    toks: list[Tok]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.toks)

    @property
    def folded(self) -> str:
        return fold(self.text)

    @property
    def x0(self) -> float:
        return min(t.x0 for t in self.toks)

    @property
    def x1(self) -> float:
        return max(t.x1 for t in self.toks)

    @property
    def conf(self) -> float:
        return min(t.conf for t in self.toks)


@dataclass
class Row:
    page: int
    index: int  # position in the page's rows, top to bottom
    cells: list[Cell] = field(default_factory=list)

    @property
    def toks(self) -> list[Tok]:
        return [t for c in self.cells for t in c.toks]

    @property
    def text(self) -> str:
        return "  ".join(c.text for c in self.cells)

    @property
    def yc(self) -> float:
        return statistics.fmean(t.yc for t in self.toks)

    @property
    def h(self) -> float:
        return statistics.median(t.h for t in self.toks)

    @property
    def top(self) -> float:
        """Normalised top of the row (0 = top of page)."""
        return min(t.bbox[1] for t in self.toks)


@dataclass
class Page:
    number: int
    width: float
    height: float
    source: FieldSource
    rows: list[Row]
    char_h: float  # median token height, page units


@dataclass
class Layout:
    pages: list[Page]

    def rows(self, page: int | None = None) -> list[Row]:
        return [r for p in self.pages if page is None or p.number == page for r in p.rows]

    def page(self, number: int) -> Page:
        return next(p for p in self.pages if p.number == number)

    def source(self, number: int) -> FieldSource:
        return self.page(number).source


def union(boxes: list[BBox]) -> BBox | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _words(page: PageText) -> list[Word]:
    words: list[Word] = []
    for line in page.lines:
        if line.words:
            words.extend(w for w in line.words if clean(w.text).strip())
            continue
        parts = clean(line.text).split()
        if not parts:
            continue
        total = sum(len(p) + 1 for p in parts)
        x0, y0, x1, y1 = line.bbox
        pos = 0
        for p in parts:
            a = x0 + (x1 - x0) * pos / total
            pos += len(p) + 1
            b = x0 + (x1 - x0) * (pos - 1) / total
            words.append(Word(p, (a, y0, b, y1), line.confidence))
    return words


def _skew(page: PageText) -> float:
    """Median slope dy/dx (page units) of the reader's multi-word lines: those spanning a
    sixth of the page at least, or, where fewer than three do (a till slip's lines are
    short: "Schoolstraat 18", "Ticket 6177"), those spanning a sixteenth."""
    spans: list[tuple[float, float]] = []
    for line in page.lines:
        ws = [w for w in line.words if w.text.strip()]
        if len(ws) < 2:
            continue
        a, b = ws[0], ws[-1]
        dx = ((b.bbox[0] + b.bbox[2]) - (a.bbox[0] + a.bbox[2])) / 2 * page.width
        dy = ((b.bbox[1] + b.bbox[3]) - (a.bbox[1] + a.bbox[3])) / 2 * page.height
        spans.append((dx, dy))
    for least in (0.15, 0.06):
        slopes = [dy / dx for dx, dy in spans if dx > least * page.width]
        if len(slopes) >= 3:
            s = statistics.median(slopes)
            return s if abs(s) < 0.1 else 0.0
    return 0.0


def build_page(page: PageText) -> Page:
    slope = _skew(page)
    toks: list[Tok] = []
    for w in _words(page):
        x0, y0, x1, y1 = w.bbox
        ax0, ax1 = x0 * page.width, x1 * page.width
        yc = (y0 + y1) / 2 * page.height - slope * (ax0 + ax1) / 2
        h = max((y1 - y0) * page.height, 1e-6)
        toks.append(Tok(clean(w.text).strip(), w.bbox, float(w.confidence), page.number, ax0, ax1, yc, h))
    char_h = statistics.median(t.h for t in toks) if toks else 10.0
    toks = _dedupe(toks, char_h)
    toks.sort(key=lambda t: (t.yc, t.x0))
    groups: list[list[Tok]] = []
    centres: list[float] = []
    for t in toks:
        best, best_d = None, None
        for i in range(len(groups) - 1, max(-1, len(groups) - 8), -1):
            d = abs(centres[i] - t.yc)
            lim = 0.5 * max(t.h, statistics.median(o.h for o in groups[i][:5]))
            clash = any(o.x0 < t.x1 - 0.5 and t.x0 < o.x1 - 0.5 for o in groups[i])
            if d <= lim and not clash and (best_d is None or d < best_d):
                best, best_d = i, d
        if best is None:
            groups.append([t])
            centres.append(t.yc)
        else:
            groups[best].append(t)
            centres[best] = statistics.fmean(o.yc for o in groups[best])
    order = sorted(range(len(groups)), key=lambda i: centres[i])
    space = _word_space([sorted(g, key=lambda t: t.x0) for g in groups], char_h)
    rows: list[Row] = []
    for idx, gi in enumerate(order):
        g = sorted(groups[gi], key=lambda t: t.x0)
        row = Row(page.number, idx)
        cur: list[Tok] = [g[0]]
        for t in g[1:]:
            prev = cur[-1]
            gap = t.x0 - prev.x1
            if gap > max(1.1 * max(min(prev.h, t.h), 0.6 * char_h), 2.5 * space):
                row.cells.append(Cell(cur))
                cur = [t]
            else:
                cur.append(t)
        row.cells.append(Cell(cur))
        rows.append(row)
    return Page(page.number, page.width, page.height, page.source, rows, char_h)


def _dedupe(toks: list[Tok], char_h: float) -> list[Tok]:
    """Two readings of the same ink (two OCR engines merged, or text drawn twice): a word
    lying largely over a longer one on the same line is dropped, or, when it reads the
    start of that word (``Ver`` over ``ervaldatum``), joined to it."""
    buckets: dict[int, list[int]] = {}
    kept: list[Tok] = []
    for t in sorted(toks, key=lambda t: -(t.x1 - t.x0)):
        key = int(t.yc // max(char_h, 1e-6))
        hit = None
        for k in (key - 1, key, key + 1):
            for i in buckets.get(k, []):
                o = kept[i]
                overlap = min(o.x1, t.x1) - max(o.x0, t.x0)
                if abs(o.yc - t.yc) < 0.3 * max(o.h, t.h) and overlap > 0.3 * max(min(o.x1 - o.x0, t.x1 - t.x0), 1e-6):
                    hit = i
                    break
            if hit is not None:
                break
        if hit is None:
            buckets.setdefault(key, []).append(len(kept))
            kept.append(t)
            continue
        o = kept[hit]
        joined = _join_overlap(t.text, o.text) if t.x0 < o.x0 else None
        if joined:
            box = (min(t.bbox[0], o.bbox[0]), min(t.bbox[1], o.bbox[1]), max(t.bbox[2], o.bbox[2]), max(t.bbox[3], o.bbox[3]))
            kept[hit] = Tok(joined, box, min(t.conf, o.conf), o.page, t.x0, o.x1, o.yc, o.h)
    return kept


def _join_overlap(left: str, right: str) -> str | None:
    """``Ver`` + ``ervaldatum`` → ``Vervaldatum`` (the end of one is the start of the other)."""
    for n in range(min(len(left), len(right)) - 1, 1, -1):
        if left[-n:].lower() == right[:n].lower():
            return left[:-n] + right
    return None


def _word_space(groups: list[list[Tok]], char_h: float) -> float:
    """The page's usual gap between two words of a phrase (median of the small gaps).

    OCR word boxes hug the ink, so on a scan the space between words can exceed the
    height of small words; measuring it per page keeps "Invoice number" one cell."""
    gaps = [b.x0 - a.x1 for g in groups for a, b in itertools.pairwise(g) if 0 < b.x0 - a.x1 < 2 * char_h]
    return statistics.median(gaps) if len(gaps) >= 20 else 0.0


def build_layout(read: ReadResult) -> Layout:
    return Layout([build_page(p) for p in read.pages])


def row_string(row: Row) -> tuple[str, list[tuple[int, int, Tok]]]:
    """The row's text (tokens joined by ' ', cells by '   ') and each token's span in it."""
    parts: list[str] = []
    spans: list[tuple[int, int, Tok]] = []
    pos = 0
    for ci, cell in enumerate(row.cells):
        if ci:
            parts.append("   ")
            pos += 3
        for ti, t in enumerate(cell.toks):
            if ti:
                parts.append(" ")
                pos += 1
            spans.append((pos, pos + len(t.text), t))
            parts.append(t.text)
            pos += len(t.text)
    return "".join(parts), spans


def toks_in(spans: list[tuple[int, int, Tok]], start: int, end: int) -> tuple[Tok, ...]:
    return tuple(t for a, b, t in spans if a < end and b > start)
