"""Coded notices a reading leaves on a document: said in words, with a stable code.

A notice is not a failure: the document was read (perhaps in part) and goes on to an
operator. It travels in :attr:`~pipeline.core.records.ReadResult.warnings` as
``"[code] message"`` (the same shape as a failed document's reason), so the CLI, the
API and the document's note all show the code and the words together.

* ``blank_page``: a page with no ink at all (nothing to read; not an OCR failure).
* ``no_text``: OCR ran on a page with some marks but found no text.
* ``damaged_pdf``: the PDF is damaged (cut off, broken index, page tree that loops);
  how many pages could be recovered is said. The original is kept unchanged.
* ``page_limit``: only the first ``MAX_PAGES`` pages were read.

``damaged_pdf`` and ``page_limit`` hold the document for an operator
(:func:`holds_document`): part of the file was not read, so a person decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BLANK_PAGE = "blank_page"
NO_TEXT = "no_text"
DAMAGED_PDF = "damaged_pdf"
PAGE_LIMIT = "page_limit"
HOLDING = frozenset({DAMAGED_PDF, PAGE_LIMIT})

_CODED = re.compile(r"^\[([a-z_]+)\] (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Notice:
    code: str
    message: str

    def text(self) -> str:
        return f"[{self.code}] {self.message}"


def parse(warning: str) -> Notice | None:
    """The notice in a warning string, or None for an uncoded warning."""
    match = _CODED.match(warning)
    return Notice(match.group(1), match.group(2)) if match else None


def notices(warnings: tuple[str, ...] | list[str]) -> list[Notice]:
    return [notice for warning in warnings if (notice := parse(warning)) is not None]


def holds_document(warning: str) -> bool:
    """The warning says part of the file was not read: an operator must look."""
    notice = parse(warning)
    return notice is not None and notice.code in HOLDING


def page_list(numbers: list[int]) -> str:
    """``[3, 4, 5, 8]`` → ``"3-5, 8"``."""
    out: list[str] = []
    for number in sorted(numbers):
        if out and "-" not in out[-1].split(", ")[-1] and int(out[-1]) + 1 == number:
            out[-1] = f"{out[-1]}-{number}"
        elif out and "-" in out[-1] and int(out[-1].split("-")[1]) + 1 == number:
            out[-1] = f"{out[-1].split('-')[0]}-{number}"
        else:
            out.append(str(number))
    return ", ".join(out)
