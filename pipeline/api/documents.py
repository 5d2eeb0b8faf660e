"""Documents: the list with filters, one document, its page images, retry, upload, download."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select

from models import AuditEntry, Client, Correction, Document, User
from models.enums import CorrectionAction, DocumentStatus, FieldState, Role
from pipeline.api._common import (
    current_settings,
    document_for,
    require_client,
    require_role,
    run_job,
    scope,
    visible_client_ids,
    work,
)
from pipeline.api.render import DEFAULT_DPI, render_page
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import BoekbrugError, Conflict
from pipeline.core.i18n import N_
from pipeline.intake.receive import sniff_again
from pipeline.jobs.queues import READ_QUEUE
from pipeline.jobs.read_job import read_job
from pipeline.review.fieldstore import field_rows
from pipeline.review.split import original_page, own_page_count

DOWNLOADABLE = (DocumentStatus.RELEASED, DocumentStatus.DELIVERED, DocumentStatus.BOOKED)


@dataclass(frozen=True)
class ClientRef:
    id: int
    name: str


@dataclass(frozen=True)
class DocumentRow:
    id: int
    client_id: int
    client_name: str
    filename: str
    status: DocumentStatus
    error: str | None  # why it failed ("[code] message"); None unless FAILED
    supplier_name: str | None
    invoice_number: str | None
    total_incl_vat: Decimal | None
    received_at: datetime | None
    updated_at: datetime | None
    reason: str | None = None  # why it stands where it does: failure, rejection, rule findings or notes


@dataclass(frozen=True)
class Box:
    field: str
    state: FieldState
    page: int
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class PageImage:
    document_id: int
    page: int
    page_count: int
    png: bytes
    width: int
    height: int
    boxes: tuple[Box, ...]  # every field box on this page, normalised 0..1


@dataclass(frozen=True)
class DetailField:
    """One field of an opened document: its value as shown, state and where it came from."""

    name: str
    value: str
    state: FieldState
    confidence: float
    source: str


@dataclass(frozen=True)
class HistoryEntry:
    """One step in a document's life: an audit line or a field confirmed / corrected."""

    at: datetime
    who: str  # a person's name; "" for the validation centre as a client sees it, or the system
    action: str  # the audit action or "confirm" / "correct"
    field: str | None = None
    old: str | None = None
    new: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class UploadResult:
    filename: str
    document_id: int | None
    created: bool
    status: DocumentStatus | None
    error: str | None


def clients_for(principal: Principal) -> list[ClientRef]:
    """The clients ``principal`` may upload for / filter on."""
    with work() as session:
        allowed = visible_client_ids(session, principal)
        query = select(Client.id, Client.name).order_by(Client.name)
        if allowed is not None:
            query = query.where(Client.id.in_(allowed))
        return [ClientRef(row.id, row.name) for row in session.execute(query)]


