"""What an accounting package asks of the library through the HTTP API.

* ``released_page`` — a client's released documents in release order, a page at a
  time after a cursor (the id of the last passed UBL release seen). A release row is
  written once, when the document passes, so the order never changes under inserts:
  a package that keeps the last cursor receives each release exactly once;
* ``mark_delivered`` — the package says it took a document over (a ``Delivery``);
* ``book`` — the package books a document: the booking proposals are accepted or
  overridden (``pipeline.deliver.booking.decide``), which is what trains the next ones;
* ``original`` — the original file as it was received.

Access is the one rule of ``pipeline.api._common``: another tenant's client or document
is ``NotFound``; a role that may not hand over or book is ``Forbidden``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from models import BookingProposal, Client, Delivery, Document, UblRelease
from models.enums import (
    DeliveryChannel,
    DocumentKind,
    DocumentStatus,
    ReleaseStatus,
    Role,
)
from pipeline.api._common import (
    current_settings,
    document_for,
    require_client,
    require_role,
    work,
)
from pipeline.api.library import HANDED_OVER, ProposalView, _lines, _names, _proposal
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import Conflict, NotFound
from pipeline.core.i18n import N_
from pipeline.core.storage import read_original
from pipeline.deliver import booking
from pipeline.deliver.common import actor_id, require_handover, ubl_filename
from pipeline.deliver.download import record_delivery
from pipeline.review.fieldstore import field_rows

MAX_PAGE = 500
MEDIA_TYPES = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.UBL: "application/xml",
    DocumentKind.EMAIL: "message/rfc822",
}


@dataclass(frozen=True)
class ReleasedDocument:
    cursor: int  # the passed release's id: the position in release order
    id: int
    client_id: int
    status: DocumentStatus
    document_type: str | None
    supplier_name: str | None
    supplier_key: str | None
    invoice_number: str | None
    issue_date: date | None
    due_date: date | None
    currency: str | None
    total_incl_vat: Decimal | None
    released_at: datetime | None
    delivered: bool
    ubl_filename: str


@dataclass(frozen=True)
class ReleasedPage:
    items: tuple[ReleasedDocument, ...]
    cursor: int  # where the next page starts: after the last item (or where this one started, when empty)
    has_more: (
        bool  # more after this page now (later releases always come after ``cursor``)
    )


@dataclass(frozen=True)
class Original:
    filename: str
    media_type: str
    data: bytes


def released_page(
    principal: Principal,
    client_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    after: int = 0,
    limit: int = 100,
    statuses: Sequence[DocumentStatus] = HANDED_OVER,
) -> ReleasedPage:
    """Released documents of a client (issue date in the period, inclusive) whose release comes after ``after``."""
    limit = max(1, min(limit, MAX_PAGE))
    wanted = [s for s in statuses if s in HANDED_OVER] or list(HANDED_OVER)
    with work() as session:
        require_client(session, principal, client_id)
        query = (
            select(UblRelease.id, Document)
            .join(Document, Document.id == UblRelease.released_document_id)
            .where(
                UblRelease.status == ReleaseStatus.PASSED,
                UblRelease.id > after,
                Document.client_id == client_id,
                Document.status.in_(wanted),
            )
            .order_by(UblRelease.id)
            .limit(limit + 1)
        )
        if date_from is not None:
            query = query.where(Document.issue_date >= date_from)
        if date_to is not None:
            query = query.where(Document.issue_date <= date_to)
        found = session.execute(query).all()
        page = found[:limit]
        ids = [document.id for _, document in page]
        delivered = (
            set(
                session.scalars(
                    select(Delivery.document_id).where(Delivery.document_id.in_(ids))
                )
            )
            if ids
            else set()
        )
        items = tuple(
            ReleasedDocument(
                release_id,
                d.id,
                d.client_id,
                d.status,
                None if d.document_type is None else str(d.document_type),
                d.supplier_name,
                d.supplier_key,
                d.invoice_number,
                d.issue_date,
                d.due_date,
                d.currency,
                d.total_incl_vat,
                d.released_at,
                d.id in delivered,
                ubl_filename(d),
            )
            for release_id, d in page
        )
        return ReleasedPage(
            items, items[-1].cursor if items else after, len(found) > limit
        )


def mark_delivered(
    principal: Principal, document_id: int, *, note: str | None = None
) -> DocumentStatus:
    """Record that the office took a released document over (without downloading it here)."""
    require_role(principal, Role.ACCOUNTANT)
    with work() as session:
        document = document_for(session, principal, document_id)
        client = session.get(Client, document.client_id)
        assert client is not None
        require_handover(session, principal, client)
        release = session.scalars(
            select(UblRelease).where(
                UblRelease.released_document_id == document.id,
                UblRelease.status == ReleaseStatus.PASSED,
            )
        ).first()
        if release is None or document.status not in HANDED_OVER:
            raise Conflict(
                N_("document {id} is not released yet: only released documents are delivered"),
                params={"id": document_id}, hint=N_("wait until the document is released"),
            )
        already = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.document_id == document.id)
        )
        if not already:
            record_delivery(
                session,
                document,
                release,
                DeliveryChannel.DOWNLOAD,
                actor_id(principal),
                (note or "marked delivered through the API")[:500],
            )
            audit(
                session,
                actor_id(principal),
                "marked_delivered",
                f"document:{document.id}",
                note,
            )
        session.flush()
        return document.status


@dataclass(frozen=True)
class LineBooking:
    line_index: int
    ledger_account: str | None
    vat_code: str | None


def book(
    principal: Principal,
    document_id: int,
    *,
    ledger_account: str | None = None,
    vat_code: str | None = None,
    lines: Sequence[LineBooking] = (),
) -> tuple[ProposalView, ...]:
    """Book a released document: the document's proposal (and any given lines) accepted as proposed when no
    value is given, overridden otherwise. The decisions train the next proposals."""
    require_role(principal, Role.ACCOUNTANT)
    with work() as session:
        document = document_for(session, principal, document_id)
        if document.status not in HANDED_OVER:
            raise Conflict(
                N_("document {id} is not released yet: only released documents are booked"),
                params={"id": document_id}, hint=N_("wait until the document is released"),
            )
        client = session.get(Client, document.client_id)
        assert client is not None
        require_handover(session, principal, client)
        proposals = {
            p.line_index: p
            for p in session.scalars(
                select(BookingProposal).where(
                    BookingProposal.document_id == document.id
                )
            )
        }
        if not proposals:
            proposals = {p.line_index: p for p in booking.propose(session, document)}
        wanted = {line.line_index: line for line in lines}
        unknown = sorted(set(wanted) - set(proposals))
        if unknown:
            raise NotFound(
                N_("document {id} has no line {lines} to book"),
                params={"id": document_id, "lines": ", ".join(map(str, unknown))},
            )
        for index in sorted(set(wanted) | {-1}, key=lambda i: (i != -1, i)):
            proposal = proposals[index]
            line = wanted.get(index)
            if index == -1:
                line = LineBooking(-1, ledger_account, vat_code)
            assert line is not None
            ledger = (
                line.ledger_account
                if line.ledger_account is not None
                else _standing(proposal)[0]
            )
            code = (
                line.vat_code if line.vat_code is not None else _standing(proposal)[1]
            )
            booking.decide(session, principal, proposal.id, ledger, code)
        decided = sorted(proposals.values(), key=lambda p: p.line_index)
        people = _names(session, [p.decided_by for p in decided if p.decided_by])
        rows = _lines(field_rows(session, document_id))
        return tuple(_proposal(p, rows, people) for p in decided)


def original(principal: Principal, document_id: int) -> Original:
    """The original as received (audited); for those who may download (not the validation centre)."""
    require_role(principal, Role.ACCOUNTANT, Role.CLIENT)
    with work() as session:
        document = document_for(session, principal, document_id)
        data = read_original(current_settings().data_dir, document.original_path)
        audit(
            session,
            actor_id(principal),
            "original_downloaded",
            f"document:{document.id}",
            document.original_filename,
        )
        media = MEDIA_TYPES.get(document.kind) if document.kind else None
        if document.kind is DocumentKind.IMAGE:
            media = _image_type(data)
        return Original(
            document.original_filename, media or "application/octet-stream", data
        )


def _standing(proposal: BookingProposal) -> tuple[str | None, str | None]:
    return booking.booked(proposal)


def _image_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"
