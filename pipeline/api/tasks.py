"""Validation tasks: claim the next one, look at it, save what the operator decided.

Every action on a held task names the version the operator saw; a task saved,
postponed or re-claimed by someone else since then raises ``Conflict`` and changes
nothing (the optimistic lock of ``ValidationTask.version``). A save also names the
document its form showed: a form of another document is refused the same way.

A suspected duplicate is never saved as a new invoice: the operator first decides
"same invoice" (``mark_duplicate_of``) or "a different invoice" (``not_a_duplicate``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Client, Correction, Document, ExtractedFieldRow, Page, ValidationTask
from models.enums import (
    CorrectionAction,
    DocumentStatus,
    DocumentType,
    FieldSource,
    FieldState,
    Role,
    TaskKind,
    TaskState,
)
from pipeline.api._common import (
    InvalidValue,
    current_settings,
    require_centre,
    run_job,
    work,
)
from pipeline.api.live import checks_for, display_text, parse_input
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import Conflict, NotFound
from pipeline.core.fields import (
    FIELD_NAMES,
    FIELD_TYPES,
    REQUIRED_FIELDS,
    FieldType,
    document_type_from_text,
)
from pipeline.extract.dates import parse_date as find_date
from pipeline.jobs.queues import RELEASE_QUEUE
from pipeline.jobs.release_job import release_job
from pipeline.review import tasks as queue
from pipeline.review.fieldstore import current_values, denormalise, field_rows
from pipeline.review.release_rule import decide
from pipeline.review.split import original_page
from pipeline.suppliers.positions import learn_from_validation

CONFLICT_MESSAGE = "someone else saved this task first"
WRONG_DOCUMENT = "the form belongs to another document"
UNDECIDED_DUPLICATE = "this document is a suspected duplicate"
NEEDS_LOOK = (FieldState.UNCERTAIN, FieldState.FAILED_CHECK, FieldState.MISSING)
LIST_FIELDS = ("vat_breakdown", "lines")


@dataclass(frozen=True)
class CheckView:
    name: str
    ok: bool
    message: str


@dataclass(frozen=True)
class TaskField:
    name: str
    kind: str  # pipeline.core.fields.FieldType value
    state: FieldState
    value: Any  # JSON form
    text: str  # as shown in the input box
    confidence: float
    page: int | None
    bbox: tuple[float, float, float, float] | None
    checks: tuple[CheckView, ...]
    required: bool

    @property
    def needs_look(self) -> bool:
        return self.state in NEEDS_LOOK


@dataclass(frozen=True)
class TaskDocument:
    id: int
    client_id: int
    client_name: str
    filename: str
    status: DocumentStatus
    document_type: DocumentType
    error: str | None  # why it failed; None unless FAILED
    duplicate_of: int | None = None  # the earlier document a suspected duplicate resembles
    rule_findings: str | None = None  # what sent it back from release (the official rules, the UBL build)
    notes: tuple[str, ...] = ()  # what keeps it for a person: pages left unread, several invoices
    page_ranges: tuple[tuple[int, int], ...] = ()  # where the machine sees separate invoices
    sha256: str = ""  # of the original: what a drawn page may be cached under

    @property
    def warning(self) -> str | None:
        """What the operator is told first about this document, in words (None: nothing)."""
        return self.rule_findings or "; ".join(self.notes) or self.error or None


@dataclass(frozen=True)
class EarlierDocument:
    """The earlier document a suspected duplicate resembles, for the side-by-side view."""

    id: int
    filename: str
    status: DocumentStatus
    supplier_name: str | None
    invoice_number: str | None
    issue_date: Any
    total_incl_vat: Any
    received_at: datetime | None


@dataclass(frozen=True)
class TaskView:
    task_id: int
    version: int
    kind: TaskKind
    reason: str | None
    document: TaskDocument
    fields: tuple[TaskField, ...]
    page_count: int
    lease_until: datetime | None
    earlier: EarlierDocument | None = None

    def field(self, name: str) -> TaskField | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def first_to_look_at(self) -> str | None:
        """The first field needing a look: the single fields in form order, then the breakdown and lines."""
        doubtful = [f.name for f in self.fields if f.needs_look]
        scalar = [name for name in doubtful if name not in LIST_FIELDS]
        return (scalar or doubtful or [None])[0]

    @property
    def undecided_duplicate(self) -> bool:
        return self.document.duplicate_of is not None and self.document.status is not DocumentStatus.DUPLICATE


def fields_to_check(view: TaskView) -> list[str]:
    """Every field shown as needing a look, in form order (single fields first, then breakdown and lines)."""
    names = [f.name for f in view.fields if f.needs_look]
    return [n for n in names if n not in LIST_FIELDS] + [n for n in names if n in LIST_FIELDS]


@dataclass(frozen=True)
class SaveResult:
    task_id: int
    document_id: int
    status: DocumentStatus
    reason: str
    corrected: tuple[str, ...]
    confirmed: tuple[str, ...]


# ------------------------------------------------------------------------- reading
def next_task(principal: Principal, kinds: Sequence[TaskKind] | None = None) -> TaskView | None:
    """Claim the top task of the queue (or the one ``principal`` holds already)."""
    require_centre(principal)
    settings = current_settings()
    with work() as session:
        task = queue.claim_next(session, principal.user_id, settings.lease_seconds,
                                kinds=tuple(kinds) if kinds else None)
        if task is None:
            return None
        document = session.get(Document, task.document_id)
        if document is not None and document.status is DocumentStatus.NEEDS_VALIDATION:
            document.status = DocumentStatus.IN_VALIDATION
        session.flush()
        return _view(session, task)


def open_task_view(principal: Principal, task_id: int) -> TaskView:
    """A task as it stands (for a supervisor's look, or to reload after a conflict)."""
    require_centre(principal)
    with work() as session:
        task = session.get(ValidationTask, task_id)
        if task is None:
            raise NotFound(f"task {task_id} not found")
        return _view(session, task)


def _view(session: Session, task: ValidationTask) -> TaskView:
    document = session.get(Document, task.document_id)
    if document is None:
        raise NotFound(f"document {task.document_id} not found")
    client = session.get(Client, document.client_id)
    doc_type = document.document_type or DocumentType.INVOICE
    required = REQUIRED_FIELDS.get(doc_type, ())
    rows = field_rows(session, document.id)
    names = [n for n in FIELD_NAMES if n in rows or n in required] + sorted(set(rows) - set(FIELD_NAMES))
    fields = tuple(_field(name, rows.get(name), name in required) for name in names)
    if "document_type" not in rows:  # always on screen: changing the type can end a rule failure
        fields = (*fields, TaskField("document_type", "text", FieldState.CERTAIN, doc_type.value,
                                     doc_type.value.replace("_", " "), 1.0, None, None, (), False))
    earlier = session.get(Document, document.duplicate_of_id) if document.duplicate_of_id else None
    return TaskView(
        task_id=task.id,
        version=task.version,
        kind=task.kind,
        reason=task.reason,
        document=TaskDocument(document.id, document.client_id, client.name if client else "", document.original_filename,
                              document.status, doc_type, document.error, document.duplicate_of_id,
                              document.rule_findings, tuple(document.review_notes or ()),
                              tuple((int(a), int(b)) for a, b in document.invoice_page_ranges or ()),
                              document.sha256),
        fields=fields,
        page_count=document.page_count or 1,
        lease_until=task.lease_until,
        earlier=None if earlier is None else EarlierDocument(
            earlier.id, earlier.original_filename, earlier.status, earlier.supplier_name, earlier.invoice_number,
            earlier.issue_date, earlier.total_incl_vat, earlier.received_at),
    )


def _field(name: str, row: ExtractedFieldRow | None, required: bool) -> TaskField:
    kind = FIELD_TYPES.get(name)
    if row is None:
        return TaskField(name, kind.value if kind else "text", FieldState.MISSING, None, "", 0.0, None, None, (), required)
    bbox = tuple(float(c) for c in row.bbox) if row.bbox and len(row.bbox) == 4 else None
    checks = tuple(CheckView(str(c.get("name", "")), bool(c.get("ok", True)), str(c.get("message", "")))
                   for c in (row.checks or []))
    return TaskField(name, kind.value if kind else "text", row.state, row.value, display_text(name, row.value),
                     row.confidence, row.page, bbox, checks, required)  # type: ignore[arg-type]


# -------------------------------------------------------------------------- saving
def renew(principal: Principal, task_id: int) -> datetime | None:
    """Keep the task while the operator works on it; None when the lease was lost."""
    require_centre(principal)
    settings = current_settings()
    with _locked() as session:
        until = queue.renew_lease(session, task_id, principal.user_id, settings.lease_seconds)
        _commit(session)
    return until


def _held(session: Session, principal: Principal, task_id: int, version: int) -> ValidationTask:
    """The task, if ``principal`` may act on it at ``version``; Conflict otherwise."""
    require_centre(principal)
    task = session.get(ValidationTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    mine = task.claimed_by == principal.user_id or principal.role in (Role.SUPERVISOR, Role.ADMIN)
    if task.version != version or task.state not in (TaskState.CLAIMED, TaskState.OPEN) or not mine:
        raise Conflict(CONFLICT_MESSAGE)
    return task


def _close(task: ValidationTask, principal: Principal, seconds: float, state: TaskState = TaskState.DONE) -> None:
    task.state = state
    task.done_by = principal.user_id
    task.done_at = datetime.now(UTC)
    task.lease_until = None
    task.seconds_spent = (task.seconds_spent or 0.0) + max(0.0, seconds)


def _commit(session: Session) -> None:
    session.commit()


@contextmanager
def _locked() -> Iterator[Session]:
    """A unit of work in which a concurrent change of the task's version is a Conflict."""
    try:
        with work() as session:
            yield session
    except StaleDataError as error:  # a concurrent save changed the version under us
        raise Conflict(CONFLICT_MESSAGE) from error


def apply_operator_values(
    session: Session,
    principal: Principal,
    document: Document,
    task_id: int | None,
    corrections: Mapping[str, Any],
    confirmed: Sequence[str],
    seconds: Mapping[str, float],
    *,
    require_complete: bool = True,
) -> tuple[list[str], list[str]]:
    """Write corrections and confirmations as an overlay on the machine's values."""
    rows = field_rows(session, document.id)
    corrections = _apply_document_type(document, corrections)
    parsed = {name: parse_input(name, value) for name, value in corrections.items()}
    all_values = {name: row.value for name, row in rows.items()} | parsed
    corrected: list[str] = []
    kept: list[str] = []
    for name, new in parsed.items():
        row = rows.get(name)
        old = row.value if row is not None else None
        if row is None:
            row = ExtractedFieldRow(document_id=document.id, name=name, machine_value=None, raw_confidence=0.0,
                                    machine_source=FieldSource.OPERATOR, source=FieldSource.OPERATOR, checks=[])
            session.add(row)
            rows[name] = row
        action = CorrectionAction.CONFIRM if new == old else CorrectionAction.CORRECT
        session.add(Correction(document_id=document.id, task_id=task_id, user_id=principal.user_id, field_name=name,
                               action=action, old_value=old, new_value=new, machine_confidence=row.raw_confidence,
                               seconds=float(seconds.get(name, 0.0))))
        row.value = new
        row.source = FieldSource.OPERATOR
        row.state = FieldState.CONFIRMED if action is CorrectionAction.CONFIRM else FieldState.CORRECTED
        row.checks = [{"name": c.name, "ok": c.ok, "message": c.message} for c in checks_for(name, new, all_values)]
        (kept if action is CorrectionAction.CONFIRM else corrected).append(name)
    for name in confirmed:
        if name in parsed:
            continue
        row = rows.get(name)
        if row is None or row.value in (None, "", []):
            continue  # nothing to confirm: an empty optional field stays missing
        session.add(Correction(document_id=document.id, task_id=task_id, user_id=principal.user_id, field_name=name,
                               action=CorrectionAction.CONFIRM, old_value=row.value, new_value=row.value,
                               machine_confidence=row.raw_confidence, seconds=float(seconds.get(name, 0.0))))
        row.source = FieldSource.OPERATOR
        row.state = FieldState.CONFIRMED
        kept.append(name)
    doc_type = document.document_type or DocumentType.INVOICE
    empty = [n for n in REQUIRED_FIELDS.get(doc_type, ()) if rows.get(n) is None or rows[n].value in (None, "", [])]
    if empty and require_complete:
        raise InvalidValue(f"required field(s) still empty: {', '.join(empty)}",
                           hint="fill them in, or reject the document if they are not on it")
    session.flush()
    denormalise(document, current_values(rows))
    return corrected, kept


def _apply_document_type(document: Document, corrections: Mapping[str, Any]) -> dict[str, Any]:
    """A typed document type ("receipt", "credit note") changes the document's type before the
    required fields are checked; it is kept as a field row like any other correction."""
    corrections = dict(corrections)
    if "document_type" not in corrections:
        return corrections
    chosen = document_type_from_text(corrections["document_type"])
    if chosen is None:
        raise InvalidValue(f"{corrections['document_type']!r} is not a document type",
                           hint="type invoice, credit note or receipt")
    document.document_type = chosen
    corrections["document_type"] = chosen.value
    return corrections


def save(
    principal: Principal,
    task_id: int,
    version: int,
    corrections: Mapping[str, Any],
    confirmed: Sequence[str],
    seconds_per_field: Mapping[str, float] | None = None,
    seconds_total: float = 0.0,
    *,
    document_id: int | None = None,
) -> SaveResult:
    """Record the operator's decisions, close the task and apply the release rule.

    ``corrections`` maps a field to its new value (JSON form or typed text);
    ``confirmed`` lists fields kept as shown. On VALIDATED the UBL job is enqueued.
    ``document_id``: the document the form showed; another one is a ``Conflict``.
    A suspected duplicate not decided yet is refused (``InvalidValue``).
    """
    settings = current_settings()
    touched = len(set(corrections) | set(confirmed)) or 1
    seconds = dict(seconds_per_field or {})
    for name in set(corrections) | set(confirmed):
        seconds.setdefault(name, seconds_total / touched)
    with _locked() as session:
        task = _held(session, principal, task_id, version)
        if document_id is not None and task.document_id != document_id:
            raise Conflict(WRONG_DOCUMENT, hint="Reload the page: the values were typed for another document.")
        document = session.get(Document, task.document_id)
        assert document is not None
        if task.kind is TaskKind.DUPLICATE or (document.duplicate_of_id is not None
                                               and document.status is not DocumentStatus.DUPLICATE):
            raise InvalidValue(f"{UNDECIDED_DUPLICATE} of document {document.duplicate_of_id}",
                               hint="Compare both and choose 'Same invoice' or 'A different invoice' first.")
        corrected, kept = apply_operator_values(session, principal, document, task.id, corrections, confirmed, seconds)
        learn_from_validation(session, document, [*corrected, *kept])
        _close(task, principal, seconds_total)
        session.flush()
        decision = decide(session, settings, document, by_operator=True)
        audit(session, principal.user_id, "validate", f"document:{document.id}",
              f"task {task.id}: corrected {corrected or '-'}; confirmed {kept or '-'}; {seconds_total:.1f}s")
        _commit(session)
        result = SaveResult(task.id, document.id, document.status, decision.reason, tuple(corrected), tuple(kept))
    if result.status is DocumentStatus.VALIDATED:
        run_job(release_job, result.document_id, queue=RELEASE_QUEUE)
        with work() as session:
            document = session.get(Document, result.document_id)
            status = document.status if document else result.status
        result = SaveResult(result.task_id, result.document_id, status, result.reason, result.corrected, result.confirmed)
    return result


def record_conflict(principal: Principal, task_id: int, corrections: Mapping[str, Any]) -> None:
    """Keep a losing save's values in the audit log, so nothing typed is lost."""
    with work() as session:
        audit(session, principal.user_id, "save_conflict", f"task:{task_id}",
              json.dumps({k: v for k, v in corrections.items()}, default=str)[:2000])


def open_task_count(principal: Principal) -> int:
    require_centre(principal)
    with work() as session:
        return int(session.scalar(select(func.count()).select_from(ValidationTask)
                                  .where(ValidationTask.state == TaskState.OPEN)) or 0)


# ------------------------------------------------------------------ click-to-fill
@dataclass(frozen=True)
class PageWord:
    """One word of the reading of a page, with its box (normalised 0..1, top-left origin)."""

    text: str
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class FilledValue:
    """Words picked on the page, read as a value of one field."""

    text: str  # what the field's input box shows: the value in its field's form, or the words as read
    problem: str | None = None  # why the words are not a value of this field's type (the words are kept)


def page_words(principal: Principal, document_id: int, page: int = 1) -> tuple[PageWord, ...]:
    """Every word read on page ``page`` of a document, in reading order (empty when nothing was read)."""
    require_centre(principal)
    with work() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(f"document {document_id} not found")
        lines = session.scalar(select(Page.lines).where(Page.document_id == document.id, Page.number == page))
        if lines is None and document.parent_id is not None:  # a part split out of a PDF: the original's page
            lines = session.scalar(select(Page.lines).where(Page.document_id == document.parent_id,
                                                            Page.number == original_page(document, page)))
    words: list[PageWord] = []
    for line in lines or []:
        for word in line.get("words") or []:
            box = word.get("bbox") or ()
            text = str(word.get("text") or "").strip()
            if text and len(box) == 4:
                words.append(PageWord(text, tuple(float(c) for c in box)))  # type: ignore[arg-type]
    return tuple(words)


def value_from_reading(field: str, words: Sequence[str]) -> FilledValue:
    """The words an operator picked on the page (a click, a dragged box) as a value of ``field``:
    an amount as a decimal (``€ 1.234,56`` → ``1234.56``), a date in ISO form (``2 november 2026``,
    ``02/11/2026`` → ``2026-11-02``), a VAT number, enterprise number or IBAN normalised; text as read."""
    text = " ".join(" ".join(str(w) for w in words).split())
    if not text:
        return FilledValue("")
    kind = FIELD_TYPES.get(field, FieldType.TEXT)
    if kind in (FieldType.VAT_BREAKDOWN, FieldType.LINES):
        return FilledValue(text, f"{field} is a table: edit its rows")
    attempts = [text]
    if kind is FieldType.AMOUNT:  # a label or currency picked with the amount: the last piece that is one
        attempts += [w for w in reversed(text.split()) if any(c.isdigit() for c in w)]
    elif kind is FieldType.DATE:
        found = find_date(text)
        if found is not None:
            return FilledValue(found.isoformat())
    elif kind is FieldType.IDENTIFIER or field in ("iban", "bic"):  # "BTW BE 0403.170.701": the label left out
        attempts.insert(0, re.sub(r"^(?:[^\W\d]{3,}[.:]?\s+)+", "", text))
    first_problem: str | None = None
    fallback: FilledValue | None = None
    for attempt in attempts:
        try:
            value = parse_input(field, attempt)
        except (InvalidValue, ValueError) as problem:
            first_problem = first_problem or (problem.message if isinstance(problem, InvalidValue) else str(problem))
            continue
        filled = FilledValue(display_text(field, value))
        if kind is not FieldType.IDENTIFIER or all(c.ok for c in checks_for(field, value, {})):
            return filled
        fallback = fallback or filled
    if fallback is not None:
        return fallback
    return FilledValue(text, first_problem)


# ---------------------------------------------------------------------- prefetch
def peek_next_task(principal: Principal) -> int | None:
    """The task ``principal`` would most likely claim next (nothing is claimed): the workbench
    draws its page ahead, while the operator works on the one on screen."""
    require_centre(principal)
    with work() as session:
        return session.scalar(queue.candidates(session, principal.user_id))
