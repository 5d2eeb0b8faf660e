"""Where on a supplier's invoices a field is printed, learnt from operators.

When an operator confirms or corrects a field, the value is looked up among the
words of the page and its box is remembered in the supplier's profile. On the next
invoice of that supplier, the words at the remembered place are read again: a value
that agrees with the extraction is trusted more; one the extractor missed is
offered (source ``supplier_memory``); a disagreement lowers the extraction's
confidence, because the layout usually wins over a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pipeline.fields import FIELD_TYPES, FieldType, value_from_json
from pipeline.records import BBox

POSITIONAL_TYPES = (FieldType.AMOUNT, FieldType.DATE, FieldType.IDENTIFIER, FieldType.CURRENCY, FieldType.TEXT)
MAX_WINDOW = 6  # words
MARGIN = 0.01  # of the page, around a remembered box


@dataclass(frozen=True)
class PageWords:
    number: int
    words: tuple[tuple[str, BBox], ...]  # in reading order


def words_of_records(pages: Iterable[Any]) -> list[PageWords]:
    """From ``PageText`` records (a fresh reading)."""
    return [
        PageWords(page.number, tuple((w.text, w.bbox) for line in page.lines for w in (line.words or ())))
        for page in pages
    ]


def words_of_rows(pages: Iterable[Any]) -> list[PageWords]:
    """From ``Page`` rows (stored lines as JSON)."""
    return [
        PageWords(page.number, tuple((w["text"], tuple(w["bbox"])) for line in page.lines or [] for w in line.get("words") or []))
        for page in pages
    ]


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def _parse(name: str, text: str) -> Any:
    from pipeline.extract.amounts import parse_amount
    from pipeline.extract.dates import parse_date

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
        return found.lower() == str(value).lower()
    return _alnum(str(found)) == _alnum(str(value))


def _union(boxes: Sequence[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def locate(pages: Sequence[PageWords], name: str, value_json: Any) -> tuple[int, BBox] | None:
    """Page and box of the shortest run of words that reads as ``value_json``."""
    if FIELD_TYPES.get(name) not in POSITIONAL_TYPES or value_json in (None, ""):
        return None
    value = value_from_json(name, value_json)
    for page in pages:
        words = page.words
        for size in range(1, MAX_WINDOW + 1):
            for start in range(len(words) - size + 1):
                window = words[start : start + size]
                if same_value(name, _parse(name, " ".join(text for text, _ in window)), value):
                    return page.number, _union([box for _, box in window])
    return None


def read_at(pages: Sequence[PageWords], name: str, page_number: int, box: Sequence[float]) -> tuple[Any, BBox] | None:
    """The value printed at a remembered place (words whose centre falls in the box)."""
    x0, y0, x1, y1 = box[0] - MARGIN, box[1] - MARGIN, box[2] + MARGIN, box[3] + MARGIN
    for page in pages:
        if page.number != page_number:
            continue
        inside = [(text, b) for text, b in page.words if x0 <= (b[0] + b[2]) / 2 <= x1 and y0 <= (b[1] + b[3]) / 2 <= y1]
        if not inside:
            return None
        value = _parse(name, " ".join(text for text, _ in inside))
        return (value, _union([b for _, b in inside])) if value is not None else None
    return None


def learn_from_validation(session: Any, document: Any, names: Iterable[str]) -> dict[str, list[float]]:
    """Remember where the operator-validated values of ``names`` are printed on this document."""
    from models import Client
    from pipeline.fieldstore import field_rows
    from pipeline.suppliers import remember_positions

    rows = field_rows(session, document.id)
    words = words_of_rows(document.pages)
    positions: dict[str, list[float]] = {}
    for name in names:
        row = rows.get(name)
        found = None if row is None else locate(words, name, row.value)
        if found is not None:
            positions[name] = [found[0], *found[1]]
    client = session.get(Client, document.client_id)
    if client is not None:
        remember_positions(session, client.office_id, document.supplier_key, positions)
    return positions
