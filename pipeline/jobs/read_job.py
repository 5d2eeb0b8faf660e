"""Read and extract one document: the body of the read job.

RECEIVED → READING (claimed atomically) → (fields saved) → NEEDS_VALIDATION or VALIDATED (→ UBL job).
E-mails are split: each attachment becomes a document of its own, linked to the
message, and the message itself ends SPLIT. A PDF that seems to hold several invoices
is flagged for an operator, who splits it (``pipeline.review.split``); each part is then read
here from its own pages only. Every failure ends in FAILED with a
reason a person understands; the original stays and ``retry`` starts again.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import Client, Document
from models.enums import DocumentKind, DocumentStatus, DocumentType
from pipeline.core.config import Settings, settings
from pipeline.core.db import unit_of_work
from pipeline.core.errors import BoekbrugError
from pipeline.core.records import Extraction
from pipeline.intake.receive import receive
from pipeline.jobs.liveness import reader_id
from pipeline.jobs.queues import READ_QUEUE, RELEASE_QUEUE, enqueue_or_leave
from pipeline.jobs.release_job import release_job
from pipeline.review.calibration import load_calibration
from pipeline.review.client_side import (
    hold_against_client,
    hold_supplier_vat_against_client,
)
from pipeline.review.fieldstore import (
    current_values,
    denormalise,
    save_machine_fields,
    save_pages,
)
from pipeline.review.release_rule import decide
from pipeline.review.split import original_bytes
from pipeline.suppliers.layout import apply_layout
from pipeline.suppliers.memory import apply_supplier_memory, match_profile
from pipeline.suppliers.positions import layout_for, words_of_records
from pipeline.ubl.parse import ATTACHMENT_NOTE

log = logging.getLogger(__name__)


def read_and_extract(settings: Settings, kind: DocumentKind, data: bytes) -> tuple[Extraction, tuple]:
    """The machine reading of one original: (extraction, pages read)."""
    if kind is DocumentKind.UBL:  # structured XML: UBL, or CII (Factur-X / ZUGFeRD / XRechnung)
        from pipeline.intake.sniff import xml_syntax

        if xml_syntax(data) == "CII":
            from pipeline.extract.cii import parse_cii

            return parse_cii(data), ()
        from pipeline.ubl.parse import parse_ubl

        return parse_ubl(data), ()
    from pipeline.extract import extract
    from pipeline.read import read_document

    result = read_document(data, kind, settings)
    extraction = _structured(result.embedded_xml) if result.embedded_xml is not None else None
    if extraction is None:
        extraction = extract(result)
    # the reader's warnings (pages left unread, pages OCR skipped) travel with the fields
    return replace(extraction, warnings=(*result.warnings, *extraction.warnings)), result.pages


def _structured(embedded) -> Extraction | None:  # type: ignore[no-untyped-def]
    try:
        if embedded.syntax == "UBL":
            from pipeline.ubl.parse import parse_ubl

            return parse_ubl(embedded.content)
        from pipeline.extract.cii import parse_cii

        return parse_cii(embedded.content)
    except BoekbrugError as error:
        log.warning("embedded %s XML unreadable, reading the page instead: %s", embedded.syntax, error)
        return None


def process_document(session: Session, settings: Settings, document_id: int) -> list[int]:
    """Process one document; returns ids of documents that should be processed next
    (e-mail attachments) — the caller enqueues them. Commits as it goes."""
    document = session.get(Document, document_id)
    if document is None:
        raise BoekbrugError(f"document {document_id} does not exist")
    if document.status not in (DocumentStatus.RECEIVED, DocumentStatus.FAILED):
        log.info("document %s is %s already; nothing to do", document_id, document.status)
        return []
    if document.kind is None:  # refused at intake; the failure is in document.error
        document.status = DocumentStatus.FAILED
        session.commit()
        return []
    # claim it with one compare-and-set: when the same document is queued twice (two
    # recovery sweeps, a retry next to a queued job), only one worker reads it; a stale
    # READING document is put back to RECEIVED by ``recover``, never taken over here
    claimed = session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == document.status)
        .values(status=DocumentStatus.READING, reading_started_at=datetime.now(UTC), reading_by=reader_id(),
                attempts=func.coalesce(Document.attempts, 0) + 1, error=None, rejection_reason=None,
                rule_findings=None, review_notes=None, invoice_page_ranges=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if not claimed:
        log.info("document %s was claimed by another worker; nothing to do", document_id)
        return []
    session.refresh(document)

    try:
        # a part split out of a PDF reads only its own pages (built in memory; the original stays as stored)
        data = original_bytes(settings, document)
        if document.kind is DocumentKind.EMAIL:
            return _split_email(session, settings, document, data)
        started = time.perf_counter()
        extraction, pages = read_and_extract(settings, document.kind, data)
        document.read_seconds = time.perf_counter() - started
        _save_reading(session, settings, document, extraction, pages)
        session.commit()
        return []
    except BoekbrugError as error:
        session.rollback()
        _fail(session, document_id, error.reason())
    except Exception as error:  # a bug or a library crash must not lose the document
        session.rollback()
        if _database_went_away(error):  # not the document's fault: leave it READING for recover
            log.warning("document %s: the database connection was lost mid-read; recover will retry it", document_id)
            raise
        log.exception("reading document %s crashed", document_id)
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        _fail(session, document_id, f"[internal_error] reading failed unexpectedly: {detail[:500]} — retry; if it fails again, report it")
    return []


def _database_went_away(error: BaseException) -> bool:
    """A lost connection (server restarted, backend terminated), not a bad document."""
    from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

    return isinstance(error, (DisconnectionError, OperationalError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def _fail(session: Session, document_id: int, reason: str) -> None:
    document = session.get(Document, document_id)
    assert document is not None
    document.status = DocumentStatus.FAILED
    document.error = reason
    session.commit()


def _save_reading(session: Session, settings: Settings, document: Document, extraction: Extraction, pages: tuple) -> None:
    client = session.get(Client, document.client_id)
    assert client is not None
    if pages:
        save_pages(session, document, pages)
        document.engine = ",".join(sorted({page.engine for page in pages}))[:64]
    fields = dict(extraction.fields)
    values = {name: found.value for name, found in fields.items()}
    profile = match_profile(session, client.office_id, values)
    apply_supplier_memory(fields, profile)
    layout = layout_for(profile.field_positions if profile is not None else None, extraction.document_type,
                        borrow=True)
    if layout:  # the supplier's layout for this kind of document, learnt from validations
        apply_layout(fields, layout, words_of_records(pages))
    hold_supplier_vat_against_client(fields, client.vat)
    hold_against_client(fields, client.name, client.vat)
    document.document_type = extraction.document_type
    rows = save_machine_fields(session, document, fields, load_calibration(session), settings.auto_accept)
    denormalise(document, current_values(rows))
    if extraction.document_type is DocumentType.NOT_AN_INVOICE:
        document.status = DocumentStatus.REJECTED
        document.rejection_reason = "the machine found no invoice on it; an operator can reopen it"
        return
    notes: list[str] = []
    if extraction.warnings:
        from pipeline.read.document import PAGE_LIMIT
        from pipeline.read.notices import holds_document

        # pages left unread (page limit, damaged file, OCR timeout or failure) are said on the document
        notes = [f"{warning}: the rest of the file was not read" if warning.endswith(PAGE_LIMIT) else warning
                 for warning in extraction.warnings
                 if holds_document(warning) or warning.startswith(("page ", ATTACHMENT_NOTE))]
    if len(extraction.invoice_page_ranges) > 1:
        notes.append("this PDF seems to hold several invoices (pages " + ", ".join(
            f"{a}-{b}" for a, b in extraction.invoice_page_ranges) + "): an operator should split it")
    if notes:  # a note on the document keeps it from being auto-released (pipeline.review.release_rule)
        document.review_notes = notes
    if len(extraction.invoice_page_ranges) > 1:  # the split form starts from them
        document.invoice_page_ranges = [[a, b] for a, b in extraction.invoice_page_ranges]
    decide(session, settings, document)


def _split_email(session: Session, settings: Settings, document: Document, data: bytes) -> list[int]:
    from pipeline.intake.email import split_email

    message = split_email(data)
    children: list[int] = []
    lines: list[dict] = []  # every attachment a line on the e-mail: taken, or refused with the reason
    for attachment in message.attachments:
        received = receive(
            session, settings, client_id=document.client_id, filename=attachment.filename,
            data=attachment.content, channel="email", parent_id=document.id,
        )
        if received.created:
            children.append(received.document_id)
        lines.append({"file": attachment.filename, "taken": True, "document_id": received.document_id})
    for refused in message.refused:  # kept as a failed document with its reason: seen, and retryable
        received = receive(session, settings, client_id=document.client_id, filename=refused.filename,
                           data=refused.content, channel="email", parent_id=document.id)
        lines.append({"file": refused.filename, "taken": False, "reason": refused.reason,
                      "document_id": received.document_id})
    lines.extend({"file": name, "taken": False, "reason": why} for name, why in message.passed_over)
    document.attachment_lines = lines
    document.status = DocumentStatus.SPLIT
    document.error = None
    session.commit()
    return children


def stale_documents(session: Session, stale_after_seconds: int) -> list[int]:
    """Documents left READING by a worker that died (kill -9, lost machine)."""
    cutoff = datetime.now(UTC).timestamp() - stale_after_seconds
    rows = session.scalars(select(Document).where(Document.status == DocumentStatus.READING)).all()
    stale = []
    for document in rows:
        started = document.reading_started_at
        if started is None or (started if started.tzinfo else started.replace(tzinfo=UTC)).timestamp() < cutoff:
            stale.append(document.id)
    return stale


# --------------------------------------------------------------------------- the job
def read_job(document_id: int) -> None:
    """Read and extract one document; enqueue what follows (attachments, release)."""
    current = settings()
    with unit_of_work(current.database_url) as session:
        children = process_document(session, current, document_id)
        document = session.get(Document, document_id)
        validated = document is not None and document.status is DocumentStatus.VALIDATED
    for child in children:
        enqueue_or_leave(current, read_job, child, queue=READ_QUEUE)
    if validated:
        enqueue_or_leave(current, release_job, document_id, queue=RELEASE_QUEUE)
