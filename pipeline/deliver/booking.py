"""Booking proposals: the ledger account and VAT code an accountant will most likely book.

Ledger account, in this order (the first that gives an answer wins):

1. the office's **confirmed** bookings of the same supplier (``BookingProposal`` rows an
   accountant decided), the last ``LEARN_FROM``: the most frequent final account, ties to
   the most recent; an override (the accountant replaced the proposal) is followed from
   the next document on, so a correction sticks at once. confidence = share of those
   bookings with that account;
2. the supplier profile's ``ledger_account`` (set by ``decide``, or imported) — 0.6;
3. suppliers of the office whose names share a significant word — share × 0.5;
4. suppliers of the office with the same usual VAT rates — share × 0.25;
5. none.

VAT code — the invoice's facts first, then what the accountant made of them. The
vocabulary (purchase side, Belgian return):

=====================  ==============  ==================================================
category (UNCL5305)    rate            code
=====================  ==============  ==================================================
S (standard)           21 / 12 / 6 / 0  ``V21`` / ``V12`` / ``V06`` / ``V00``
S, other rate          r               ``V`` + r (``V20``, ``V5.5``) — a foreign rate
Z (zero rated)         any             ``V00``
E (exempt)             any             ``EXEMPT``
AE (reverse charge)    any             ``ICL-reverse`` (co-contractor / intra-EU services)
K (intra-EU supply)    any             ``ICA`` (intra-community acquisition)
G (export)             any             ``IMPORT``
O (outside scope)      any             ``OUTSIDE``
several codes on one document          ``MIXED`` at document level; each line has its own
=====================  ==============  ==================================================

An accountant's own refinement of a code is learnt per supplier when it starts with the
base code and a dash (``V21-CAR`` for 50 % deductible car costs): the next 21 % invoice
of that supplier gets ``V21-CAR``. A code that contradicts the invoice's rate is never
proposed from history.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models import BookingProposal, Client, Document, SupplierProfile
from models.enums import DocumentStatus, Role
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import Forbidden, NotFound
from pipeline.core.i18n import N_
from pipeline.deliver.common import actor_id, chunks
from pipeline.review.fieldstore import current_values, field_rows
from pipeline.suppliers.memory import find_profile

log = logging.getLogger(__name__)

LEARN_FROM = 10  # the last N confirmed bookings of a supplier
SIMILAR_POOL = 2000  # recent confirmed bookings of the office scanned for similar suppliers
STOP_WORDS = frozenset({
    "bv", "bvba", "nv", "sa", "srl", "sprl", "vzw", "asbl", "cv", "cvba", "scrl", "comm", "commv", "vof",
    "snc", "gmbh", "ltd", "inc", "sarl", "the", "and", "van", "der", "den", "het", "les", "des", "und",
    "company", "group", "groep", "belgium", "belgique", "belgie", "services", "service", "international",
})
_CATEGORY_CODES = {"E": "EXEMPT", "AE": "ICL-reverse", "K": "ICA", "G": "IMPORT", "O": "OUTSIDE", "Z": "V00"}


@dataclass(frozen=True)
class Suggestion:
    value: str | None
    confidence: float
    basis: str


NONE = Suggestion(None, 0.0, "no booking history")


# ----------------------------------------------------------------------- VAT codes
def vat_code_for(rate: Decimal | str | None, category: str | None = None) -> str | None:
    """The Belgian VAT code for a rate and UNCL5305 category (see the module's table)."""
    category = (category or "").strip().upper() or None
    if category in _CATEGORY_CODES:
        return _CATEGORY_CODES[category]
    if rate is None or rate == "":
        return None
    value = Decimal(str(rate)).normalize()
    if value == 0:
        return "V00"
    text = format(value, "f")
    return f"V{int(value):02d}" if value == value.to_integral_value() else f"V{text}"


def _document_vat_code(codes: Sequence[str | None]) -> str | None:
    known = sorted({code for code in codes if code})
    if not known:
        return None
    return known[0] if len(known) == 1 else "MIXED"


def _compatible(code: str, derived: str) -> bool:
    return code == derived or code.startswith(derived + "-")


# ------------------------------------------------------------------------- history
def _office_id(session: Session, document: Document) -> int:
    office_id = session.scalar(select(Client.office_id).where(Client.id == document.client_id))
    assert office_id is not None
    return office_id


def _history(session: Session, office_id: int, document: Document, *, lines: bool) -> list[tuple[str | None, str | None, bool]]:
    """(final ledger, final VAT code, accepted) of the supplier's last confirmed bookings, newest first."""
    if not document.supplier_key:
        return []
    level = BookingProposal.line_index >= 0 if lines else BookingProposal.line_index == -1
    query = (
        select(BookingProposal.final_ledger_account, BookingProposal.final_vat_code, BookingProposal.accepted)
        .join(Document, Document.id == BookingProposal.document_id)
        .join(Client, Client.id == Document.client_id)
        .where(Client.office_id == office_id, Document.supplier_key == document.supplier_key,
               BookingProposal.accepted.is_not(None), BookingProposal.document_id != document.id, level)
        .order_by(BookingProposal.decided_at.desc(), BookingProposal.id.desc())
        .limit(LEARN_FROM)
    )
    return [(ledger, vat, bool(accepted)) for ledger, vat, accepted in session.execute(query)]


def _vote(entries: Sequence[tuple[str | None, bool]]) -> tuple[str, float, int, int] | None:
    """(value, share, count, total) among non-empty values, newest first; a newest override wins."""
    values = [(value, accepted) for value, accepted in entries if value]
    if not values:
        return None
    counts = Counter(value for value, _ in values)
    newest, newest_accepted = values[0]
    if not newest_accepted:
        winner = newest
    else:
        best = max(counts.values())
        winner = next(value for value, _ in values if counts[value] == best)  # ties: most recent
    return winner, counts[winner] / len(values), counts[winner], len(values)


def _tokens(name: str | None) -> set[str]:
    words = re.findall(r"[0-9a-zà-ÿ]+", (name or "").lower())
    return {word for word in words if len(word) >= 4 and word not in STOP_WORDS}


def _similar_suppliers(session: Session, office_id: int, document: Document) -> Suggestion:
    mine = _tokens(document.supplier_name)
    rows = session.execute(
        select(Document.supplier_key, Document.supplier_name, BookingProposal.final_ledger_account)
        .join(Document, Document.id == BookingProposal.document_id)
        .join(Client, Client.id == Document.client_id)
        .where(Client.office_id == office_id, BookingProposal.line_index == -1,
               BookingProposal.accepted.is_not(None), BookingProposal.final_ledger_account.is_not(None),
               Document.id != document.id)
        .order_by(BookingProposal.decided_at.desc(), BookingProposal.id.desc())
        .limit(SIMILAR_POOL)
    ).all()
    others = [(key, name, ledger) for key, name, ledger in rows if key != document.supplier_key]
    if mine:
        alike = [(name, ledger) for _, name, ledger in others if mine & _tokens(name)]
        if alike:
            counts = Counter(ledger for _, ledger in alike)
            ledger, count = counts.most_common(1)[0]
            names = sorted({str(name) for name, value in alike if value == ledger})[:3]
            return Suggestion(ledger, round(0.5 * count / len(alike), 4),
                              f"suppliers with a similar name ({', '.join(names)})")
    profile = find_profile(session, office_id, document.supplier_key)
    rates = sorted(profile.usual_vat_rates or []) if profile is not None else []
    if rates:
        profiles = session.scalars(
            select(SupplierProfile).where(SupplierProfile.office_id == office_id,
                                          SupplierProfile.ledger_account.is_not(None),
                                          SupplierProfile.supplier_key != document.supplier_key)
        ).all()
        same = [p.ledger_account for p in profiles if sorted(p.usual_vat_rates or []) == rates]
        if same:
            ledger, count = Counter(same).most_common(1)[0]
            return Suggestion(ledger, round(0.25 * count / len(same), 4),
                              f"suppliers with the same VAT rates ({'/'.join(map(str, rates))} %)")
    return NONE


def suggest_ledger(session: Session, office_id: int, document: Document) -> Suggestion:
    voted = _vote([(ledger, accepted) for ledger, _, accepted in _history(session, office_id, document, lines=False)])
    if voted is not None:
        value, share, count, total = voted
        return Suggestion(value, round(share, 4), f"{count} of the last {total} bookings of this supplier")
    profile = find_profile(session, office_id, document.supplier_key)
    if profile is not None and profile.ledger_account:
        return Suggestion(profile.ledger_account, 0.6, "the supplier's usual account")
    return _similar_suppliers(session, office_id, document)


def suggest_vat(derived: str | None, history: Sequence[tuple[str | None, bool]]) -> Suggestion:
    if derived is None:
        voted = _vote(history)
        if voted is None:
            return Suggestion(None, 0.0, "no VAT rate on the invoice")
        value, share, count, total = voted
        return Suggestion(value, round(share, 4), f"{count} of the last {total} bookings of this supplier")
    voted = _vote([(code, accepted) for code, accepted in history if code and _compatible(code, derived)])
    if voted is not None and voted[0] != derived:
        value, share, count, total = voted
        return Suggestion(value, round(share, 4), f"the office's code for {derived} with this supplier")
    return Suggestion(derived, 1.0 if derived != "MIXED" else 0.8, "the invoice's VAT rate(s)")


# ------------------------------------------------------------------------ proposing
def propose(session: Session, document: Document) -> list[BookingProposal]:
    """Create or refresh the document's proposals (line -1 and one per line); decided ones stay."""
    office_id = _office_id(session, document)
    values = current_values(field_rows(session, document.id))
    breakdown = values.get("vat_breakdown") or []
    lines = values.get("lines") or []
    line_codes = [vat_code_for(line.vat_rate, line.vat_category) for line in lines]
    derived = _document_vat_code([vat_code_for(b.rate, b.category) for b in breakdown] or line_codes)

    history = _history(session, office_id, document, lines=False)
    ledger = suggest_ledger(session, office_id, document)
    vat = suggest_vat(derived, [(code, accepted) for _, code, accepted in history])
    wanted: dict[int, tuple[Suggestion, Suggestion]] = {-1: (ledger, vat)}
    if lines:
        line_history = _history(session, office_id, document, lines=True)
        line_ledger = _vote([(value, accepted) for value, _, accepted in line_history])
        for index, code in enumerate(line_codes):
            if line_ledger is not None:
                value, share, count, total = line_ledger
                line_suggestion = Suggestion(value, round(share, 4), f"{count} of the last {total} booked lines")
            else:
                line_suggestion = Suggestion(ledger.value, ledger.confidence, f"as the document: {ledger.basis}")
            wanted[index] = (line_suggestion, suggest_vat(code, [(c, a) for _, c, a in line_history]))

    existing = {p.line_index: p for p in session.scalars(
        select(BookingProposal).where(BookingProposal.document_id == document.id))}
    for index, proposal in existing.items():
        if index not in wanted and proposal.accepted is None:
            session.delete(proposal)
    result: list[BookingProposal] = []
    for index, (account, code) in sorted(wanted.items()):
        proposal = existing.get(index)
        if proposal is None:
            proposal = BookingProposal(document_id=document.id, line_index=index)
            session.add(proposal)
        if proposal.accepted is None:
            proposal.ledger_account = account.value
            proposal.vat_code = code.value
            proposal.confidence = account.confidence if account.value else 0.0
            proposal.basis = f"account: {account.basis}; VAT: {code.basis}"[:255]
        result.append(proposal)
    session.flush()
    return result


def proposal_for(session: Session, document: Document) -> str | None:
    """The ledger account for the UBL's AccountingCost (called by the release job).

    Never sinks a release: a failure is logged and rolled back to a savepoint."""
    try:
        with session.begin_nested():
            proposals = propose(session, document)
    except Exception:  # a proposal is a help, not a condition of release
        log.exception("booking proposal for document %s failed", document.id)
        return None
    head = next((p for p in proposals if p.line_index == -1), None)
    if head is None:
        return None
    return head.final_ledger_account if head.accepted is not None else head.ledger_account


def document_proposals(session: Session, document_ids: Sequence[int]) -> dict[int, list[BookingProposal]]:
    """Proposals per document (line -1 first), for the library, the ZIP and the exports."""
    found: dict[int, list[BookingProposal]] = {}
    if not document_ids:
        return found
    for batch in chunks(document_ids):
        for proposal in session.scalars(select(BookingProposal).where(BookingProposal.document_id.in_(batch))
                                        .order_by(BookingProposal.document_id, BookingProposal.line_index)):
            found.setdefault(proposal.document_id, []).append(proposal)
    return found


def booked(proposal: BookingProposal) -> tuple[str | None, str | None]:
    """The account and code that count: the accountant's if decided, else the proposal's."""
    if proposal.accepted is not None:
        return proposal.final_ledger_account, proposal.final_vat_code
    return proposal.ledger_account, proposal.vat_code


# ------------------------------------------------------------------------- deciding
def decide(session: Session, principal: Principal, proposal_id: int, ledger_account: str | None,
           vat_code: str | None) -> BookingProposal:
    """The accountant books a proposal as proposed (accepted) or otherwise (overridden)."""
    proposal = session.get(BookingProposal, proposal_id)
    if proposal is None:
        raise NotFound(N_("booking proposal {id} not found"), params={"id": proposal_id})
    document = session.get(Document, proposal.document_id)
    assert document is not None
    client = session.get(Client, document.client_id)
    assert client is not None
    if not (principal.role is Role.ADMIN or (principal.role is Role.ACCOUNTANT and principal.office_id == client.office_id)):
        raise Forbidden(N_("only the accountant of the client's office books its documents"))
    ledger = (ledger_account or "").strip() or None
    code = (vat_code or "").strip() or None
    proposal.accepted = ledger == proposal.ledger_account and code == proposal.vat_code
    proposal.final_ledger_account = ledger
    proposal.final_vat_code = code
    proposal.decided_by = actor_id(principal)
    proposal.decided_at = datetime.now(UTC)
    if proposal.line_index == -1:
        _remember_booking(session, client.office_id, document, ledger, code)
        if document.status in (DocumentStatus.RELEASED, DocumentStatus.DELIVERED):
            document.status = DocumentStatus.BOOKED
    verdict = "accepted" if proposal.accepted else f"overrode {proposal.ledger_account}/{proposal.vat_code}"
    audit(session, actor_id(principal), "booking_decided", f"document:{document.id}",
          f"line {proposal.line_index}: {ledger}/{code} ({verdict})")
    session.flush()
    return proposal


def _remember_booking(session: Session, office_id: int, document: Document, ledger: str | None, code: str | None) -> None:
    if not document.supplier_key:
        return
    profile = find_profile(session, office_id, document.supplier_key)
    if profile is None:
        profile = SupplierProfile(office_id=office_id, supplier_key=document.supplier_key, name=document.supplier_name,
                                  usual_vat_rates=[], field_positions={})
        session.add(profile)
    profile.ledger_account = ledger or profile.ledger_account
    profile.vat_code = code or profile.vat_code
    profile.updated_at = datetime.now(UTC)


def acceptance_rate(session: Session, office_id: int, *, date_from: date | None = None, date_to: date | None = None,
                    lines: bool = False) -> float | None:
    """Share of the office's decided proposals booked as proposed; None when none was decided."""
    query = (
        select(func.count(), func.sum(case((BookingProposal.accepted.is_(True), 1), else_=0)))
        .select_from(BookingProposal)
        .join(Document, Document.id == BookingProposal.document_id)
        .join(Client, Client.id == Document.client_id)
        .where(Client.office_id == office_id, BookingProposal.accepted.is_not(None))
    )
    if not lines:
        query = query.where(BookingProposal.line_index == -1)
    if date_from is not None:
        query = query.where(BookingProposal.decided_at >= datetime(date_from.year, date_from.month, date_from.day, tzinfo=UTC))
    if date_to is not None:
        end = date.fromordinal(date_to.toordinal() + 1)
        query = query.where(BookingProposal.decided_at < datetime(end.year, end.month, end.day, tzinfo=UTC))
    total, accepted = session.execute(query).one()
    return None if not total else int(accepted or 0) / int(total)
