"""A supplier's layout, learnt from one validated invoice: where each field is printed.

When an operator confirms or corrects a field, the validated value is looked up among
the words of the page, and the supplier's profile remembers, for that field:

* the **anchor**: the whole label printed just before the value — on its line to the
  left ("Factuurnummer :", "Totaal te betalen") or, failing that, the column head on
  the line above it ("Date de facture"); a label printed twice on the page is none;
* the value's **offset** from the anchor (in anchor widths, so a photo's smaller,
  shifted page puts it at the same place), its page and **region** (normalised box);
* its **format**: the shape of the printed text (``F2025-00617`` → ``A9999-99999``;
  amounts by decimal mark; dates by pattern), so a different kind of value at the
  same place is not taken for it.

On the next invoice of the supplier, :func:`read_field` finds the label again (every
word read the same, or misread by a letter or two; the best-read occurrence nearest to
where it was), and reads the first value in the learnt format printed after it on its
line (the reader's line first, then words level with it once the page's skew is taken
out) or under it. What is done with that reading — agreement, doubt — is
:mod:`pipeline.suppliers.layout`. Boxes are normalised page coordinates (0..1).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from models import Client, Document
from models.enums import DocumentType, FieldState
from pipeline.core.fields import FIELD_TYPES, FieldType, value_from_json
from pipeline.core.records import BBox
from pipeline.extract.amounts import parse_amount
from pipeline.extract.dates import parse_date
from pipeline.review.fieldstore import current_values, field_rows
from pipeline.suppliers.memory import match_profile, remember_positions
from pipeline.suppliers.series import SERIES_FIELDS

# a currency is no place on the page (it is a sign next to every amount): not learnt
POSITIONAL_TYPES = (
    FieldType.AMOUNT,
    FieldType.DATE,
    FieldType.IDENTIFIER,
    FieldType.TEXT,
)
MAX_WINDOW = 6  # words of one value
ANCHOR_WORDS = 3  # label words kept as the anchor
ANCHOR_GAP = (
    0.35  # of the page width: a label further left than this is not the value's label
)
ABOVE_GAP = 0.04  # of the page height: the label line just above the value
PHRASE_GAP = 0.025  # of the page width: words of one value are closer than this
MAX_CANDIDATES = 4  # words after a label where its value may start
TRUNCATED_SHARE = 0.7  # of a label word's letters read, from its start, for the word cut short
TILT = 0.01  # a line may drift this much per unit of width on a page taken askew
_PUNCT = ".,:;()[]{}*#'\"«»“”|/-–—_"


@dataclass(frozen=True)
class PageWords:
    number: int
    words: tuple[tuple[str, BBox], ...]  # in reading order
    lines: tuple[int, ...] = ()  # the line index of each word (empty: unknown)
    slope: float = (
        0.0  # how the lines of a page taken askew run (dy per dx), from its long lines
    )

    def line_of(self, index: int) -> int:
        return self.lines[index] if self.lines else index


@dataclass(frozen=True)
class Reading:
    """The value printed where the supplier's layout puts a field."""

    value: Any
    text: str
    page: int
    bbox: BBox
    anchor: str  # the label words it was read after, as printed
    same_format: bool


def words_of_records(pages: Iterable[Any]) -> list[PageWords]:
    """From ``PageText`` records (a fresh reading)."""
    out = []
    for page in pages:
        words, lines = [], []
        for number, line in enumerate(page.lines):
            for word in line.words or ():
                words.append((word.text, tuple(word.bbox)))
                lines.append(number)
        out.append(
            PageWords(page.number, tuple(words), tuple(lines), skew(words, lines))
        )
    return out


def words_of_rows(pages: Iterable[Any]) -> list[PageWords]:
    """From ``Page`` rows (stored lines as JSON)."""
    out = []
    for page in pages:
        words, lines = [], []
        for number, line in enumerate(page.lines or []):
            for word in line.get("words") or []:
                words.append((word["text"], tuple(word["bbox"])))
                lines.append(number)
        out.append(
            PageWords(page.number, tuple(words), tuple(lines), skew(words, lines))
        )
    return out


