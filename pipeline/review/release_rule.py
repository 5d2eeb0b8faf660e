"""After the fields of a document change: queue it for a person, or let it go.

The one place the release rule is applied, for machine readings and operator saves
alike. A document is released when every required field is confirmed by an
operator or certain (calibrated confidence ≥ AUTO_ACCEPT and its checks pass), no
present field has a failed check left unconfirmed, and it is no suspected
duplicate, and carries no note (pages left unread, several invoices in one PDF).
A random sample of auto-released documents (SECOND_LOOK_RATE) still
gets a second look, so the error rate of what the machine releases alone is measured.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Client, Document
from models.enums import DocumentStatus, DocumentType, TaskKind
from pipeline.core.config import Settings
from pipeline.review.confidence import blocking_fields, expected_errors
from pipeline.review.duplicates import find_duplicate
from pipeline.review.fieldstore import field_rows, field_views
from pipeline.review.tasks import open_task


@dataclass(frozen=True)
class Decision:
    release: bool
    reason: str
    second_look: bool = False


def sampled_for_second_look(document: Document, rate: float) -> bool:
    """Deterministic per document (so a retry draws the same), uniform over documents."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"second-look:{document.sha256}:{document.part}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def decide(session: Session, settings: Settings, document: Document, *, by_operator: bool = False) -> Decision:
    """Open a validation task or mark the document validated (the caller enqueues the UBL job)."""
    client = session.get(Client, document.client_id)
    assert client is not None
    rows = field_rows(session, document.id)
    views = field_views(rows)
    doc_type = document.document_type or DocumentType.INVOICE
    if doc_type is DocumentType.NOT_AN_INVOICE:
        document.status = DocumentStatus.REJECTED
        document.rejection_reason = "not an invoice"
        return Decision(False, "not an invoice")

    if by_operator and document.duplicate_of_id is not None:  # undecided: "same" or "different" comes first
        document.status = DocumentStatus.NEEDS_VALIDATION
        return Decision(False, f"suspected duplicate of document {document.duplicate_of_id}, not decided yet")

    duplicate = None if by_operator else find_duplicate(session, document)
    if duplicate is not None:
        document.duplicate_of_id = duplicate.id
        document.status = DocumentStatus.NEEDS_VALIDATION
        reason = f"suspected duplicate of document {duplicate.id} ({duplicate.original_filename})"
        open_task(session, document_id=document.id, client=client, kind=TaskKind.DUPLICATE,
                  expected_errors=1.0, reason=reason, priority=document.priority)
        return Decision(False, reason)

    blocking = blocking_fields(doc_type, views)
    if blocking:
        document.status = DocumentStatus.NEEDS_VALIDATION
        reason = "fields to check: " + ", ".join(blocking)
        open_task(session, document_id=document.id, client=client, kind=TaskKind.VALIDATE,
                  expected_errors=expected_errors(doc_type, views), reason=reason, priority=document.priority)
        return Decision(False, reason)

    if document.review_notes and not by_operator:  # a note (pages left unread, several invoices): a person looks
        note = "; ".join(document.review_notes)
        document.status = DocumentStatus.NEEDS_VALIDATION
        open_task(session, document_id=document.id, client=client, kind=TaskKind.VALIDATE,
                  expected_errors=1.0, reason=note, priority=document.priority)
        return Decision(False, note)

    document.status = DocumentStatus.VALIDATED
    if by_operator:
        return Decision(True, "validated by an operator")
    document.auto_released = True
    second_look = sampled_for_second_look(document, settings.second_look_rate)
    if second_look:
        open_task(session, document_id=document.id, client=client, kind=TaskKind.SECOND_LOOK,
                  expected_errors=0.0, reason="random second look at an auto-released document")
    return Decision(True, "every required field certain", second_look=second_look)
