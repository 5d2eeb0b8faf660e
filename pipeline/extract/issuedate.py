"""Three ways an issue date is printed without a label, and the facts that vouch for them.

Most issue dates stand after a label (``Factuurdatum``, ``Date``) and the label rule
backs them (``label_value_agree``). Two common forms have no label at all, so before
this the date could never be more than a guess, however right it was:

* **the letter's dateline** — ``Oostende, 4 september 2025`` at the head of a letter-style
  invoice: a place, a comma, the date. It is the date of the document. It is vouched for
  when the place is the town of an address printed on the page (``8400 Oostende``), so the
  words before the date are a place and not a label or a sentence, and the row holds
  nothing else (``dateline``).
* **the till's timestamp** — ``01-09-2025 17:17`` on a till slip: the moment of the sale,
  which is the slip's date. It is vouched for when it is printed with a time of day and no
  other date is printed on the slip (``sale_timestamp``).
* **the invoice's title** — ``Rechnung Nr. KR8765 vom 06.10.2018``, ``Facture n° F-12 du
  15/01/2020``, ``Factuur 2025/0495 van 3 mei 2025``, ``Invoice 118 dated 3 May 2025``:
  the document's name, its number, a word for "of", the date. It is vouched for when the
  number is the invoice number read, the row starts as an invoice's title and the date is
  the only one on the row (``title_date``).

Each is a passing check on the candidate (``pipeline.extract.scoring`` counts both as
proving checks), in words an operator can follow; nothing else about the candidate
changes. A damaged reading still caps the confidence (``scoring.confidence``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.core import check_words as words
from pipeline.core.identifiers import alnum_upper
from pipeline.core.records import Check
from pipeline.extract.dates import find_dates
from pipeline.extract.layout import Layout, Row, Tok, row_string
from pipeline.extract.scoring import Cand
from pipeline.extract.text import fold

DATELINE = "dateline"
SALE_TIMESTAMP = "sale_timestamp"
TITLE_DATE = "title_date"
_TITLE = re.compile(
    r"\b(?:\w*rechnung\w*|gutschrift|factuur|creditnota|facture|avoir|note de credit|invoice|"
    r"credit note|fattura|factura|nota)\b"
)
_OF = re.compile(r"(?:^|\s)(?:vom|von|du|van|dated|of|del|de|dd|d\.d\.|le)\s*[:.,]?\s*$")
_POSTCODE_TOWN = re.compile(
    r"(?:^|\s)(?:[a-z]{1,2}-?)?\d{4,5}\s+([a-z][a-z' -]{1,40}?)(?:\s*\(|\s*$|\s{2,}|,)"
)
_PLACE = re.compile(r"^([a-z][a-z' -]{1,40}?)\s*[,.]?\s*(?:le|den|the)?\s*$")
_TIME = re.compile(r"^\s{0,4}\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?(?!\d)")


def _alpha(text: str) -> str:
    return re.sub(r"[^a-z]", "", text)


def address_towns(layout: Layout) -> set[str]:
    """Towns printed after a postcode on the first page (``8400 Oostende`` → oostende)."""
    towns: set[str] = set()
    if not layout.pages:
        return towns
    for row in layout.pages[0].rows:
        for cell in row.cells:
            for m in _POSTCODE_TOWN.finditer(fold(cell.text) + "  "):
                town = _alpha(m.group(1))
                if len(town) >= 3:
                    towns.add(town)
    return towns


def _row_text(row: Row) -> str:
    """The row's text with single spaces, as :func:`find_dates` counts its offsets: a reading
    spaces its words out ("Date   : 19-05-2018 12:46:58"), and an offset into the spaced
    text would cut the date short and never see the time after it."""
    return " ".join(row_string(row)[0].split())


def _row_of(layout: Layout, toks: tuple[Tok, ...]) -> Row | None:
    if not toks:
        return None
    first = toks[0]
    for row in layout.rows(first.page):
        if any(t is first for t in row.toks):
            return row
    return None


def _dateline(layout: Layout, cand: Cand, towns: set[str]) -> Check | None:
    row = _row_of(layout, cand.toks)
    if row is None or row.page != layout.pages[0].number or row.top > 0.5:
        return None
    text = _row_text(row)
    found = find_dates(text)
    if len(found) != 1 or found[0].value != cand.value:
        return None
    d = found[0]
    if text[d.end :].strip(" .,;"):
        return None  # more after the date: a sentence, not a dateline
    place = _PLACE.match(fold(text[: d.start]).strip())
    if place is None:
        return None
    town = _alpha(place.group(1))
    if len(town) < 3 or town not in towns:
        return None
    return Check(
        DATELINE,
        True,
        words.DATELINE.format(text=text.strip(), town=text[: d.start].strip(" ,.")),
    )


def _timestamp(layout: Layout, cand: Cand, all_dates: set) -> Check | None:
    if all_dates != {cand.value}:
        return None
    row = _row_of(layout, cand.toks)
    if row is None:
        return None
    text = _row_text(row)
    for d in find_dates(text):
        if d.value == cand.value and _TIME.match(text[d.end :]):
            return Check(
                SALE_TIMESTAMP,
                True,
                words.SALE_TIMESTAMP.format(text=text[d.start : d.end]),
            )
    return None


def _title_date(layout: Layout, cand: Cand, number: str) -> Check | None:
    row, key = _row_of(layout, cand.toks), alnum_upper(fold(number))
    if row is None or row.page != layout.pages[0].number or len(key) < 3:
        return None
    text = _row_text(row)
    found = find_dates(text)
    if len(found) != 1 or found[0].value != cand.value:
        return None
    before = fold(text[: found[0].start])
    if not _OF.search(before):
        return None
    title = _TITLE.search(before)
    if title is None or key not in alnum_upper(before[title.end() :]):
        return None  # the number read, after the document's name, before the date
    return Check(TITLE_DATE, True, words.TITLE_DATE.format(text=text.strip()))


def vouch(
    cands: Iterable[Cand], layout: Layout, receipt: bool, mdy: bool, number: object = None
) -> None:
    """Add the dateline, sale-timestamp or title-date check to the issue-date candidates it
    holds for; ``number``: the invoice number read (for the title)."""
    cands = list(cands)
    if not cands or not layout.pages:
        return
    towns = address_towns(layout)
    all_dates = (
        {
            d.value
            for row in layout.rows()
            for d in find_dates(row.text, prefer_month_first=mdy)
        }
        if receipt
        else set()
    )
    for cand in cands:
        if any(c.name in (DATELINE, SALE_TIMESTAMP, TITLE_DATE) for c in cand.checks):
            continue
        check = _timestamp(layout, cand, all_dates) if receipt else None
        if check is None and towns:
            check = _dateline(layout, cand, towns)
        if check is None and isinstance(number, str):
            check = _title_date(layout, cand, number)
        if check is not None:
            cand.checks.append(check)