# ------------------------------------------------------------------- values and formats
def _alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def parse_as(name: str, text: str) -> Any:
    kind = FIELD_TYPES.get(name, FieldType.TEXT)
    if kind is FieldType.AMOUNT:
        return parse_amount(text)
    if kind is FieldType.DATE:
        return parse_date(text)
    if kind in (FieldType.IDENTIFIER, FieldType.CURRENCY):
        return "".join(text.split()) or None
    return " ".join(text.split()) or None


def same_value(name: str, found: Any, value: Any) -> bool:
    if found is None or value is None:
        return False
    if isinstance(value, (Decimal, date)):
        return found == value
    if FIELD_TYPES.get(name) is FieldType.TEXT:
        return (
            " ".join(str(found).split()).lower() == " ".join(str(value).split()).lower()
        )
    return _alnum(str(found)) == _alnum(str(value))


def text_format(name: str, text: str) -> str:
    """The shape of a printed value: what stays the same from one invoice of a supplier to the next."""
    kind = FIELD_TYPES.get(name, FieldType.TEXT)
    text = " ".join(text.split())
    if kind is FieldType.AMOUNT:
        mark = re.search(r"[.,](\d{1,2})(?!\d)\s*\D*$", text)
        return f"decimal{mark.group(0)[0]}" if mark else "integer"
    if (
        kind is FieldType.DATE
    ):  # day and month as 99 whatever their digits (3 mei, 13 mei), years as 9999
        digits = re.sub(r"\d+", lambda m: "9999" if len(m.group()) == 4 else "99", text)
        return re.sub(r"[^\W\d_]+", "a", digits)
    if kind is FieldType.IDENTIFIER:
        return re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", text)).replace(" ", "")
    return "text"


