"""Damaged PDFs: what was lost, what could be recovered, said in one coded notice.

MuPDF opens many damaged PDFs by repairing them (a file cut off by a broken
download has no cross-reference table at its end: the objects are found by scanning).
Reading such a file "normally" gave a document that looked fine with every field
empty. Here each page is judged:

* **lost**: it cannot be loaded (a page tree that loops back on itself gives
  phantom pages that MuPDF refuses with "cycle in page tree"), or, in a repaired
  file, none of its content streams survived;
* **in part**: a repaired file where some of the page's content streams are gone;
* **recovered** otherwise.

:func:`damage_notice` says in words (code ``damaged_pdf``) why the file is damaged
and how many pages were recovered; a file none of whose pages could be recovered is a
:class:`~pipeline.core.errors.CorruptFile`. The original is never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.errors import CorruptFile
from pipeline.read.notices import DAMAGED_PDF, Notice, page_list

log = logging.getLogger(__name__)

LOOP = "cycle in page tree"


@dataclass
class PdfDamage:
    repaired: bool  # MuPDF had to rebuild the file's index (cut off, broken xref)
    pages: int = 0  # pages the file claims (within the pages read)
    lost: list[int] = field(default_factory=list)
    partial: list[int] = field(default_factory=list)
    loops: bool = False

    @property
    def damaged(self) -> bool:
        return self.repaired or bool(self.lost) or bool(self.partial)

    def page_lost(self, number: int, error: BaseException) -> None:
        self.lost.append(number)
        if LOOP in str(error):
            self.loops = True
        # an expected condition of a damaged file: one line, no traceback
        log.warning("page %d cannot be loaded: %s", number, error)

    def judge_contents(self, doc: Any, page: Any, number: int) -> bool:
        """In a repaired file: is the page's content there? False when it is lost."""
        if not self.repaired:
            return True
        parts = list(page.get_contents())
        readable = 0
        for xref in parts:
            try:
                readable += doc.xref_stream(xref) is not None
            except Exception as exc:  # noqa: BLE001 - "bad xref": the object was cut off
                log.debug("page %d: content stream %d lost: %s", number, xref, exc)
        if (parts and readable == 0) or (not parts and not _has_images(page)):
            self.lost.append(number)
            return False
        if readable < len(parts):
            self.partial.append(number)
        return True

    def why(self) -> str:
        if self.loops:
            return "its page tree loops back on itself"
        if self.repaired:
            return "it is cut off or its index is broken"
        return "some of its pages cannot be loaded"

    def notice(self) -> Notice:
        recovered = self.pages - len(self.lost)
        if recovered <= 0:
            raise CorruptFile(
                f"The PDF is damaged ({self.why()}): none of its {self.pages} pages could be recovered."
            )
        said = f"{recovered} of {self.pages} page{'s' if self.pages != 1 else ''} could be recovered and read"
        if self.lost:
            said += f"; page{'s' if len(self.lost) > 1 else ''} {page_list(self.lost)} {'are' if len(self.lost) > 1 else 'is'} lost"
        if self.partial:
            said += f"; page{'s' if len(self.partial) > 1 else ''} {page_list(self.partial)} only in part"
        return Notice(
            DAMAGED_PDF,
            f"The PDF is damaged ({self.why()}): {said}. The original is kept as "
            "received; check what was read, or ask the sender for a new copy.",
        )


def _has_images(page: Any) -> bool:
    try:
        return bool(page.get_images())
    except Exception:  # noqa: BLE001
        return False
