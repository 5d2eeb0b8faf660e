"""Dates as printed in NL/FR/DE/EN: ``3 maart 2026``, ``3 mars 2026``, ``03.03.2026``,
``2026-03-03``, ``March 3, 2026``, ``03/03/26``, ``20260303``.

Numeric dates are day-first by default (Belgium); month-first is chosen only when
the day-first reading is impossible (``12/31/2026``) or the document says so
(``prefer_month_first``). Each match says whether it was ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.extract.text import fold

MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "januari janvier januar january jan jan. janv janv. jänner jaenner",
        "februari fevrier februar february feb feb. fev fevr fevr. febr",
        "maart mars marz maerz march mar mrt",
        "april avril apr avr",
        "mei mai may",
        "juni juin june jun",
        "juli juillet july jul juil",
        "augustus aout august aug",
        "september septembre sep sept",
        "oktober octobre october okt oct",
        "november novembre nov",
        "december decembre dezember dec dez",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name.rstrip(".")] = _num

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
NUMERIC_RE = re.compile(r"(?<![\d.])(\d{1,4})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{2,4})(?![\d])")
SLASH_RE = re.compile(r"(?<![\d/])(\d{1,4})\s?/\s?(\d{1,2})\s?/\s?(\d{2,4})(?![\d/])")
COMPACT_RE = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
DMY_NAME_RE = re.compile(r"(?<!\w)(\d{1,2})(?:er|e|st|nd|rd|th)?\.?\s*(" + _MONTH_ALT + r")\.?,?\s*(\d{4}|\d{2})(?!\d)")
# French "1er janvier" as OCR reads it, the 1 taken for an l or an I ("ler janvier 2026")
FIRST_OCR_RE = re.compile(r"(?<!\w)[li]er\.?\s*(" + _MONTH_ALT + r")\.?,?\s*(\d{4}|\d{2})(?!\d)")
MDY_NAME_RE = re.compile(r"(?<!\w)(" + _MONTH_ALT + r")\.?\s*(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)")


@dataclass(frozen=True)
class FoundDate:
    value: date
    start: int
    end: int
    text: str
    ambiguous: bool  # both day-first and month-first readings were valid and differ


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        return 2000 + n if n < 70 else 1900 + n
    return n


def _make(y: int, m: int, d: int) -> date | None:
    if not 1900 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, prefer_month_first: bool = False) -> list[FoundDate]:
    """All dates in ``text`` (matched on folded text: lower case, no accents)."""
    t = fold(text)
    out: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(value: date | None, m: re.Match[str], ambiguous: bool = False) -> None:
        if value is None or any(s < m.end() and m.start() < e for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        out.append(FoundDate(value, m.start(), m.end(), m.group(0), ambiguous))

    for m in DMY_NAME_RE.finditer(t):
        add(_make(_year(m.group(3)), MONTHS[m.group(2)], int(m.group(1))), m)
    for m in FIRST_OCR_RE.finditer(t):
        add(_make(_year(m.group(2)), MONTHS[m.group(1)], 1), m)
    for m in MDY_NAME_RE.finditer(t):
        add(_make(_year(m.group(3)), MONTHS[m.group(1)], int(m.group(2))), m)
    for m in list(NUMERIC_RE.finditer(t)) + list(SLASH_RE.finditer(t)):
        a, b, c = m.group(1), m.group(len(m.groups()) - 1), m.group(len(m.groups()))
        if len(a) == 4:  # ISO y-m-d
            add(_make(int(a), int(b), int(c)), m)
            continue
        if len(a) == 3 or len(c) == 3:
            continue
        y = _year(c)
        dmy = _make(y, int(b), int(a))
        mdy = _make(y, int(a), int(b))
        if dmy and mdy and dmy != mdy:
            add(mdy if prefer_month_first else dmy, m, ambiguous=True)
        else:
            add(dmy or mdy, m)
    for m in COMPACT_RE.finditer(t):
        add(_make(int(m.group(1)), int(m.group(2)), int(m.group(3))), m)
    out.sort(key=lambda d: d.start)
    return out


def parse_date(text: str, prefer_month_first: bool = False) -> date | None:
    found = find_dates(text, prefer_month_first)
    return found[0].value if found else None
