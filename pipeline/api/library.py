"""The accountants' library through the API: list, look at one document, book it, hand it over.

Thin wrappers over ``pipeline.deliver``: each opens one unit of work with the
principal in hand. Access follows ``pipeline.api._common``: a client or document the
principal may not see is ``NotFound`` (ids are not probed); an action the principal's
role may not take (a client booking, the centre downloading) is ``Forbidden``.

* accountant — the clients of their office: list, book, download, ZIP per period;
* client — its own documents, read-only; may fetch its own UBL (audited, no delivery);
* supervisor / operator — every client, read-only (no downloads, no bookings);
* admin — everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from models import (
    BookingProposal,
    Client,
    Correction,
    Delivery,
    Document,
    UblRelease,
    User,
)
from models.enums import (
    DeliveryChannel,
    DocumentStatus,
    DocumentType,
    FieldSource,
    FieldState,
    ReleaseStatus,
    Role,
    UblProfile,
)
from pipeline.api._common import (
    current_settings,
    document_for,
    require_client,
    work,
)
from pipeline.api.live import display_text
from pipeline.core.accounts import Principal
from pipeline.core.errors import Forbidden, NotFound
from pipeline.core.fields import FIELD_NAMES
from pipeline.core.i18n import N_
from pipeline.core.identifiers import alnum_upper
from pipeline.deliver import booking, download
from pipeline.deliver import library as deliver_library
from pipeline.deliver.common import MACHINE, slug, ubl_filename, validated_by
from pipeline.deliver.forward import (
    ForwardingView,
    forward_due,
    forwardings_of,
    redeliver,
)
from pipeline.review.fieldstore import field_rows

HANDED_OVER = deliver_library.HANDED_OVER
OPERATOR_STATES = (FieldState.CONFIRMED, FieldState.CORRECTED)


@dataclass(frozen=True)
class LibraryField:
    name: str
    text: str  # the current value as shown
    machine_text: str  # what the machine read
    state: FieldState
    source: FieldSource
    confidence: float
    checked_by: str  # "machine", or the operator(s) who confirmed / corrected it


@dataclass(frozen=True)
class ProposalView:
    id: int
    line_index: int  # -1: the whole document
    label: str  # "Document" or "Line 1 · description · 100.00"
    ledger_account: str | None  # what was proposed
    vat_code: str | None
    confidence: float
    basis: str
    state: str  # proposed | accepted | overridden
    booked_ledger_account: str | None  # what stands now (final when decided, else the proposal)
    booked_vat_code: str | None
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class DeliveryView:
    channel: DeliveryChannel
    at: datetime
    by: str  # user's name, or "export" for the folder / command line


@dataclass(frozen=True)
class LibraryDocument:
    id: int
    client_id: int
    client_name: str
    filename: str
    status: DocumentStatus
    document_type: DocumentType | None
    page_count: int
    has_pages: bool  # a PDF or image original (a UBL has no page to show)
    validated_by: str
    auto_released: bool
    fields: tuple[LibraryField, ...]
    proposals: tuple[ProposalView, ...]
    deliveries: tuple[DeliveryView, ...]
    ubl_filename: str | None  # None: no released UBL
    may_book: bool
    may_download: bool
    profile: str | None = None  # which UBL it got, in words (see README, "Which UBL")
    forwardings: tuple[ForwardingView, ...] = ()  # to the office's delivery targets


PROFILE_WORDS = {UblProfile.PEPPOL_BIS3: "Peppol BIS 3 (can be sent over the Peppol network)",
                 UblProfile.EN16931: "EN 16931 UBL (for import into the accounting package)"}


@dataclass(frozen=True)
class PeriodCounts:
    ready: int  # released documents of the period never delivered
    delivered: int  # released documents of the period delivered before


# ---------------------------------------------------------------------- access
def may_book(principal: Principal) -> bool:
    """Whether this kind of user books and takes documents over (accountants and admins)."""
    return principal.role in (Role.ACCOUNTANT, Role.ADMIN)


def may_download(principal: Principal) -> bool:
    """The centre validates documents; it does not download them."""
    return principal.role in (Role.ACCOUNTANT, Role.ADMIN, Role.CLIENT)


def _visible(session: Any, principal: Principal, client_id: int | None) -> None:
    if client_id is not None:
        require_client(session, principal, client_id)  # NotFound for "not yours"


# ---------------------------------------------------------------------- listing
def library_rows(
    principal: Principal,
    *,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    supplier: str | None = None,
    document_type: DocumentType | str | None = None,
    statuses: Sequence[DocumentStatus | str] | None = None,
    limit: int = 2000,
    direction: str | None = None,
) -> list[dict[str, Any]]:
    """The library's rows (``pipeline.deliver.library.COLUMNS``), newest invoice first.

    Each row also says ``direction``: ``"sales"`` when the client itself is the supplier (its own
    sales invoice, sent in with the rest), else ``"purchase"``; and ``signed_total``: the total
    incl. VAT with a credit note counted as a credit (negative). ``direction`` filters on it.
    """
    with work() as session:
        _visible(session, principal, client_id)
        period = None if date_from is None and date_to is None else (date_from, date_to)
        rows = deliver_library.library(session, principal, client_id, period, (supplier or "").strip() or None,
                                       document_type or None, list(statuses) if statuses else None,
                                       limit=max(1, min(limit, 10_000)))
        own = _own_keys(session, {row["client_id"] for row in rows})
    for row in rows:
        row["direction"] = SALES if _is_own(row.get("supplier_key"), own.get(row["client_id"], ())) else PURCHASE
        row["signed_total"] = signed_total(row.get("total_incl_vat"), row.get("document_type"))
    return [row for row in rows if direction is None or row["direction"] == direction]


SALES, PURCHASE = "sales", "purchase"


def signed_total(total: Any, document_type: Any) -> Any:
    """A credit note's total as a credit: negative, whatever sign the document printed."""
    if total is None:
        return None
    return -abs(total) if str(document_type or "") == DocumentType.CREDIT_NOTE else total


