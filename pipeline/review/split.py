"""One PDF holding several invoices: split it into one document per invoice.

A child is a document of its own — same client, same ``sha256`` and ``original_path``
as its parent, ``part`` "p3-4", ``page_from``/``page_to`` on the parent's original,
``channel`` "split" — read, checked, validated, released and deduplicated like any
other. The stored original is never changed or copied: reading a child (and embedding
it in its UBL) builds its pages as a PDF in memory from the parent's original
(:func:`original_bytes`). A child's fields, boxes and pages refer to its own pages
1..n; :func:`original_page` maps them back onto the original for the page viewer.

No automatic split. When extraction sees clear evidence of several invoices (a new
invoice number heading a page, ``Extraction.invoice_page_ranges`` with two or more
ranges), the document is flagged — a note "this PDF seems to hold several invoices
(pages 1-2, 3-4)" and the ranges in ``Document.invoice_page_ranges`` — and goes to an
operator with a VALIDATE task; the workbench's Split action is filled in with the
ranges found (:func:`suggested_ranges`). A wrong
automatic split (an invoice cut in two, a credit note torn from the invoice it
corrects, an attachment read as an invoice) costs more to undo than one look costs,
and the look takes seconds with the ranges already typed in.

``split_document`` is idempotent: the same ranges again return the same children;
other ranges on a PDF that was split already are a Conflict.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pymupdf
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Document, ValidationTask
from models.enums import DocumentKind, DocumentStatus, TaskState
from pipeline.core.accounts import audit
from pipeline.core.config import Settings
from pipeline.core.errors import BoekbrugError, Conflict, NotFound
from pipeline.core.storage import read_original
from pipeline.read.document import open_pdf

log = logging.getLogger(__name__)

Ranges = list[tuple[int, int]]
# a document in one of these states can still be split; later ones were released or judged already
SPLITTABLE = (DocumentStatus.RECEIVED, DocumentStatus.FAILED, DocumentStatus.NEEDS_VALIDATION,
              DocumentStatus.IN_VALIDATION)
_OPEN_TASK = (TaskState.OPEN, TaskState.CLAIMED, TaskState.POSTPONED)
_RANGE = re.compile(r"^\s*(\d{1,4})\s*(?:[-–]\s*(\d{1,4})\s*)?$")


class BadRanges(BoekbrugError):
    """Page ranges that cannot split this document."""

    code = "invalid_ranges"
    hint = "Give the pages of each invoice as ranges like 1-2, 3-4 (first page 1, inclusive, no overlap)."


def parse_ranges(text: str) -> Ranges:
    """``"1-2, 3-4"`` → ``[(1, 2), (3, 4)]``; a lone page ``"5"`` is ``(5, 5)``."""
    ranges: Ranges = []
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        found = _RANGE.match(part)
        if found is None:
            raise BadRanges(f"{text.strip()!r} is not a list of page ranges like 1-2, 3-4")
        first = int(found.group(1))
        ranges.append((first, int(found.group(2) or first)))
    if not ranges:
        raise BadRanges("no page ranges given")
    return ranges


def format_ranges(ranges: Ranges | tuple[tuple[int, int], ...]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in ranges)


def suggested_ranges(ranges: list[list[int]] | None) -> str:
    """The ranges extraction found (the document's ``invoice_page_ranges``), as the Split box
    takes them ("" when it found none)."""
    return format_ranges(tuple((int(a), int(b)) for a, b in ranges or ()))


def check_ranges(ranges: Ranges, page_count: int) -> Ranges:
    """Sorted ranges, if they can split a ``page_count``-page document; BadRanges otherwise."""
    ordered = sorted(ranges)
    for a, b in ordered:
        if a < 1 or b < a:
            raise BadRanges(f"{a}-{b} is no page range (pages count from 1, first page before last)")
        if b > page_count:
            raise BadRanges(f"{a}-{b} goes past the last page: the PDF has {page_count} pages")
    for (a1, b1), (a2, b2) in pairwise(ordered):
        if a2 <= b1:
            raise BadRanges(f"{a1}-{b1} and {a2}-{b2} overlap: each page belongs to one invoice")
    if len(ordered) < 2 and ordered[0] == (1, page_count):
        raise BadRanges(f"{format_ranges(ordered)} is the whole PDF: give two ranges or fewer pages")
    return ordered


def pdf_page_count(data: bytes) -> int:
    with open_pdf(data) as pdf:
        return int(pdf.page_count)


def sub_pdf(data: bytes, page_from: int, page_to: int) -> bytes:
    """Pages ``page_from``..``page_to`` (1-based, inclusive) of a PDF, as a new PDF in memory."""
    with open_pdf(data) as source:
        last = source.page_count
        if not 1 <= page_from <= page_to <= last:
            raise BadRanges(f"pages {page_from}-{page_to} are not in this {last}-page PDF")
        with pymupdf.open() as part:
            part.insert_pdf(source, from_page=page_from - 1, to_page=page_to - 1)
            return bytes(part.tobytes(garbage=3, deflate=True))


def original_bytes(settings: Settings, document: Document) -> bytes:
    """What a document is made of: a child's own pages as a PDF, else the original as stored."""
    data = read_original(settings.data_dir, document.original_path)
    if document.page_from is None or document.page_to is None or document.kind is not DocumentKind.PDF:
        return data
    return sub_pdf(data, document.page_from, document.page_to)


def original_page(document: Document, page: int) -> int:
    """A document's page ``page`` (1-based) as the page number in the stored original."""
    own = own_page_count(document)
    page = max(1, page) if own is None else min(max(1, page), own)
    return page + (document.page_from or 1) - 1


def own_page_count(document: Document) -> int | None:
    """A child's page count (from its range); None for a whole file."""
    if document.page_from is None or document.page_to is None:
        return None
    return document.page_to - document.page_from + 1


def children_of(session: Session, parent_id: int) -> list[Document]:
    return list(session.scalars(
        select(Document).where(Document.parent_id == parent_id, Document.channel == "split").order_by(Document.page_from)
    ).all())


def split_document(session: Session, settings: Settings, document_id: int, ranges: Ranges,
                   by_user_id: int | None) -> list[int]:
    """Split a PDF into one child document per page range; returns the children's ids.

    ``ranges`` count the document's own pages (1-based, inclusive). The parent ends
    SPLIT, its open tasks DONE and its note kept. Nothing is committed and nothing
    enqueued: the caller commits, then enqueues ``read_job`` for each child."""
    parent = session.get(Document, document_id, with_for_update=True)
    if parent is None:
        raise NotFound(f"document {document_id} not found")
    if parent.kind is not DocumentKind.PDF:
        raise BadRanges(f"document {document_id} is {parent.kind or 'unreadable'}, not a PDF: only a PDF can be split",
                        hint="Reject it, or ask the sender for one file per invoice.")
    base = (parent.page_from or 1) - 1  # a child split again: its pages sit further in the original
    count = own_page_count(parent) or pdf_page_count(read_original(settings.data_dir, parent.original_path))
    wanted = check_ranges(list(ranges), count)
    absolute = [(a + base, b + base) for a, b in wanted]
    existing = children_of(session, parent.id)
    if parent.status is DocumentStatus.SPLIT:
        if [(c.page_from, c.page_to) for c in existing] == absolute:
            return [c.id for c in existing]  # the same split again: nothing to do
        done = format_ranges([(c.page_from - base, c.page_to - base) for c in existing  # type: ignore[operator]
                              if c.page_from is not None and c.page_to is not None]) or "its attachments"
        raise Conflict(f"document {document_id} was split already (pages {done})",
                       hint="Each part is a document of its own; correct or reject the parts instead.")
    if parent.status not in SPLITTABLE:
        raise Conflict(f"document {document_id} is {parent.status}: it can no longer be split")

    stem, suffix = Path(parent.original_filename).stem, Path(parent.original_filename).suffix or ".pdf"
    children: list[Document] = []
    for a, b in absolute:
        child = Document(
            client_id=parent.client_id, parent_id=parent.id, part=f"p{a}-{b}", sha256=parent.sha256,
            original_path=parent.original_path, original_filename=f"{stem} p{a}-{b}{suffix}"[:500],
            size_bytes=parent.size_bytes, kind=DocumentKind.PDF, channel="split", status=DocumentStatus.RECEIVED,
            page_from=a, page_to=b, priority=parent.priority, received_at=parent.received_at,
        )
        session.add(child)
        children.append(child)
    parent.status = DocumentStatus.SPLIT  # the note ("seems to hold several invoices …") stays as it was
    now = datetime.now(UTC)
    for task in session.scalars(select(ValidationTask).where(ValidationTask.document_id == parent.id,
                                                             ValidationTask.state.in_(_OPEN_TASK))):
        task.state = TaskState.DONE
        task.done_by = by_user_id
        task.done_at = now
        task.lease_until = None
    session.flush()
    ids = [child.id for child in children]
    audit(session, by_user_id, "split", f"document:{parent.id}",
          f"pages {format_ranges(wanted)} → documents {', '.join(map(str, ids))}")
    log.info("document %s split into %s (pages %s)", parent.id, ids, format_ranges(wanted))
    return ids
