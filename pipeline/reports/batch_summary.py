"""What became of a batch: read, queued for validation, released, failed (with reasons)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from models import Document
from models.enums import DocumentStatus
from pipeline.core.config import Settings
from pipeline.core.db import unit_of_work

IN_FLIGHT = (DocumentStatus.RECEIVED, DocumentStatus.READING, DocumentStatus.VALIDATED)


@dataclass
class BatchSummary:
    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def unfinished(self) -> int:
        return sum(self.by_status[s] for s in IN_FLIGHT)

    def render(self) -> str:
        read = self.total - self.by_status[DocumentStatus.FAILED] - self.unfinished
        queued = self.by_status[DocumentStatus.NEEDS_VALIDATION] + self.by_status[DocumentStatus.IN_VALIDATION]
        released = self.by_status[DocumentStatus.RELEASED] + self.by_status[DocumentStatus.DELIVERED]
        failed = self.by_status[DocumentStatus.FAILED]
        lines = [f"{self.total} documents: {read} read, {queued} queued for validation, {released} released, "
                 + f"{failed} failed, {self.unfinished} unfinished"]
        other = {s: n for s, n in self.by_status.items() if s in (DocumentStatus.SPLIT, DocumentStatus.REJECTED, DocumentStatus.DUPLICATE)}
        if other:
            lines.append("  also: " + ", ".join(f"{n} {s}" for s, n in sorted(other.items())))
        for name, reason in self.failures:
            lines.append(f"  failed: {name}: {reason}")
        return "\n".join(lines)


def _documents(settings: Settings, ids: list[int]) -> list[Document]:
    with unit_of_work(settings.database_url) as session:
        found: list[Document] = []
        for start in range(0, len(ids), 500):
            found.extend(session.scalars(select(Document).where(Document.id.in_(ids[start : start + 500]))))
        return found


def unfinished(settings: Settings, ids: list[int]) -> int:
    """Documents of the batch (and their attachments) still on their way."""
    documents = _documents(settings, ids)
    children = _children(settings, [d.id for d in documents if d.status is DocumentStatus.SPLIT])
    return sum(1 for d in documents + children if d.status in IN_FLIGHT)


def _children(settings: Settings, parent_ids: list[int]) -> list[Document]:
    if not parent_ids:
        return []
    with unit_of_work(settings.database_url) as session:
        return list(session.scalars(select(Document).where(Document.parent_id.in_(parent_ids))))


def summarise(settings: Settings, ids: list[int]) -> BatchSummary:
    documents = _documents(settings, ids)
    documents += _children(settings, [d.id for d in documents if d.status is DocumentStatus.SPLIT])
    summary = BatchSummary(total=len(documents))
    for document in documents:
        summary.by_status[document.status] += 1
        if document.status is DocumentStatus.FAILED:
            summary.failures.append((document.original_filename, document.error or "no reason recorded"))
    return summary
