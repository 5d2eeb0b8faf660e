"""Close the loop: match a bank statement's entries to the client's open invoices.

Money out (debits) is matched to incoming invoices that are prepared for payment or
still open; money in (credits) to the client's issued sales invoices not yet paid.
In order, and only when exactly one open invoice fits:

1. the structured communication (``CdtrRefInf/Ref``, or ``+++…+++`` in the free text)
   and the amount;
2. the exact amount and the counterparty's IBAN;
3. the exact amount and the counterparty's name.

A match marks the invoice ``paid``. Everything else is returned as unmatched, with
the reason, for a person to look at — nothing is guessed.

Amounts are compared and written as ``Decimal`` quantised to the cent (``cents``):
an amount stored as a float or with more digits never makes "1718.68 is not the
1718.68 due".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Document
from models.enums import DocumentType
from models.sales import SalesContact, SalesInvoice
from pipeline.core import identifiers
from pipeline.payments.camt import Statement, StatementEntry
from pipeline.payments.prepare import OPEN_STATUSES, PAID, PREPARED
from pipeline.review.fieldstore import current_values, field_rows
from pipeline.ubl import belgian

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
LEGAL_FORMS = frozenset({"nv", "sa", "bv", "bvba", "srl", "sprl", "vof", "snc", "commv", "scs", "cv", "sc",
                         "vzw", "asbl", "gmbh", "ag", "ltd", "sarl", "sas", "inc", "llc", "ebvba"})


@dataclass(frozen=True)
class OpenItem:
    kind: str  # "purchase" (a Document) or "sales" (a SalesInvoice)
    id: int
    label: str
    amount: Decimal
    ogm_digits: str | None
    iban: str | None
    name: str | None


@dataclass(frozen=True)
class Match:
    entry: StatementEntry
    item: OpenItem
    how: str  # "reference", "amount+iban", "amount+name"


@dataclass(frozen=True)
class Unmatched:
    entry: StatementEntry
    reason: str


@dataclass(frozen=True)
class MatchResult:
    matched: list[Match]
    unmatched: list[Unmatched]


def cents(value: Decimal | str | float) -> Decimal:
    """Money to the cent, as a Decimal (a float goes through its shortest text form, never its binary value)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def name_tokens(name: str | None) -> frozenset[str]:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    return frozenset(t for t in re.split(r"[^a-z0-9]+", text.replace(".", "")) if t and t not in LEGAL_FORMS)


def same_name(a: str | None, b: str | None) -> bool:
    left, right = name_tokens(a), name_tokens(b)
    return bool(left and right) and (left <= right or right <= left)


def open_purchases(session: Session, client_id: int) -> list[OpenItem]:
    documents = session.scalars(select(Document).where(
        Document.client_id == client_id, Document.status.in_(OPEN_STATUSES), Document.channel != "sales",
        (Document.payment_status.is_(None)) | (Document.payment_status == PREPARED),
        Document.document_type.is_distinct_from(DocumentType.CREDIT_NOTE),
    ))
    items = []
    for document in documents:
        values = current_values(field_rows(session, document.id))
        amount = values.get("total_incl_vat", document.total_incl_vat)
        if amount is None:
            continue
        reference = str(values.get("payment_reference") or "")
        digits = belgian.ogm_digits(reference) if reference else None
        iban = identifiers.normalise_iban(str(values.get("iban") or "")) or None
        items.append(OpenItem("purchase", document.id, str(values.get("invoice_number") or document.invoice_number
                                                            or f"document {document.id}"),
                              cents(amount), digits if digits and belgian.ogm_valid(digits) else None, iban,
                              str(values.get("supplier_name") or document.supplier_name or "") or None))
    return items


def open_sales(session: Session, client_id: int) -> list[OpenItem]:
    rows = session.execute(
        select(SalesInvoice, SalesContact.name).join(SalesContact, SalesContact.id == SalesInvoice.contact_id)
        .where(SalesInvoice.client_id == client_id, SalesInvoice.status == "issued",
               SalesInvoice.document_type == "invoice", SalesInvoice.payment_status.is_(None))
    )
    return [OpenItem("sales", invoice.id, invoice.number or f"invoice {invoice.id}", cents(invoice.total_incl_vat or 0),
                     belgian.ogm_digits(invoice.payment_reference or ""), None, name)
            for invoice, name in rows]


def _pick(entry: StatementEntry, items: list[OpenItem]) -> tuple[OpenItem | None, str]:
    """The one open item this entry pays, and how; or None and why not."""
    digits = entry.ogm_digits
    amount = cents(entry.amount)
    if digits:
        by_reference = [i for i in items if i.ogm_digits == digits]
        exact = [i for i in by_reference if cents(i.amount) == amount]
        if len(exact) == 1:
            return exact[0], "reference"
        if len(exact) > 1 and len({(i.label, i.name) for i in exact}) == 1:  # copies of one invoice: the first
            return min(exact, key=lambda i: i.id), "reference"
        if len(exact) > 1:
            return None, f"{len(exact)} open invoices carry reference {belgian.format_ogm(digits)} and {amount}"
        if by_reference:
            return None, (f"reference {belgian.format_ogm(digits)} is {by_reference[0].label}, but the amount "
                          f"{amount} is not the {cents(by_reference[0].amount)} due")
    same_amount = [i for i in items if cents(i.amount) == amount]
    if entry.counterparty_iban:
        by_iban = [i for i in same_amount if i.iban and i.iban == entry.counterparty_iban]
        if len(by_iban) == 1:
            return by_iban[0], "amount+iban"
    by_name = [i for i in same_amount if same_name(i.name, entry.counterparty_name)]
    if len(by_name) == 1:
        return by_name[0], "amount+name"
    if len(by_name) > 1:
        return None, f"{len(by_name)} open invoices of {amount} from {entry.counterparty_name} fit"
    if same_amount:
        return None, f"{len(same_amount)} open invoice(s) of {amount}, none from {entry.counterparty_name}"
    return None, "no open invoice fits"


def match_statement(session: Session, client_id: int, statement: Statement, *, apply: bool = True) -> MatchResult:
    """Match every entry; with ``apply`` mark the matched invoices paid (the caller commits)."""
    purchases, sales = open_purchases(session, client_id), open_sales(session, client_id)
    matched: list[Match] = []
    unmatched: list[Unmatched] = []
    for entry in statement.entries:
        pool = sales if entry.credit else purchases
        item, how = _pick(entry, pool) if entry.currency == "EUR" else (None, f"currency {entry.currency}")
        if item is None:
            unmatched.append(Unmatched(entry, how))
            continue
        pool.remove(item)
        matched.append(Match(entry, item, how))
        if apply:
            _mark_paid(session, item)
    session.flush()
    log.info("statement %s: %d matched, %d for a person", statement.statement_id, len(matched), len(unmatched))
    return MatchResult(matched, unmatched)


def _mark_paid(session: Session, item: OpenItem) -> None:
    if item.kind == "purchase":
        document = session.get(Document, item.id)
        if document is not None:
            document.payment_status = PAID
        return
    invoice = session.get(SalesInvoice, item.id)
    if invoice is None:
        return
    invoice.payment_status = PAID
    invoice.paid_at = datetime.now(UTC)
    if invoice.document_id is not None:
        document = session.get(Document, invoice.document_id)
        if document is not None:
            document.payment_status = PAID
