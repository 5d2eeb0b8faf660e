"""Group verification: one field across many documents on one screen.

The operator sees the crop of, say, every uncertain IBAN in the open queue, and
confirms or corrects them in one go. Documents whose last doubtful field this was
are validated (and their UBL job enqueued); the others stay in the queue with a
fresher reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from models import Document, ExtractedFieldRow, ValidationTask
from models.enums import FieldState, TaskState
from pipeline.api._common import current_settings, require_centre, run_job, work
from pipeline.api.live import display_text
from pipeline.api.render import CROP_DPI, crop_png, render_page
from pipeline.api.tasks import apply_operator_values
from pipeline.core.accounts import Principal, audit
from pipeline.core.fields import FIELD_TYPES, FieldType
from pipeline.jobs.queues import RELEASE_QUEUE
from pipeline.jobs.release_job import release_job
from pipeline.review.release_rule import decide

GROUPABLE = tuple(name for name, kind in FIELD_TYPES.items() if kind not in (FieldType.VAT_BREAKDOWN, FieldType.LINES))
DOUBTFUL = (FieldState.UNCERTAIN, FieldState.FAILED_CHECK)


@dataclass(frozen=True)
class GroupItem:
    task_id: int
    document_id: int
    value: Any  # JSON form
    text: str
    confidence: float
    state: FieldState
    crop_png: bytes | None


@dataclass(frozen=True)
class GroupOutcome:
    confirmed: tuple[int, ...]  # document ids
    corrected: tuple[int, ...]
    validated: tuple[int, ...]
    skipped: tuple[int, ...]  # taken by someone else meanwhile


def group(principal: Principal, field_name: str, limit: int = 30) -> list[GroupItem]:
    """Open tasks whose ``field_name`` is uncertain (or failed a check), least confident first."""
    require_centre(principal)
    if field_name not in GROUPABLE:
        raise ValueError(f"{field_name!r} cannot be verified as a group")
    settings = current_settings()
    with work() as session:
        rows = session.execute(
            select(ValidationTask.id, ExtractedFieldRow, Document.original_path, Document.sha256, Document.kind,
                   Document.page_from)
            .join(ExtractedFieldRow, ExtractedFieldRow.document_id == ValidationTask.document_id)
            .join(Document, Document.id == ValidationTask.document_id)
            .where(ValidationTask.state == TaskState.OPEN, ExtractedFieldRow.name == field_name,
                   ExtractedFieldRow.state.in_(DOUBTFUL))
            .order_by(ExtractedFieldRow.confidence, ValidationTask.id)
            .limit(max(1, min(limit, 200)))
        ).all()
        # a part split out of a PDF: its page n is page page_from + n - 1 of the original
        found = [(task_id, row.document_id, row.value, row.confidence, row.state, (row.page or 1) + (first or 1) - 1,
                  row.bbox, path, sha, kind) for task_id, row, path, sha, kind, first in rows]
    items: list[GroupItem] = []
    for task_id, document_id, value, confidence, state, page, bbox, path, sha, kind in found:
        crop = None
        if bbox and len(bbox) == 4:
            rendered = render_page(settings.data_dir, path, sha, kind, page or 1, CROP_DPI)
            crop = crop_png(rendered.png, bbox) if rendered is not None else None
        items.append(GroupItem(task_id, document_id, value, display_text(field_name, value), confidence, state, crop))
    return items


def confirm_group(principal: Principal, field_name: str, decisions: Mapping[int, Any]) -> GroupOutcome:
    """Apply ``{document id: new value, or None to confirm as read}`` to ``field_name``."""
    require_centre(principal)
    settings = current_settings()
    confirmed: list[int] = []
    corrected: list[int] = []
    validated: list[int] = []
    skipped: list[int] = []
    for document_id, new_value in decisions.items():
        with work() as session:
            task = session.scalars(select(ValidationTask).where(ValidationTask.document_id == document_id,
                                                                ValidationTask.state == TaskState.OPEN)).first()
            document = session.get(Document, document_id)
            if task is None or document is None:
                skipped.append(document_id)
                continue
            changes = {} if new_value is None else {field_name: new_value}
            fixed, kept = apply_operator_values(session, principal, document, task.id, changes,
                                                [] if changes else [field_name], {}, require_complete=False)
            if not (fixed or kept):
                skipped.append(document_id)
                continue
            (corrected if fixed else confirmed).append(document_id)
            session.flush()
            decision = decide(session, settings, document, by_operator=True)
            if decision.release:
                task.state = TaskState.DONE
                task.done_by = principal.user_id
                task.done_at = datetime.now(UTC)
                validated.append(document_id)
            audit(session, principal.user_id, "group_verify", f"document:{document_id}",
                  f"{field_name}: {'corrected' if fixed else 'confirmed'}")
    for document_id in validated:
        run_job(release_job, document_id, queue=RELEASE_QUEUE)
    return GroupOutcome(tuple(confirmed), tuple(corrected), tuple(validated), tuple(skipped))