def _own_keys(session: Any, client_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Per client, the 10 digits of its own enterprise number (from its VAT number or KBO number)."""
    if not client_ids:
        return {}
    found = session.execute(select(Client.id, Client.vat, Client.enterprise_number)
                            .where(Client.id.in_(client_ids))).all()
    return {cid: tuple(k for k in (_digits(vat), _digits(kbo)) if k) for cid, vat, kbo in found}


def _digits(value: str | None) -> str:
    digits = "".join(ch for ch in alnum_upper(value) or "" if ch.isdigit())
    return digits[-10:].zfill(10) if digits else ""


def _is_own(supplier_key: str | None, own: Sequence[str]) -> bool:
    key = alnum_upper(supplier_key) or ""
    return bool(own) and key.startswith("BE") and _digits(key) in own


def library_document(principal: Principal, document_id: int) -> LibraryDocument:
    """One document: its fields with who checked them, booking proposals, deliveries."""
    with work() as session:
        document = document_for(session, principal, document_id)
        client = session.get(Client, document.client_id)
        rows = field_rows(session, document_id)
        checkers = _field_checkers(session, document_id)
        names = [n for n in FIELD_NAMES if n in rows] + sorted(set(rows) - set(FIELD_NAMES))
        fields = tuple(_field(rows[name], checkers.get(name, ())) for name in names)
        lines = _lines(rows)
        proposals = session.scalars(select(BookingProposal).where(BookingProposal.document_id == document_id)
                                    .order_by(BookingProposal.line_index)).all()
        people = _names(session, [p.decided_by for p in proposals if p.decided_by])
        deliveries = session.execute(select(Delivery.channel, Delivery.created_at, Delivery.user_id)
                                     .where(Delivery.document_id == document_id).order_by(Delivery.created_at)).all()
        people |= _names(session, [user_id for _, _, user_id in deliveries if user_id])
        ubl_name = _ubl_name(session, document)
        return LibraryDocument(
            id=document.id,
            client_id=document.client_id,
            client_name=client.name if client else "",
            filename=document.original_filename,
            status=document.status,
            document_type=document.document_type,
            page_count=document.page_count or 1,
            has_pages=str(document.kind) in ("pdf", "image"),
            validated_by=validated_by(session, [document_id]).get(document_id, ""),
            auto_released=bool(document.auto_released),
            fields=fields,
            proposals=tuple(_proposal(p, lines, people) for p in proposals),
            deliveries=tuple(DeliveryView(channel, at, people.get(user_id, "export") if user_id else "export")
                             for channel, at, user_id in deliveries),
            ubl_filename=ubl_name,
            may_book=may_book(principal) and document.status in HANDED_OVER,
            may_download=may_download(principal) and ubl_name is not None,
            profile=_profile_words(session, document_id),
            forwardings=tuple(forwardings_of(session, [document_id]).get(document_id, [])),
        )


def _profile_words(session: Any, document_id: int) -> str | None:
    profile = session.scalar(select(UblRelease.profile).where(UblRelease.released_document_id == document_id))
    return PROFILE_WORDS.get(profile) if profile else None


def deliver_again(principal: Principal, document_id: int) -> tuple[int, int]:
    """Send a released document to the office's targets again (accountants and admins);
    (delivered, failed — retried by the upkeep)."""
    with work() as session:
        document = document_for(session, principal, document_id)
        if not may_book(principal):
            raise Forbidden(N_("only the office's accountants send documents to the accounting package again"))
        ids = redeliver(session, document.id, user_id=principal.user_id or None)
        session.commit()
    if not ids:
        return 0, 0
    counts = forward_due(current_settings(), only=ids)
    return counts.delivered, counts.failed


# ---------------------------------------------------------------------- booking
def propose_booking(principal: Principal, document_id: int) -> tuple[ProposalView, ...]:
    """Make (or refresh) the proposals of a document that has none yet; decided ones stay."""
    if not may_book(principal):
        raise Forbidden(N_("a {role} cannot book documents"), params={"role": str(principal.role)})
    with work() as session:
        document = document_for(session, principal, document_id)
        proposals = booking.propose(session, document)
        lines = _lines(field_rows(session, document_id))
        people = _names(session, [p.decided_by for p in proposals if p.decided_by])
        return tuple(_proposal(p, lines, people) for p in sorted(proposals, key=lambda p: p.line_index))


def decide_booking(principal: Principal, proposal_id: int, ledger_account: str | None,
                   vat_code: str | None) -> ProposalView:
    """Book a proposal as proposed (accepted) or with other values (overridden)."""
    with work() as session:
        proposal = session.get(BookingProposal, proposal_id)
        if proposal is None:
            raise NotFound(N_("booking proposal {id} not found"), params={"id": proposal_id})
        document_for(session, principal, proposal.document_id)  # NotFound for another office's document
        decided = booking.decide(session, principal, proposal_id, ledger_account, vat_code)
        lines = _lines(field_rows(session, decided.document_id))
        return _proposal(decided, lines, _names(session, [decided.decided_by] if decided.decided_by else []))


def acceptance_rate(principal: Principal, *, client_id: int | None = None, date_from: date | None = None,
                    date_to: date | None = None) -> float | None:
    """Share of the office's decided proposals booked as proposed; None when there is none to tell.

    The office is the accountant's own, or (for the centre and admins) that of ``client_id``."""
    with work() as session:
        _visible(session, principal, client_id)
        office_id = principal.office_id if principal.role is Role.ACCOUNTANT else None
        if office_id is None and client_id is not None and principal.role is not Role.CLIENT:
            office_id = session.scalar(select(Client.office_id).where(Client.id == client_id))
        if office_id is None:
            return None
        return booking.acceptance_rate(session, office_id, date_from=date_from, date_to=date_to)


# ---------------------------------------------------------------------- handing over
def period_counts(principal: Principal, client_id: int, date_from: date | None, date_to: date | None) -> PeriodCounts:
    """How many released documents of the period are still to hand over, and how many went before."""
    with work() as session:
        require_client(session, principal, client_id)
        every = download.handed_over_documents(session, client_id, date_from, date_to, include_delivered=True)
        fresh = download.handed_over_documents(session, client_id, date_from, date_to, include_delivered=False)
        return PeriodCounts(ready=len(fresh), delivered=len(every) - len(fresh))


def deliver_zip(principal: Principal, client_id: int, date_from: date | None, date_to: date | None, *,
                include_delivered: bool = False) -> tuple[str, bytes]:
    """(file name, ZIP) of the period's UBLs with summary.csv and bookings.csv; each recorded as delivered."""
    settings = current_settings()
    with work() as session:
        client = require_client(session, principal, client_id)
        data = download.zip_for_period(session, settings, principal, client_id, date_from, date_to,
                                       include_delivered=include_delivered)
        return zip_filename(client.name, date_from, date_to), data


def zip_filename(client_name: str, date_from: date | None, date_to: date | None) -> str:
    return f"{slug(client_name)}-{date_from or 'start'}-{date_to or 'now'}.zip"


# ---------------------------------------------------------------------- shaping
def _lines(rows: dict[str, Any]) -> list[Any]:
    row = rows.get("lines")
    value = None if row is None else row.value
    return value if isinstance(value, list) else []


def _names(session: Any, user_ids: Sequence[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _field_checkers(session: Any, document_id: int) -> dict[str, tuple[str, ...]]:
    """Per field, the people who confirmed or corrected it, in order."""
    found: dict[str, list[str]] = {}
    for name, person in session.execute(
        select(Correction.field_name, User.display_name).join(User, User.id == Correction.user_id)
        .where(Correction.document_id == document_id).order_by(Correction.created_at, Correction.id)
    ):
        people = found.setdefault(name, [])
        if person not in people:
            people.append(person)
    return {name: tuple(people) for name, people in found.items()}


def _field(row: Any, people: Sequence[str]) -> LibraryField:
    if people:
        checker = ", ".join(people)
    elif row.state in OPERATOR_STATES or row.source is FieldSource.OPERATOR:
        checker = "operator"
    else:
        checker = MACHINE
    return LibraryField(row.name, display_text(row.name, row.value), display_text(row.name, row.machine_value),
                        row.state, row.source, float(row.confidence or 0.0), checker)


def _line_label(index: int, lines: Sequence[Any]) -> str:
    if index < 0:
        return "Document"
    line = lines[index] if index < len(lines) and isinstance(lines[index], dict) else {}
    parts = [f"Line {index + 1}", str(line.get("description") or "").strip()[:60], str(line.get("net_amount") or "")]
    return " · ".join(part for part in parts if part)


def _proposal(p: BookingProposal, lines: Sequence[Any], people: dict[int, str]) -> ProposalView:
    ledger, code = booking.booked(p)
    state = "proposed" if p.accepted is None else ("accepted" if p.accepted else "overridden")
    return ProposalView(p.id, p.line_index, _line_label(p.line_index, lines), p.ledger_account, p.vat_code,
                        float(p.confidence or 0.0), p.basis or "", state, ledger, code,
                        people.get(p.decided_by) if p.decided_by else None, p.decided_at)


def _ubl_name(session: Any, document: Document) -> str | None:
    released = session.scalar(select(UblRelease.id).where(UblRelease.released_document_id == document.id,
                                                          UblRelease.status == ReleaseStatus.PASSED).limit(1))
    return None if released is None or document.status not in HANDED_OVER else ubl_filename(document)
