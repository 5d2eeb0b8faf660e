"""Suspected duplicates: the same invoice arriving again in another form.

Exact byte duplicates are caught at intake (sha256). Here: same client and
supplier, an invoice number equal after dropping punctuation or one OCR slip
apart on the same day, and the same total — or, without a number, the same supplier, date and
total. A suspect is never released automatically: an operator sees both.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Document
from models.enums import DocumentStatus

_OCR_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2"})
_GONE = (DocumentStatus.REJECTED, DocumentStatus.DUPLICATE, DocumentStatus.FAILED, DocumentStatus.SPLIT)


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


def find_duplicate(session: Session, document: Document) -> Document | None:
    """The earliest other document of the same client that is the same invoice."""
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
    for other in candidates:
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
