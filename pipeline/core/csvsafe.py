"""Every CSV Boekbrug writes goes through here, so no cell can become a spreadsheet formula.

A supplier name, an invoice number or a note comes from outside; a spreadsheet opening
``summary.csv`` runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (``=HYPERLINK(…)``, ``=cmd|…``). As OWASP's CSV-injection
advice says, such a cell is written with a leading apostrophe, which spreadsheets show
as text. A plain number (``-12.50``, a credit note's amount) is no formula and stays as
it is, so amounts keep adding up in the accountant's sheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralise(value: Any) -> str:
    """The cell as text that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """UTF-8 CSV (CRLF rows) with a header of ``columns``, every cell neutralised."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralise(column) for column in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in columns])
    return text.getvalue().encode("utf-8")
