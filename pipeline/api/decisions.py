"""Decisions on a held task other than saving its fields: reject, not an invoice,
duplicate or a different invoice, postpone, split (``pipeline.review.split``), give back.
Each names the version the operator saw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models import Document, ValidationTask
from models.enums import DocumentStatus, DocumentType, TaskKind, TaskState
from pipeline.api._common import (
    InvalidValue,
    current_settings,
    document_for,
    require_centre,
    run_job,
    work,
)
from pipeline.api.tasks import (
    TaskView,
    _close,
    _commit,
    _held,
    _locked,
    _view,
    fields_to_check,
)
from pipeline.core import check_words as words
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import NotFound
from pipeline.core.i18n import N_
from pipeline.review.duplicates import record_not_duplicate
from pipeline.review.split import suggested_ranges  # noqa: F401  (the Split box's proposal, for the workbench)


def _finish(principal: Principal, task_id: int, version: int, action: str, detail: str,
            status: DocumentStatus | None, *, task_state: TaskState = TaskState.DONE, **changes: Any) -> DocumentStatus:
    with _locked() as session:
        task = _held(session, principal, task_id, version)
        document = session.get(Document, task.document_id)
        assert document is not None
        _close(task, principal, 0.0, task_state)
        if status is not None:
            document.status = status
        for key, value in changes.items():
            setattr(document, key, value)
        audit(session, principal.user_id, action, f"document:{document.id}", detail)
        _commit(session)
        return document.status


def reject(principal: Principal, task_id: int, version: int, reason: str) -> DocumentStatus:
    reason = reason.strip() or "rejected by an operator"
    return _finish(principal, task_id, version, "reject", reason, DocumentStatus.REJECTED,
                   rejection_reason=f"rejected: {reason}"[:2000])


def not_an_invoice(principal: Principal, task_id: int, version: int) -> DocumentStatus:
    return _finish(principal, task_id, version, "not_an_invoice", "", DocumentStatus.REJECTED,
                   document_type=DocumentType.NOT_AN_INVOICE, rejection_reason="not an invoice (operator)")


def mark_duplicate_of(principal: Principal, task_id: int, version: int, original_id: int) -> DocumentStatus:
    with work() as session:
        task = session.get(ValidationTask, task_id)
        if task is None:
            raise NotFound(N_("task {id} not found"), params={"id": task_id})
        original = document_for(session, principal, original_id)
        if original.id == task.document_id or original.client_id != task.client_id:
            raise InvalidValue(words.NOT_EARLIER, params={"id": original_id})
        name = original.original_filename
    return _finish(principal, task_id, version, "mark_duplicate", f"duplicate of {original_id}", DocumentStatus.DUPLICATE,
                   duplicate_of_id=original_id,
                   rejection_reason=f"duplicate of document {original_id} ({name})"[:2000])


def not_a_duplicate(principal: Principal, task_id: int, version: int) -> TaskView:
    """The operator compared both: a different invoice. The task goes on as a field check.

    The pair is remembered (never suspected again), the task becomes a validation task
    (a new version: a form opened before the decision can no longer save), and its
    fields are checked and saved as for any other document."""
    with _locked() as session:
        task = _held(session, principal, task_id, version)
        document = session.get(Document, task.document_id)
        assert document is not None
        earlier = document.duplicate_of_id
        if earlier is None or document.status is DocumentStatus.DUPLICATE:
            raise InvalidValue(words.NOT_SUSPECTED, params={"id": document.id})
        record_not_duplicate(session, principal.user_id, document.id, earlier)
        audit(session, principal.user_id, "not_duplicate_decided", f"document:{document.id}",
              f"a different invoice from document {earlier}")
        document.duplicate_of_id = None
        task.kind = TaskKind.VALIDATE
        session.flush()
        view = _view(session, task)
        names = fields_to_check(view)
        task.reason = (f"a different invoice from document {earlier} (operator); "
                       + ("fields to check: " + ", ".join(names) if names else "confirm the fields"))[:2000]
        session.flush()
        view = _view(session, task)
        _commit(session)
        return view


def postpone(principal: Principal, task_id: int, version: int, minutes: int = 60) -> DocumentStatus:
    """Put the task aside; it comes back to the queue after ``minutes``."""
    until = datetime.now(UTC) + timedelta(minutes=max(1, minutes))
    with _locked() as session:
        task = _held(session, principal, task_id, version)
        task.state = TaskState.POSTPONED
        task.postponed_until = until
        task.claimed_by = None
        task.lease_until = None
        document = session.get(Document, task.document_id)
        assert document is not None
        document.status = DocumentStatus.NEEDS_VALIDATION
        audit(session, principal.user_id, "postpone", f"document:{document.id}", f"{minutes} min")
        _commit(session)
        return document.status


def split(principal: Principal, task_id: int, version: int, page_ranges: str) -> DocumentStatus:
    """Split the task's PDF into one document per page range (``"1-2, 3-4"``), then read each.

    The task is done, the PDF ends SPLIT and each part is read (and queued, checked,
    released) as a document of its own. The same split again changes nothing."""
    from pipeline.jobs.queues import READ_QUEUE
    from pipeline.jobs.read_job import read_job
    from pipeline.review import split as splitter

    settings = current_settings()
    try:
        ranges = splitter.parse_ranges(page_ranges)
        with _locked() as session:
            task = session.get(ValidationTask, task_id)
            if task is not None and task.state is TaskState.DONE:  # asked again (a retry, a double click)
                document = session.get(Document, task.document_id)
                if document is not None and document.status is DocumentStatus.SPLIT:
                    require_centre(principal)
                    splitter.split_document(session, settings, document.id, ranges, principal.user_id)
                    return DocumentStatus.SPLIT  # the same ranges: the existing parts; others: Conflict
            task = _held(session, principal, task_id, version)
            _close(task, principal, 0.0, TaskState.DONE)
            children = splitter.split_document(session, settings, task.document_id, ranges, principal.user_id)
            _commit(session)
    except splitter.BadRanges as error:
        raise InvalidValue(error.template, hint=error.hint, params=error.params) from error
    for child in children:  # committed: a queue outage loses nothing (recover reads RECEIVED documents)
        run_job(read_job, child, queue=READ_QUEUE)
    return DocumentStatus.SPLIT


def give_back(principal: Principal, task_id: int, version: int) -> None:
    """Release a claimed task to the queue untouched (sign-out, closing the page)."""
    with _locked() as session:
        task = _held(session, principal, task_id, version)
        task.state = TaskState.OPEN
        task.claimed_by = None
        task.lease_until = None
        document = session.get(Document, task.document_id)
        if document is not None and document.status is DocumentStatus.IN_VALIDATION:
            document.status = DocumentStatus.NEEDS_VALIDATION
        _commit(session)