# ------------------------------------------------------------------------- geometry
def _union(boxes: Sequence[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _same_line(a: BBox, b: BBox, slope: float = 0.0) -> bool:
    """Vertical centres within half the taller height, once the page's skew is taken out
    (a page photographed or scanned askew), with a little drift the further apart."""
    height = max(a[3] - a[1], b[3] - b[1], 1e-4)
    apart = max(0.0, b[0] - a[2], a[0] - b[2])
    expected = (a[1] + a[3]) / 2 + slope * ((b[0] + b[2]) / 2 - (a[0] + a[2]) / 2)
    return abs((b[1] + b[3]) / 2 - expected) <= height / 2 + TILT * apart


def _on_line(page: PageWords, index: int, other: int) -> bool:
    """Words ``index`` and ``other`` on one printed line (the reader's line, or geometry)."""
    return page.line_of(index) == page.line_of(other) or _same_line(
        page.words[index][1], page.words[other][1], page.slope
    )


def skew(words: Sequence[tuple[str, BBox]], lines: Sequence[int]) -> float:
    """The median slope of the reader's long lines: 0 on a text layer, a few hundredths on a photo."""
    ends: dict[int, list[BBox]] = {}
    for (_, box), line in zip(words, lines, strict=True):
        ends.setdefault(line, []).append(box)
    slopes = []
    for boxes in ends.values():
        first, last = min(boxes, key=lambda b: b[0]), max(boxes, key=lambda b: b[2])
        dx = (last[0] + last[2]) / 2 - (first[0] + first[2]) / 2
        if dx >= 0.1:
            slopes.append(((last[1] + last[3]) / 2 - (first[1] + first[3]) / 2) / dx)
    return sorted(slopes)[len(slopes) // 2] if slopes else 0.0


def _fold(text: str) -> str:
    return text.strip(_PUNCT).lower()


_NOT_LABELS = {
    "eur",
    "euro",
    "euros",
    "usd",
    "gbp",
    "chf",
}  # a currency beside an amount labels nothing


def _is_label_word(text: str) -> bool:
    folded = _fold(text)
    return (
        len(folded) >= 2
        and folded not in _NOT_LABELS
        and not any(ch.isdigit() for ch in folded)
        and any(ch.isalpha() for ch in folded)
    )


# --------------------------------------------------------------------------- learning
def _windows(page: PageWords, name: str, value: Any) -> list[tuple[int, int]]:
    """(start, size) of every run of words on one line that reads as ``value``."""
    words = page.words
    found = []
    for size in range(1, MAX_WINDOW + 1):
        for start in range(len(words) - size + 1):
            if page.line_of(start) != page.line_of(start + size - 1):
                continue
            if same_value(
                name,
                parse_as(
                    name, " ".join(text for text, _ in words[start : start + size])
                ),
                value,
            ):
                found.append((start, size))
    # tight runs only: without its first or its last word a run no longer reads as the
    # value (so "Datum: 3 mei 2025" is not remembered as the date, "3 mei 2025" is)
    tight, runs = [], set(found)
    for start, size in found:
        inner = [(start + 1, size - 1), (start, size - 1)] if size > 1 else []
        if not any(run in runs for run in inner):
            tight.append((start, size))
    return tight


def _anchor_left(page: PageWords, start: int, box: BBox) -> list[int] | None:
    """Indices of the label words just left of the value on its line (a number or sign between is skipped)."""
    picked: list[int] = []
    skipped = 0
    index = start - 1
    while index >= 0 and len(picked) < ANCHOR_WORDS:
        text, other = page.words[index]
        if (
            not _same_line(other, box, page.slope)
            or other[2] > box[0] + 1e-3
            or box[0] - other[2] > ANCHOR_GAP
        ):
            break
        if _is_label_word(text):
            picked.append(index)
        elif picked or skipped >= 1:
            break
        else:
            skipped += 1
        index -= 1
    return sorted(picked) or None


def _anchor_above(page: PageWords, box: BBox) -> list[int] | None:
    """The label of the nearest line above that overlaps the value horizontally, whole: a
    column head "Date de facture" is the anchor, never its first word "Date" alone (which
    heads the due date's column as well)."""
    best: list[tuple[float, int]] = []
    for index, (text, other) in enumerate(page.words):
        gap = box[1] - other[3]
        if (
            not (-1e-3 <= gap <= ABOVE_GAP)
            or other[2] < box[0] - 0.02
            or other[0] > box[2] + 0.02
        ):
            continue
        if _is_label_word(text):
            best.append((gap, index))
    if not best:
        return None
    nearest = min(gap for gap, _ in best)
    cell = sorted(index for gap, index in best if gap - nearest < 0.004)
    # widen to the whole label: neighbouring label words on that line, close together
    while (
        cell[0] > 0
        and _is_label_word(page.words[cell[0] - 1][0])
        and _close(page, cell[0] - 1, cell[0])
    ):
        cell.insert(0, cell[0] - 1)
    while (
        cell[-1] + 1 < len(page.words)
        and _is_label_word(page.words[cell[-1] + 1][0])
        and _close(page, cell[-1], cell[-1] + 1)
    ):
        cell.append(cell[-1] + 1)
    return (
        cell[:ANCHOR_WORDS] if len(cell) <= ANCHOR_WORDS else None
    )  # a sentence is no label


def _close(page: PageWords, left: int, right: int) -> bool:
    """Two words of one phrase: on one line, with at most a word space between them."""
    gap = page.words[right][1][0] - page.words[left][1][2]
    return _on_line(page, left, right) and -0.01 <= gap <= PHRASE_GAP


def describe(page: PageWords, name: str, start: int, size: int) -> dict[str, Any]:
    """What to remember of a value printed at words[start:start+size] of ``page``."""
    window = page.words[start : start + size]
    box = _union([b for _, b in window])
    text = " ".join(t for t, _ in window)
    side, anchor = "left", _anchor_left(page, start, box)
    if anchor is None:
        side, anchor = "above", _anchor_above(page, box)
    entry: dict[str, Any] = {
        "page": page.number,
        "box": [round(c, 5) for c in box],
        "format": text_format(name, text),
        "words": size,
        "anchor": [],
        "side": "none",
        "offset_w": [0.0, 0.0],  # from the anchor's top left, in anchor widths
    }
    before = _word_before(page, anchor[0]) if anchor else ""
    if (
        anchor
        and len(_find_anchor(page, [_fold(page.words[i][0]) for i in anchor], before))
        > 1
    ):
        anchor = None  # a label printed twice on the page ("Date" over two columns) says nothing
    if anchor:
        anchor_box = _union([page.words[i][1] for i in anchor])
        width = max(anchor_box[2] - anchor_box[0], 1e-3)
        entry.update(
            anchor=[_fold(page.words[i][0]) for i in anchor],
            before=before,
            side=side,
            offset_w=[
                round((box[0] - anchor_box[0]) / width, 4),
                round((box[1] - anchor_box[1]) / width, 4),
            ],
        )
    return entry


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def learn_field(
    pages: Sequence[PageWords],
    name: str,
    value_json: Any,
    machine_place: tuple[int | None, Sequence[float] | None] = (None, None),
) -> dict[str, Any] | None:
    """The layout entry of one operator-validated value; None when it is not found on the pages.

    Where the value is printed more than once, the place the machine read it (when the
    operator confirmed it), else an occurrence with a label, is the one remembered."""
    if FIELD_TYPES.get(name) not in POSITIONAL_TYPES or value_json in (None, ""):
        return None
    value = value_from_json(name, value_json)
    candidates = []
    for page in pages:
        for start, size in _windows(page, name, value):
            candidates.append(describe(page, name, start, size))
    if not candidates:
        return None
    page_no, box = machine_place
    if box is not None:
        at_machine = [
            c for c in candidates if c["page"] == page_no and _overlaps(c["box"], box)
        ]
        if at_machine:
            return at_machine[0]
    labelled = [c for c in candidates if c["anchor"]] or candidates
    # totals close an invoice: their last labelled occurrence; anything else its first
    return labelled[-1] if FIELD_TYPES.get(name) is FieldType.AMOUNT else labelled[0]


# ---------------------------------------------------------------------------- reading
# letters OCR takes for one another, folded alike before two readings of a label are compared
_OCR_ALIKE = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("ii", "u"), ("0", "o"), ("1", "l"), ("|", "l"), ("!", "l"))


@lru_cache(maxsize=8192)  # every word of a page is folded once per label looked for: the same words again
def _ocr_fold(text: str) -> str:
    """A label word with its accents off and OCR's usual confusions folded ("Factuumummer",
    read once for "Factuurnummer", folds as "factuurnummer" does)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    for seen, meant in _OCR_ALIKE:
        plain = plain.replace(seen, meant)
    return plain


def _word_match(word: str, learnt: str) -> int:
    """2: the same word; 1: the same word misread by the reader, now or when it was learnt (a
    letter or two off, as "tacture" for "facture", "rn" read as "m", an accent lost); 0: another
    word ("factuur" is not "factuurnummer", nor "tvac" "tva"). A word cut short by the
    reader counts as misread when most of it is there (``TRUNCATED_SHARE``): "Factuurda" is
    "factuurdatum", "Factu" could be any "factuur…" label."""
    folded = _fold(word)
    if folded == learnt:
        return 2
    seen, meant = _ocr_fold(folded), _ocr_fold(learnt)
    if seen == meant and len(meant) >= 3:
        return 1
    if (
        len(meant) >= 5
        and abs(len(seen) - len(meant)) <= 1
        and SequenceMatcher(None, seen, meant).ratio() >= 0.8
    ):
        return 1
    if len(seen) >= 5 and len(seen) >= TRUNCATED_SHARE * len(meant) and meant.startswith(seen):
        return 1  # the reader stopped short of the word's end (a faint or shadowed tail): "Factuurda"
    return 0


def _word_before(page: PageWords, start: int) -> str:
    """The label word printed just before ``start`` in the same phrase ("" when none): what
    tells the label "Date" from the end of "Due date"."""
    if (
        start > 0
        and _is_label_word(page.words[start - 1][0])
        and _close(page, start - 1, start)
    ):
        return _fold(page.words[start - 1][0])
    return ""


def _find_anchor(
    page: PageWords, anchor: Sequence[str], before: str = ""
) -> list[tuple[int, list[int]]]:
    """Every occurrence of the anchor words, consecutive on one line and not the tail of
    another label (the word before them as when learnt), with its quality (2 per word read
    the same, 1 per word misread by the reader)."""
    size = len(anchor)
    hits = []
    for start in range(len(page.words) - size + 1):
        if not _on_line(page, start, start + size - 1):
            continue
        scores = [_word_match(page.words[start + k][0], anchor[k]) for k in range(size)]
        # every word ("Totaal excl. btw" is not "Totaal incl. btw"), and the same label ("Due date" is not "Date")
        if (
            all(scores)
            and (not before or _word_match(_word_before(page, start), before))
            and (before or not _word_before(page, start))
        ):
            hits.append((sum(scores), list(range(start, start + size))))
    return hits


def _start_candidates(
    page: PageWords, entry: Mapping[str, Any], anchor_box: BBox, anchor_end: int
) -> list[int]:
    """Where the value may start, nearest to where the layout puts it first.

    Offsets are kept in anchor widths, so a photographed page (smaller, shifted) or a
    scan at another scale still puts the value at the same place relative to its label."""
    width = max(anchor_box[2] - anchor_box[0], 1e-3)
    dx, dy = (float(v) for v in entry.get("offset_w") or (0.0, 0.0))
    x, y = anchor_box[0] + dx * width, anchor_box[1] + dy * width
    height = max(anchor_box[3] - anchor_box[1], 1e-3)
    if entry["side"] == "left":
        # the reader's own line first (sure), then words level with the label (a value
        # printed far right may be a line of its own for the reader)
        right_of = [
            i
            for i in range(len(page.words))
            if i not in (anchor_end,) and page.words[i][1][0] >= anchor_box[2] - 1e-3
        ]
        same = [
            i
            for i in right_of
            if page.lines and page.line_of(i) == page.line_of(anchor_end)
        ]
        level = [
            i
            for i in right_of
            if i not in same and _same_line(anchor_box, page.words[i][1], page.slope)
        ]
        ordered = sorted(same, key=lambda i: page.words[i][1][0]) + sorted(
            level, key=lambda i: page.words[i][1][0]
        )
        return ordered[:MAX_CANDIDATES]
    below = [
        i
        for i, (_, b) in enumerate(page.words)
        if 0 <= b[1] - anchor_box[3] + height / 2 <= 4 * height
        and abs(b[0] - x) <= max(width, 0.03)
    ]
    return sorted(
        below, key=lambda i: abs(page.words[i][1][0] - x) + abs(page.words[i][1][1] - y)
    )[:MAX_CANDIDATES]


def _value_after(
    page: PageWords,
    name: str,
    entry: Mapping[str, Any],
    anchor_box: BBox,
    anchor_end: int,
) -> tuple[Any, str, BBox] | None:
    """The first value in the learnt format printed where the layout puts it after an anchor;
    failing that, what is printed at the nearest place (to be compared, in another format)."""
    readings = [
        got
        for got in (
            _phrase(page, name, i, entry.get("format"))
            for i in _start_candidates(page, entry, anchor_box, anchor_end)
        )
        if got is not None
    ]
    same = [got for got in readings if text_format(name, got[1]) == entry.get("format")]
    return (same or readings or [None])[0]


def _phrase(
    page: PageWords, name: str, start: int, learnt_format: str | None = None
) -> tuple[Any, str, BBox] | None:
    """The value starting at word ``start``: amounts and dates the longest run that parses
    (the run in the learnt format first: a date whose cell OCR ran into the next one,
    "22 augustus 2025 | 22 augustus", is still the date); identifiers and names every word
    of the phrase (so a reference cut short is seen)."""
    kind = FIELD_TYPES.get(name, FieldType.TEXT)
    run = [start]
    for index in range(start + 1, min(start + MAX_WINDOW, len(page.words))):
        previous, current = page.words[run[-1]][1], page.words[index][1]
        if (
            not _on_line(page, index, run[-1])
            or not -0.01 <= current[0] - previous[2] <= PHRASE_GAP
        ):
            break
        run.append(index)
    if kind in (FieldType.AMOUNT, FieldType.DATE):
        # the longest run that reads as one value: "1 094,34" whole, never its "094,34"
        longest = None
        for size in range(len(run), 0, -1):
            text = " ".join(page.words[i][0] for i in run[:size])
            value = parse_as(name, text)
            if value is None:
                continue
            got = (value, text, _union([page.words[i][1] for i in run[:size]]))
            if text_format(name, text) == learnt_format:
                return got
            longest = longest or got
        return longest
    text = " ".join(page.words[i][0] for i in run)
    value = parse_as(name, text)
    return (
        None
        if value is None
        else (value, text, _union([page.words[i][1] for i in run]))
    )


def read_field(
    pages: Sequence[PageWords], name: str, entry: Mapping[str, Any]
) -> Reading | None:
    """The value printed where ``entry`` (a learnt layout) puts the field; None when its
    label is not on the pages or nothing readable is printed after it."""
    anchor = list(entry.get("anchor") or [])
    if not anchor:
        return None
    learnt = entry["box"]
    best: tuple[float, Reading] | None = None
    hits = [
        (page, quality, hit)
        for page in pages
        for quality, hit in _find_anchor(page, anchor, entry.get("before", ""))
    ]
    top = max((quality for _, quality, _ in hits), default=0)
    if (
        sum(
            page.number == entry["page"] and quality == top for page, quality, _ in hits
        )
        > 1
    ):
        return None  # the label is printed twice where it was once: which one is meant is a guess
    for page, quality, hit in hits:
        anchor_box = _union([page.words[i][1] for i in hit])
        got = _value_after(page, name, entry, anchor_box, hit[-1])
        if got is None:
            continue
        value, text, box = got
        # the best-read label first, then the one nearest to where it was
        distance = (
            -quality
            + abs(box[0] - learnt[0])
            + abs(box[1] - learnt[1])
            + (0.5 if page.number != entry["page"] else 0.0)
        )
        reading = Reading(
            value,
            text,
            page.number,
            box,
            " ".join(page.words[i][0] for i in hit),
            text_format(name, text) == entry.get("format"),
        )
        if best is None or distance < best[0]:
            best = (distance, reading)
    return None if best is None else best[1]


# ----------------------------------------------------------------------- at validation
OPERATOR_EVIDENCE = "operator"  # a person looked at the field: confirmed or corrected it
RELEASED_EVIDENCE = "released"  # set certain by the machine, released by a person who changed nothing
CREDIT_NOTE_KEY = "credit_note:"  # a credit note's layout is kept apart from the supplier's invoices'


def layout_key(name: str, document_type: object) -> str:
    """Where a field's place is kept in the profile: a supplier's credit notes are laid out
    apart from its invoices ("Note de crédit CR250438" where the invoice prints "Facture
    F2025-00417"), so each keeps its own; learning one never overwrites the other."""
    return f"{CREDIT_NOTE_KEY}{name}" if document_type == DocumentType.CREDIT_NOTE else name


# a credit note's own number series and reference: never read at its invoices' places
NOT_BORROWED = frozenset({"invoice_number", "payment_reference"})


def layout_for(
    positions: Mapping[str, Any] | None, document_type: object, *, borrow: bool = False
) -> dict[str, Any]:
    """The learnt layout of this document type, keyed by field name.

    ``borrow`` (applying a layout, not learning one): a credit note's fields its own
    layout has not learnt yet are looked for at the places learnt on the supplier's
    invoices (most print both from one template), marked ``borrowed``: there they may
    agree, as weaker evidence, never disagree; the number and the reference are its own."""
    entries = positions or {}
    if document_type != DocumentType.CREDIT_NOTE:
        return {key: entry for key, entry in entries.items() if not key.startswith(CREDIT_NOTE_KEY)}
    own = {key[len(CREDIT_NOTE_KEY):]: entry for key, entry in entries.items() if key.startswith(CREDIT_NOTE_KEY)}
    if not borrow:
        return own
    borrowed = {
        key: {**entry, "evidence": RELEASED_EVIDENCE, "borrowed": True}
        for key, entry in entries.items()
        if not key.startswith(CREDIT_NOTE_KEY) and key not in own and key not in NOT_BORROWED
        and isinstance(entry, Mapping)
    }
    return {**borrowed, **own}


def learn_from_validation(
    session: Session, document: Document, names: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Remember, in the supplier's profile of this office, where the values an operator
    validated (``names``: confirmed or corrected) are printed on this document.

    Only operator-validated fields are learnt here: a value the machine was sure of but no
    person looked at never teaches the layout (a wrong place would then confirm itself);
    those are learnt, as weaker evidence, when a person releases the whole form
    (:func:`learn_at_release`)."""
    rows = field_rows(session, document.id)
    learnt = _learn(document, rows, names, OPERATOR_EVIDENCE)
    client = session.get(Client, document.client_id)
    if client is not None and learnt:
        remember_positions(session, client.office_id, current_values(rows), learnt)
    return learnt


def _learn(document: Document, rows: Mapping[str, Any], names: Iterable[str], evidence: str) -> dict[str, dict[str, Any]]:
    pages = words_of_rows(document.pages)
    learnt: dict[str, dict[str, Any]] = {}
    for name in names:
        row = rows.get(name)
        if row is None:
            continue
        confirmed = row.machine_value == row.value
        entry = learn_field(
            pages, name, row.value, (row.page, row.bbox) if confirmed else (None, None)
        )
        if entry is not None:
            key = layout_key(name, document.document_type)
            learnt[key] = {
                **entry,
                "machine_was_right": confirmed,
                "document_id": document.id,
                "evidence": evidence,
            }
            if FIELD_TYPES.get(name) is FieldType.TEXT or name in SERIES_FIELDS:
                # a name has no format: the value itself is kept; so is the number a
                # series goes on from
                learnt[key]["value"] = row.value
            if name in SERIES_FIELDS and rows.get("issue_date") is not None and rows["issue_date"].value:
                learnt[key]["issue_date"] = rows["issue_date"].value  # a later number is never dated earlier
    return learnt


def learn_at_release(session: Session, document: Document) -> dict[str, dict[str, Any]]:
    """"Confirm and next" releases the whole form: the policy.

    When a person validated a document and it is released, every value on the form was
    in front of them, the fields the machine had set certain (and the workbench did not
    ask about) included: releasing the form is confirming it. So those fields are learnt
    too — as weaker evidence (``evidence: released``) than a field a person confirmed or
    corrected:

    * they never replace what a person looked at on an earlier invoice of the supplier;
    * on the next invoice, agreeing with them makes a field certain only when the general
      extractor was already fairly sure of its own reading (``supplier_agreement``'s
      ``weak`` rule), while a disagreement is doubt as always.

    A document released by the machine alone teaches nothing: nobody saw it."""
    if document.auto_released:
        return {}
    rows = field_rows(session, document.id)
    names = [
        name
        for name, row in rows.items()
        if row.state is FieldState.CERTAIN
        and row.value not in (None, "", [])
        and row.value == row.machine_value
    ]
    client = session.get(Client, document.client_id)
    if client is None or not names:
        return {}
    values = current_values(rows)
    profile = match_profile(session, client.office_id, values)
    known = layout_for(profile.field_positions if profile is not None else None, document.document_type)
    stronger = {
        name
        for name, entry in known.items()
        if isinstance(entry, Mapping)
        and "box" in entry
        and entry.get("evidence", OPERATOR_EVIDENCE) == OPERATOR_EVIDENCE
    }
    learnt = _learn(document, rows, [n for n in names if n not in stronger], RELEASED_EVIDENCE)
    if learnt:
        remember_positions(session, client.office_id, values, learnt)
    return learnt
