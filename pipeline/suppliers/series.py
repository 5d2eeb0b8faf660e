"""A supplier's number series: the invoice number read continues the last one validated.

Suppliers number their invoices in a series: ``F2025-00617``, then ``F2025-00655``;
``2025/0495`` then ``2026/0003`` once the year turns. When an operator validated an
invoice number of this supplier (kept in the supplier's learnt layout, see
:mod:`pipeline.suppliers.positions`), the number read on the next invoice is held
against it:

* the same letters and separators in the same places (``FAC-`` stays ``FAC-``; digit
  runs may grow, ``FAC-2025-84`` → ``FAC-2025-123``, but a zero-padded run keeps its
  width), and a number made of digits alone keeps its width;
* the digits move on: the last run grows by at most :data:`MAX_STEP`, or an earlier run
  (a year, a period) grows by one while the runs after it start again;
* never the same number (that is a duplicate, for :mod:`pipeline.review.duplicates`).

A number of the series whose counter has fewer digits than the last one validated, in
the same period, is doubt said in words: a series only grows, so OCR lost a digit. And a
number that continues the series dated before the validated one is doubt on its issue
date (OCR read "2020" for "2025"): a later invoice is not dated earlier.

This is evidence the page's labels cannot give on a photo whose label OCR misread: a
customer number, an order number or a date read in the number's place does not continue
the series. It is a learnt check like the layout's agreement
(:func:`pipeline.review.confidence.supplier_agreement`): it lifts a reading the extractor
was already fairly sure of, with every other check passing, and a number that does not
continue the series is no evidence against it (invoices arrive out of order; a
supplier may renumber), so it is left as read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from pipeline.core.check_words import (
    SERIES_CONTINUES,
    SERIES_DATED_BEFORE,
    SERIES_SHORTER,
)
from pipeline.core.records import Check, ExtractedField, doubted
from pipeline.review.confidence import MIN_AGREEING_RELEASED, supplier_agreement

SERIES_FIELDS = ("invoice_number",)
SERIES_CHECK = "number_series"
MAX_STEP = 5_000  # invoices a supplier issues between two of one client's: more is no series
MIN_DIGITS = 4  # "17" after "12" is no evidence: too many small numbers on a page

_RUN = re.compile(r"\d+")


def _compact(text: str) -> str:
    return "".join(str(text).split()).upper()


def _skeleton(text: str) -> str:
    """Letters and separators as printed, each digit run one mark: ``FAC-2025-84`` → ``FAC-#-#``."""
    return _RUN.sub("#", text)


def continues(value: object, last: object) -> bool:
    """``value`` is a later number of the series ``last`` belongs to."""
    new, old = _compact(str(value)), _compact(str(last))
    if new == old or _skeleton(new) != _skeleton(old):
        return False
    new_runs, old_runs = _RUN.findall(new), _RUN.findall(old)
    if sum(len(run) for run in old_runs) < MIN_DIGITS:
        return False
    for run_new, run_old in zip(new_runs, old_runs):
        padded = run_old.startswith("0") or len(old_runs) == 1  # digits alone keep their width
        if padded and len(run_new) != len(run_old):
            return False
    for index, (run_new, run_old) in enumerate(zip(new_runs, old_runs)):
        step = int(run_new) - int(run_old)
        if step == 0:
            continue
        if index == len(old_runs) - 1:
            return 0 < step <= MAX_STEP
        return step == 1  # a year or period moves on by one; the counter after it starts again
    return False


def lost_digits(value: object, last: object) -> bool:
    """``value`` is ``last``'s series with its counter a digit or more shorter, in the same
    period: a series only grows, so a digit was lost in reading (``CN2025/119`` read where
    the series is at ``CN2025/1150``)."""
    new, old = _compact(str(value)), _compact(str(last))
    if _skeleton(new) != _skeleton(old):
        return False
    new_runs, old_runs = _RUN.findall(new), _RUN.findall(old)
    if not old_runs or new_runs[:-1] != old_runs[:-1]:
        return False  # another period: its counter starts again
    return len(old_runs[-1]) >= 3 and len(new_runs[-1]) < len(old_runs[-1])


def _number_read(name: str, fields: Mapping[str, ExtractedField], last: object) -> ExtractedField | None:
    """The number read for a series field, when there is one and a validated number to hold it against."""
    found = fields.get(name)
    if name in SERIES_FIELDS and found is not None and isinstance(found.value, str) and last:
        return found
    return None


def doubt_lost_digits(
    fields: dict[str, ExtractedField], name: str, entry: Mapping[str, Any]
) -> str | None:
    """Doubt ``fields[name]`` in place, said in words, when it is the validated number's
    series with digits lost; whatever else agrees with it (the learnt layout reads the
    same misread words). Returns the outcome or None."""
    last = entry.get("value")
    found = _number_read(name, fields, last)
    if found is None:
        return None
    if not lost_digits(found.value, last):
        return None
    check = Check(SERIES_CHECK, False, SERIES_SHORTER.format(value=found.value, last=last))
    fields[name] = doubted(found, check)
    return "shorter than the series"


def apply_series(
    fields: dict[str, ExtractedField], name: str, entry: Mapping[str, Any]
) -> str | None:
    """Lift ``fields[name]`` in place when it continues the series of the number validated in
    ``entry``; returns the outcome (``continues series``) or None when there is no evidence."""
    last = entry.get("value")
    found = _number_read(name, fields, last)
    if found is None:
        return None
    if not continues(found.value, last):
        return None
    if found.confidence < MIN_AGREEING_RELEASED:
        return None  # the extractor was guessing: a number of the right shape does not rescue a guess
    confidence = supplier_agreement(found.confidence, found.checks)
    if confidence <= found.confidence:
        return None  # a failed check still decides
    check = Check(SERIES_CHECK, True, SERIES_CONTINUES.format(value=found.value, last=last))
    fields[name] = replace(found, confidence=confidence, checks=(*found.checks, check))
    return "continues series"


def doubt_date_before_series(fields: dict[str, ExtractedField], entry: Mapping[str, Any]) -> bool:
    """Doubt the issue date, in place and in words, when the invoice number read continues
    the series of the validated number in ``entry`` but is dated before it."""
    number, issued, last_date = fields.get("invoice_number"), fields.get("issue_date"), entry.get("issue_date")
    if number is None or issued is None or not isinstance(issued.value, date) or not last_date:
        return False
    try:
        earlier = date.fromisoformat(str(last_date)[:10])
    except ValueError:
        return False
    if issued.value >= earlier or not continues(number.value, entry.get("value")):
        return False
    message = SERIES_DATED_BEFORE.format(date=issued.value.isoformat(), number=number.value,
                                         last=entry.get("value"), last_date=earlier.isoformat())
    fields["issue_date"] = doubted(issued, Check(SERIES_CHECK, False, message))
    return True