def list_documents(
    principal: Principal,
    *,
    statuses: Sequence[DocumentStatus] | None = None,
    client_id: int | None = None,
    search: str | None = None,
    ids: Sequence[int] | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[DocumentRow]:
    """Documents ``principal`` may see, newest first."""
    with work() as session:
        query = select(Document, Client.name).join(Client, Client.id == Document.client_id)
        query = scope(query, session, principal)
        if statuses:
            query = query.where(Document.status.in_(list(statuses)))
        if client_id is not None:
            query = query.where(Document.client_id == client_id)
        if ids is not None:
            query = query.where(Document.id.in_(list(ids)))
        if search:
            like = f"%{search.strip()}%"
            query = query.where(or_(Document.original_filename.ilike(like), Document.supplier_name.ilike(like),
                                    Document.invoice_number.ilike(like)))
        query = query.order_by(Document.id.desc()).limit(max(1, min(limit, 5000))).offset(max(0, offset))
        return [_row(document, name) for document, name in session.execute(query)]


def status_counts(principal: Principal) -> dict[DocumentStatus, int]:
    with work() as session:
        query = scope(select(Document.status, func.count()).group_by(Document.status), session, principal)
        return {DocumentStatus(status): count for status, count in session.execute(query)}


def document_detail(principal: Principal, document_id: int) -> DocumentRow:
    with work() as session:
        document = document_for(session, principal, document_id)
        client = session.get(Client, document.client_id)
        return _row(document, client.name if client else "")


def document_fields(principal: Principal, document_id: int) -> list[DetailField]:
    """The fields of a document as they stand now (same access as the document itself)."""
    with work() as session:
        document_for(session, principal, document_id)
        return [
            DetailField(row.name, _shown(row.value), row.state, float(row.confidence or 0.0), str(row.source))
            for row in sorted(field_rows(session, document_id).values(), key=lambda r: r.name)
        ]


def document_history(principal: Principal, document_id: int) -> list[HistoryEntry]:
    """What happened to a document, oldest first: uploads, validations, corrections, retries.

    Clients and accountants see what happened and when, not which centre employee did it."""
    with work() as session:
        document_for(session, principal, document_id)
        corrections = session.scalars(
            select(Correction).where(Correction.document_id == document_id).order_by(Correction.id)
        ).all()
        audits = session.scalars(
            select(AuditEntry).where(AuditEntry.target == f"document:{document_id}").order_by(AuditEntry.id)
        ).all()
        user_ids = {c.user_id for c in corrections} | {a.user_id for a in audits if a.user_id is not None}
        people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
        hide_centre = principal.role in (Role.CLIENT, Role.ACCOUNTANT)

        def who(user_id: int | None) -> str:
            user = people.get(user_id) if user_id is not None else None
            if user is None:
                return ""
            if hide_centre and user.role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
                return ""
            return user.display_name

        entries = [
            HistoryEntry(c.created_at, who(c.user_id), str(c.action), c.field_name,
                         _shown(c.old_value) if c.action is CorrectionAction.CORRECT else None,
                         _shown(c.new_value) if c.action is CorrectionAction.CORRECT else None)
            for c in corrections
        ]
        entries += [
            HistoryEntry(a.created_at, who(a.user_id), a.action, detail=None if hide_centre else a.detail)
            for a in audits
        ]
    return sorted(entries, key=lambda e: (e.at, e.action))


def _shown(value: object) -> str:
    """A stored JSON value as one line of text (lists of lines/VAT rows counted, not dumped)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return f"{len(value)} ×"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def page_image(principal: Principal, document_id: int, page: int = 1, dpi: int = DEFAULT_DPI) -> PageImage | None:
    """The page rendered from the original with every field's box; None when it has no pages."""
    with work() as session:
        document = document_for(session, principal, document_id)
        boxes = tuple(
            Box(row.name, row.state, row.page or 1, tuple(float(c) for c in row.bbox))  # type: ignore[arg-type]
            for row in field_rows(session, document_id).values()
            if row.bbox and len(row.bbox) == 4 and (row.page or 1) == page
        )
        path, sha, kind = document.original_path, document.sha256, document.kind
        # a part split out of a PDF shows its own pages 1..n, rendered from the original's pages
        own_count, in_original = own_page_count(document), original_page(document, page)
    rendered = render_page(current_settings().data_dir, path, sha, kind, in_original, dpi)
    if rendered is None:
        return None
    count = own_count or rendered.page_count
    return PageImage(document_id, min(max(page, 1), count), count, rendered.png, rendered.width, rendered.height, boxes)


def retry(principal: Principal, document_id: int) -> DocumentStatus:
    """Read a FAILED document again (the original is still there); a file refused at
    intake is judged again under today's limits first, as the CLI's ``retry`` does."""
    with work() as session:
        document = document_for(session, principal, document_id)
        if document.status is not DocumentStatus.FAILED:
            raise Conflict(N_("document {id} has not failed: there is nothing to read again"), params={"id": document_id})
        audit(session, principal.user_id, "retry", f"document:{document_id}", document.error)
        if document.kind is None and not sniff_again(current_settings(), document):
            return document.status  # still refused at intake: FAILED, with the reason of today
        document.status = DocumentStatus.RECEIVED
        document.attempts = 0
    run_job(read_job, document_id, queue=READ_QUEUE)
    return document_detail(principal, document_id).status


def upload(principal: Principal, client_id: int, files: Iterable[tuple[str, bytes]]) -> list[UploadResult]:
    """Receive each file for ``client_id`` (stored, then recorded), commit, then enqueue its reading."""
    require_role(principal, Role.CLIENT, Role.ACCOUNTANT)
    settings = current_settings()
    with work() as session:
        require_client(session, principal, client_id)
    from pipeline.intake.receive import receive

    results: list[UploadResult] = []
    for name, data in files:
        try:
            with work() as session:
                received = receive(session, settings, client_id=client_id, filename=name, data=data, channel="upload")
                document = session.get(Document, received.document_id)
                error = document.error if document is not None else None
                audit(session, principal.user_id, "upload", f"document:{received.document_id}", name[:200])
        except BoekbrugError as failure:
            results.append(UploadResult(name, None, False, None, failure.reason()))
            continue
        results.append(UploadResult(name, received.document_id, received.created, received.status, error))
    for result in results:
        if result.created and result.status is DocumentStatus.RECEIVED and result.document_id is not None:
            run_job(read_job, result.document_id, queue=READ_QUEUE)
    return results


def download_ubl(principal: Principal, document_id: int) -> tuple[str, bytes]:
    """(file name, UBL XML) of a released document: for the office a recorded delivery,
    for a client an audited download (one implementation: ``pipeline.deliver.download``)."""
    from pipeline.deliver import download

    require_role(principal, Role.CLIENT, Role.ACCOUNTANT, Role.ADMIN)
    settings = current_settings()
    with work() as session:
        document_for(session, principal, document_id)
        return download.download_ubl(session, settings, principal, document_id)


def _safe(stem: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", stem).strip("._")[:120] or "invoice"


def attachment_summary(document: Document) -> str | None:
    """An e-mail's line per attachment, in words: taken, or refused and why."""
    lines = document.attachment_lines or []
    return "; ".join(
        f"{line.get('file')}: taken" if line.get("taken") else f"{line.get('file')}: not taken — {line.get('reason')}"
        for line in lines) or None


def _row(document: Document, client_name: str) -> DocumentRow:
    return DocumentRow(
        id=document.id,
        client_id=document.client_id,
        client_name=client_name,
        filename=document.original_filename,
        status=document.status,
        error=document.error,
        reason=document.status_reason or attachment_summary(document),
        supplier_name=document.supplier_name,
        invoice_number=document.invoice_number,
        total_incl_vat=document.total_incl_vat,
        received_at=document.received_at,
        updated_at=document.updated_at,
    )
