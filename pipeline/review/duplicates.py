"""Suspected duplicates: the same invoice arriving again in another form.

Exact byte duplicates are caught at intake (sha256). Here: same client and
supplier, an invoice number equal after dropping punctuation or one OCR slip
apart on the same day, and the same total — or, without a number, the same supplier, date and
total. A suspect is never released automatically: an operator sees both and decides
(same invoice: ``DUPLICATE``; a different invoice: recorded in the audit log as
``not_duplicate``, so the pair is never suspected again).

Downstream guards (payments, the library, the ZIP) compare documents by
``invoice_key``: supplier, invoice number (or, without one, the issue date) and the
amount in cents — whatever happened upstream, one key is one invoice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, Document
from models.enums import DocumentStatus

# statuses of a document that counts as the invoice (a later copy of it is a second copy)
COUNTED = (DocumentStatus.VALIDATED, DocumentStatus.RELEASED, DocumentStatus.DELIVERED, DocumentStatus.BOOKED)

_OCR_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2"})
_GONE = (DocumentStatus.REJECTED, DocumentStatus.DUPLICATE, DocumentStatus.FAILED, DocumentStatus.SPLIT)
CENT = Decimal("0.01")
NOT_DUPLICATE = "not_duplicate"  # audit action: an operator said "a different invoice"


def _canonical_number(number: str | None) -> str:
    return re.sub(r"[^0-9A-Z]", "", (number or "").upper()).translate(_OCR_CONFUSIONS)


def _one_slip_apart(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _same_amount(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= Decimal("0.01")


def invoice_key(supplier_key: str | None, invoice_number: str | None, issue_date: object,
                amount: Decimal | str | int | None) -> tuple[str, str, str] | None:
    """Supplier, number (OCR slips folded; the issue date without one) and the amount in cents; None when unknown."""
    if not supplier_key or amount in (None, ""):
        return None
    number = _canonical_number(invoice_number)
    if not number and issue_date is None:
        return None
    cents = format(Decimal(str(amount)).quantize(CENT), "f")
    return (supplier_key.strip().upper(), number or f"date:{issue_date}", cents)


def document_key(document: Document) -> tuple[str, str, str] | None:
    return invoice_key(document.supplier_key, document.invoice_number, document.issue_date, document.total_incl_vat)


def second_copies(session: Session, documents: Sequence[Document]) -> dict[int, int]:
    """Of ``documents``, those that are a later copy of an invoice already counted: {id: earlier id}.

    Earlier means a lower id of the same client with the same ``invoice_key``, validated or
    handed over (not rejected or marked duplicate), and not declared a different invoice."""
    wanted = {(d.client_id, d.supplier_key) for d in documents if document_key(d) is not None}
    if not wanted:
        return {}
    clients = {client for client, _ in wanted}
    suppliers = {supplier for _, supplier in wanted}
    counted: dict[tuple[int, tuple[str, str, str]], int] = {}
    for other in session.scalars(select(Document).where(
        Document.client_id.in_(clients), Document.supplier_key.in_(suppliers), Document.status.in_(COUNTED),
    ).order_by(Document.id)):
        key = document_key(other)
        if key is not None:
            counted.setdefault((other.client_id, key), other.id)
    found: dict[int, int] = {}
    for document in documents:
        key = document_key(document)
        first = counted.get((document.client_id, key)) if key is not None else None
        if first is not None and first < document.id and first not in declared_different(session, document.id):
            found[document.id] = first
    return found


def declared_different(session: Session, document_id: int) -> set[int]:
    """Documents an operator said are a different invoice from ``document_id`` (either way round)."""
    found: set[int] = set()
    rows = session.execute(select(AuditEntry.target, AuditEntry.detail).where(
        AuditEntry.action == NOT_DUPLICATE,
        (AuditEntry.target == f"document:{document_id}") | (AuditEntry.detail == f"document:{document_id}"),
    ))
    for target, detail in rows:
        for text in (target, detail):
            if text and text.startswith("document:") and text[9:].isdigit() and int(text[9:]) != document_id:
                found.add(int(text[9:]))
    return found


def record_not_duplicate(session: Session, user_id: int | None, document_id: int, other_id: int) -> None:
    """Remember an operator's "a different invoice" for the pair."""
    session.add(AuditEntry(user_id=user_id, action=NOT_DUPLICATE, target=f"document:{document_id}",
                           detail=f"document:{other_id}"))


def find_duplicate(session: Session, document: Document) -> Document | None:
    """The earliest other document of the same client that is the same invoice (and not declared different)."""
    if not document.supplier_key or document.total_incl_vat is None:
        return None
    cent = Decimal("0.01")
    candidates = session.scalars(
        select(Document)
        .where(
            Document.client_id == document.client_id,
            Document.supplier_key == document.supplier_key,
            Document.total_incl_vat.between(document.total_incl_vat - cent, document.total_incl_vat + cent),
            Document.id != document.id,
            Document.status.not_in(_GONE),
        )
        .order_by(Document.id)
    ).all()
    number = _canonical_number(document.invoice_number)
    different = declared_different(session, document.id) if candidates else set()
    for other in candidates:
        if other.id in different:
            continue
        if other.id > document.id and other.status in (DocumentStatus.RECEIVED, DocumentStatus.READING):
            continue
        if not _same_amount(document.total_incl_vat, other.total_incl_vat):
            continue
        other_number = _canonical_number(other.invoice_number)
        same_day = document.issue_date is None or other.issue_date is None or document.issue_date == other.issue_date
        if number and other_number:
            # equal after OCR confusions; one further slip only on the same day (a
            # monthly invoice with the next number and the same amount is no duplicate)
            if number == other_number or (same_day and _one_slip_apart(number, other_number)):
                return other
        elif document.issue_date and document.issue_date == other.issue_date:
            return other
    return None
