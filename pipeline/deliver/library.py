"""The accountants' library: the documents of a client (or of an office), filterable.

``library(...)`` returns plain dicts, one per document, ready for
``pandas.DataFrame(rows)`` or ``st.dataframe``: amounts stay ``Decimal``, dates ``date``.
A document that is a later copy of an invoice already in the library (same supplier,
number and amount: ``pipeline.review.duplicates.second_copies``) carries
``second_copy_of`` — the earlier document's id — so it is not booked as a new purchase.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Client, Delivery, Document, UblRelease
from models.enums import DocumentStatus, DocumentType, ReleaseStatus
from pipeline.core.accounts import Principal
from pipeline.deliver.booking import booked, document_proposals
from pipeline.deliver.common import (
    chunks,
    require_client_access,
    ubl_filename,
    validated_by,
    visible_client_ids,
)
from pipeline.review.duplicates import second_copies

# statuses an accountant sees by default: what left the validation centre
HANDED_OVER = (DocumentStatus.RELEASED, DocumentStatus.DELIVERED, DocumentStatus.BOOKED)

COLUMNS = (
    "document_id", "client_id", "client", "supplier_name", "supplier_key", "invoice_number", "issue_date",
    "due_date", "total_incl_vat", "currency", "document_type", "status", "received_at", "released_at",
    "auto_released", "validated_by", "ledger_account", "vat_code", "booking", "booking_confidence",
    "delivered_at", "deliveries", "ubl_filename", "release_id", "original_filename", "second_copy_of",
)


def library(
    session: Session,
    principal: Principal,
    client_id: int | None = None,
    period: tuple[date | None, date | None] | None = None,
    supplier: str | None = None,
    document_type: DocumentType | str | None = None,
    status: DocumentStatus | str | Iterable[DocumentStatus | str] | None = None,
    *,
    limit: int | None = 10_000,
) -> list[dict[str, Any]]:
    """Documents ``principal`` may see, newest invoice first.

    ``client_id`` None: every client the principal may see (an accountant: their office).
    ``period``: (from, to) on the issue date, both inclusive, either may be None.
    ``supplier``: part of the supplier's name, or its key (VAT number), case-insensitive.
    ``status``: one status or several; None: all. Raises ``Forbidden`` for a client the
    principal may not see.
    """
    query = select(Document, Client.name).join(Client, Client.id == Document.client_id)
    if client_id is not None:
        require_client_access(session, principal, client_id)
        query = query.where(Document.client_id == client_id)
    else:
        allowed = visible_client_ids(session, principal)
        if allowed is not None:
            query = query.where(Document.client_id.in_(allowed or (-1,)))
    if period is not None:
        start, end = period
        if start is not None:
            query = query.where(Document.issue_date >= start)
        if end is not None:
            query = query.where(Document.issue_date <= end)
    if supplier:
        needle = supplier.strip().lower()
        query = query.where(or_(func.lower(Document.supplier_name).contains(needle, autoescape=True),
                                func.lower(Document.supplier_key) == needle))
    if document_type is not None:
        query = query.where(Document.document_type == DocumentType(document_type))
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        query = query.where(Document.status.in_([DocumentStatus(s) for s in wanted]))
    query = query.order_by(Document.issue_date.desc().nulls_last(), Document.id.desc())
    if limit is not None:
        query = query.limit(limit)
    found = session.execute(query).all()
    ids = [document.id for document, _ in found]
    who = validated_by(session, ids)
    proposals = document_proposals(session, ids)
    releases, deliveries = _releases_and_deliveries(session, ids)
    copies = second_copies(session, [document for document, _ in found])
    rows = []
    for document, client_name in found:
        head = next((p for p in proposals.get(document.id, []) if p.line_index == -1), None)
        ledger, code = booked(head) if head is not None else (None, None)
        delivered = deliveries.get(document.id, [])
        release_id = releases.get(document.id)
        rows.append({
            "document_id": document.id,
            "client_id": document.client_id,
            "client": client_name,
            "supplier_name": document.supplier_name,
            "supplier_key": document.supplier_key,
            "invoice_number": document.invoice_number,
            "issue_date": document.issue_date,
            "due_date": document.due_date,
            "total_incl_vat": document.total_incl_vat,
            "currency": document.currency,
            "document_type": None if document.document_type is None else str(document.document_type),
            "status": str(document.status),
            "received_at": document.received_at,
            "released_at": document.released_at,
            "auto_released": bool(document.auto_released),
            "validated_by": who.get(document.id, ""),
            "ledger_account": ledger,
            "vat_code": code,
            "booking": _booking_state(head),
            "booking_confidence": None if head is None else head.confidence,
            "delivered_at": max(delivered) if delivered else None,
            "deliveries": len(delivered),
            "ubl_filename": ubl_filename(document) if release_id is not None else None,
            "release_id": release_id,
            "original_filename": document.original_filename,
            "second_copy_of": copies.get(document.id),
        })
    return rows


def _booking_state(head: Any) -> str:
    if head is None:
        return "none"
    if head.accepted is None:
        return "proposed"
    return "accepted" if head.accepted else "overridden"


def _releases_and_deliveries(session: Session, ids: list[int]) -> tuple[dict[int, int], dict[int, list[Any]]]:
    releases: dict[int, int] = {}
    deliveries: dict[int, list[Any]] = {}
    for batch in chunks(ids):
        for release_id, document_id in session.execute(
            select(UblRelease.id, UblRelease.released_document_id)
            .where(UblRelease.released_document_id.in_(batch), UblRelease.status == ReleaseStatus.PASSED)
        ):
            releases[document_id] = release_id
        for document_id, created in session.execute(
            select(Delivery.document_id, Delivery.created_at).where(Delivery.document_id.in_(batch))
        ):
            deliveries.setdefault(document_id, []).append(created)
    return releases, deliveries
