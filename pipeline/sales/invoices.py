"""Outgoing invoices and credit notes: drafts, issuing, correcting by credit note.

A draft may change freely. ``issue`` gives it the next number of its client and year
(``pipeline.sales.numbering``), a structured communication and a due date, draws the
PDF, builds the Peppol BIS 3 UBL with that PDF embedded and runs the official rules;
a fatal finding refuses the issue (and the number goes back: nothing is committed).
An issued invoice lands in the accountant's library like a purchase document — its
PDF stored as the original of a ``Document`` (channel "sales", status RELEASED) with
a passed ``UblRelease`` — and is never edited again: a credit note that refers to it
(BillingReference) corrects it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from models import Client, Document
from models.enums import DocumentKind, DocumentStatus, DocumentType
from models.sales import SalesContact, SalesInvoice, SalesLine
from pipeline.core.config import Settings
from pipeline.core.errors import BoekbrugError, Conflict, NotFound
from pipeline.core.i18n import N_
from pipeline.core.records import Address, InvoiceData, InvoiceLine, Party
from pipeline.core.storage import read_original, sha256_of, store_original
from pipeline.deliver.download import DamagedRelease, released_ubl
from pipeline.jobs.release_job import add_passed_release
from pipeline.sales.amounts import (
    LineAmounts,
    SalesError,
    Totals,
    check_rate,
    line_net,
    ogm_for,
    totals,
)
from pipeline.sales.contacts import client_profile
from pipeline.sales.guards import check_issue
from pipeline.sales.limits import bounded
from pipeline.sales.numbering import format_number, next_number

log = logging.getLogger(__name__)

DRAFT, ISSUED = "draft", "issued"
INVOICE, CREDIT_NOTE = "invoice", "credit_note"
# what may still change on an issued invoice: how it was sent and whether it was paid
MUTABLE_AFTER_ISSUE = frozenset({"payment_status", "paid_at", "sent_at", "sent_to"})


class AlreadyIssued(Conflict):
    code = "already_issued"
    hint = N_("An issued invoice is never changed: correct it with a credit note.")


class IssueRefused(BoekbrugError):
    code = "rule_violation"
    hint = N_("Correct the draft (customer identifiers, VAT categories) and issue it again.")

    def __init__(self, message: str, findings: Sequence[str] = (), **params: object) -> None:
        super().__init__(message, params=params)
        self.findings = list(findings)  # the official rules' own words (technical detail)


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal = Decimal(21)
    vat_category: str = "S"
    discount_percent: Decimal = Decimal(0)


# ------------------------------------------------------------------ the never-edit guard
@event.listens_for(SalesInvoice, "before_update")
def _issued_is_final(_mapper, _connection, target: SalesInvoice) -> None:  # type: ignore[no-untyped-def]
    state = inspect(target)
    status = state.attrs.status.history
    was_issued = ISSUED in (status.deleted or ()) or (not status.has_changes() and target.status == ISSUED)
    if not was_issued:
        return
    changed = [attr.key for attr in state.attrs if attr.key not in MUTABLE_AFTER_ISSUE
               and attr.key != "lines" and attr.history.has_changes()]
    if changed:
        log.warning("issued invoice %s: refused a change of %s", target.number, ", ".join(sorted(changed)))
        raise AlreadyIssued(N_("invoice {number} is issued; it cannot be edited"), params={"number": target.number})


@event.listens_for(SalesLine, "before_update")
@event.listens_for(SalesLine, "before_delete")
def _issued_lines_are_final(_mapper, connection, target: SalesLine) -> None:  # type: ignore[no-untyped-def]
    status = connection.execute(select(SalesInvoice.status).where(SalesInvoice.id == target.invoice_id)).scalar()
    if status == ISSUED:
        raise AlreadyIssued(N_("the lines of issued invoice {id} cannot change"), params={"id": target.invoice_id})


def _draft(session: Session, invoice_id: int) -> SalesInvoice:
    invoice = session.get(SalesInvoice, invoice_id)
    if invoice is None:
        raise NotFound(N_("sales invoice {id} not found"), params={"id": invoice_id})
    if invoice.status != DRAFT:
        raise AlreadyIssued(N_("invoice {number} is issued; it cannot be edited"), params={"number": invoice.number})
    return invoice


def _line_rows(lines: Sequence[LineInput]) -> list[SalesLine]:
    if not lines:
        raise SalesError(N_("an invoice needs at least one line"))
    rows = []
    for position, line in enumerate(lines, start=1):
        description = bounded(line.description, "line description")
        if not description:
            raise SalesError(N_("line {n} has no description"), params={"n": position})
        if line.unit_price < 0:
            raise SalesError(N_("line {n}: a unit price is not negative (use a credit note)"), params={"n": position})
        category = check_rate(Decimal(line.vat_rate), line.vat_category)
        rows.append(SalesLine(position=position, description=description,
                              quantity=Decimal(line.quantity), unit_price=Decimal(line.unit_price),
                              discount_percent=Decimal(line.discount_percent), vat_rate=Decimal(line.vat_rate),
                              vat_category=category,
                              net_amount=line_net(Decimal(line.quantity), Decimal(line.unit_price),
                                                  Decimal(line.discount_percent))))
    return rows


def _refresh_totals(invoice: SalesInvoice) -> Totals:
    computed = totals(_amounts(invoice))
    invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat = computed.excl_vat, computed.vat, computed.incl_vat
    return computed


def _amounts(invoice: SalesInvoice) -> list[LineAmounts]:
    return [LineAmounts(ln.description, ln.quantity, ln.unit_price, ln.discount_percent, ln.vat_rate,
                        ln.vat_category, ln.net_amount) for ln in invoice.lines]


# ---------------------------------------------------------------------------- drafts
def create_draft(
    session: Session,
    client_id: int,
    contact_id: int,
    lines: Sequence[LineInput],
    *,
    document_type: str = INVOICE,
    note: str | None = None,
    currency: str = "EUR",
    credit_of_id: int | None = None,
) -> SalesInvoice:
    contact = session.get(SalesContact, contact_id)
    if contact is None or contact.client_id != client_id:
        raise NotFound(N_("customer {id} not found"), params={"id": contact_id})
    if document_type not in (INVOICE, CREDIT_NOTE):
        raise SalesError(N_("unknown document type {type}"), params={"type": repr(document_type)})
    invoice = SalesInvoice(client_id=client_id, contact_id=contact_id, document_type=document_type, status=DRAFT,
                           note=bounded(note, "note"), currency=currency.upper(), credit_of_id=credit_of_id)
    invoice.lines = _line_rows(lines)
    _refresh_totals(invoice)
    session.add(invoice)
    session.flush()
    return invoice


def update_draft(
    session: Session,
    invoice_id: int,
    *,
    lines: Sequence[LineInput] | None = None,
    note: str | None = None,
    contact_id: int | None = None,
) -> SalesInvoice:
    """Change a draft; ``AlreadyIssued`` for an issued invoice (correct it with a credit note)."""
    invoice = _draft(session, invoice_id)
    if contact_id is not None:
        contact = session.get(SalesContact, contact_id)
        if contact is None or contact.client_id != invoice.client_id:
            raise NotFound(N_("customer {id} not found"), params={"id": contact_id})
        invoice.contact_id = contact_id
    if lines is not None:
        invoice.lines = _line_rows(lines)
        _refresh_totals(invoice)
    if note is not None:
        invoice.note = bounded(note, "note")
    session.flush()
    return invoice


def delete_draft(session: Session, invoice_id: int) -> None:
    session.delete(_draft(session, invoice_id))
    session.flush()


def create_credit_note(
    session: Session, invoice_id: int, *, lines: Sequence[LineInput] | None = None, note: str | None = None
) -> SalesInvoice:
    """A draft credit note referring to an issued invoice; its lines by default (a full credit)."""
    original = session.get(SalesInvoice, invoice_id)
    if original is None:
        raise NotFound(N_("sales invoice {id} not found"), params={"id": invoice_id})
    if original.status != ISSUED or original.document_type != INVOICE:
        raise SalesError(N_("only an issued invoice can be credited"))
    if lines is None:
        lines = [LineInput(ln.description, ln.quantity, ln.unit_price, ln.vat_rate, ln.vat_category,
                           ln.discount_percent) for ln in original.lines]
    return create_draft(session, original.client_id, original.contact_id, lines, document_type=CREDIT_NOTE,
                        note=note, currency=original.currency, credit_of_id=original.id)


# ------------------------------------------------------------------------- the record
def invoice_data(session: Session, invoice: SalesInvoice) -> tuple[InvoiceData, list[LineAmounts], Totals]:
    """What the PDF and the UBL say: the invoice's values as ``InvoiceData``."""
    client = session.get(Client, invoice.client_id)
    contact = session.get(SalesContact, invoice.contact_id)
    if client is None or contact is None:
        raise NotFound(N_("the client or the customer of the invoice is gone"))
    profile = client_profile(session, client.id)
    amounts = _amounts(invoice)
    computed = totals(amounts)
    seller = Party(
        name=client.name, vat=client.vat, enterprise_number=client.enterprise_number,
        address=Address(profile.street, profile.city, profile.postal_code, profile.country) if profile
        else Address(country="BE"),
        email=profile.email if profile else None,
    )
    buyer = Party(name=contact.name, vat=contact.vat, enterprise_number=contact.enterprise_number,
                  address=Address(contact.street, contact.city, contact.postal_code, contact.country),
                  email=contact.email)
    credit = invoice.document_type == CREDIT_NOTE
    reference = None
    if invoice.credit_of_id is not None:
        original = session.get(SalesInvoice, invoice.credit_of_id)
        reference = original.number if original else None
    ubl_lines = tuple(
        InvoiceLine(description=a.description, quantity=a.quantity,
                    # a discounted line carries its net amount as price for its quantity
                    unit_price=a.unit_price if not a.discount_percent else None,
                    net_amount=a.net, vat_rate=a.vat_rate, vat_category=a.vat_category)
        for a in amounts
    )
    data = InvoiceData(
        document_type=DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE,
        invoice_number=invoice.number or "DRAFT",
        issue_date=invoice.issue_date or date.today(),
        currency=invoice.currency,
        supplier=seller,
        customer=buyer,
        total_excl_vat=computed.excl_vat,
        total_vat=computed.vat,
        total_incl_vat=computed.incl_vat,
        vat_breakdown=computed.breakdown,
        lines=ubl_lines,
        due_date=None if credit else invoice.due_date,
        iban=None if credit or profile is None else profile.iban,
        bic=None if credit or profile is None else profile.bic,
        payment_reference=None if credit else invoice.payment_reference,
        billing_reference=reference,
        note=invoice.note,
    )
    return data, amounts, computed


def render(session: Session, invoice: SalesInvoice) -> tuple[bytes, bytes]:
    """(PDF, UBL XML) of an invoice as it stands (a draft shows "DRAFT" as its number)."""
    from pipeline.sales.pdf import render_pdf
    from pipeline.ubl.build import build_ubl

    data, amounts, computed = invoice_data(session, invoice)
    pdf = render_pdf(data, amounts, computed)
    xml = build_ubl(data, (f"{data.invoice_number}.pdf", pdf, "application/pdf"))
    return pdf, xml


# ----------------------------------------------------------------------------- issue
def issue(
    session: Session, settings: Settings, invoice_id: int, *, issue_date: date | None = None,
    confirmed: Collection[str] | None = None,
) -> SalesInvoice:
    """Number, render, validate and file a draft; commits (or rolls back and raises).

    ``IssueRefused`` carries the official rules' fatal findings; the draft stays a
    draft and the number is not used up. Before that ``pipeline.sales.guards`` refuses
    an invoice without the seller's VAT number or address (``SalesError``) and, when
    ``confirmed`` is given, asks about a zero total, a credit note or a missing IBAN
    (``NeedsConfirmation``) until their codes are in ``confirmed``.
    """
    from pipeline.ubl.validate import validate

    invoice = _draft(session, invoice_id)
    _refresh_totals(invoice)
    check_issue(session, invoice, confirmed)
    contact = session.get(SalesContact, invoice.contact_id)
    assert contact is not None
    when = issue_date or date.today()
    try:
        sequence = next_number(session, invoice.client_id, when.year)  # locked until commit
        invoice.year, invoice.sequence = when.year, sequence
        invoice.number = format_number(when.year, sequence)
        invoice.issue_date = when
        if invoice.document_type == INVOICE:
            invoice.due_date = when + timedelta(days=contact.payment_terms_days)
            invoice.payment_reference = ogm_for(invoice.client_id, when.year, sequence)
        computed = _refresh_totals(invoice)
        pdf, xml = render(session, invoice)
        report = validate(xml)
        if not report.ok:
            messages = [f"{f.rule_id}: {f.message}" for f in report.fatal]
            log.info("sales invoice %s refused by the rules: %s", invoice.id, "; ".join(messages[:5]))
            raise IssueRefused(N_("the official e-invoicing rules refuse this invoice"), messages)
        _file(session, settings, invoice, pdf, xml, computed, report)
        invoice.status = ISSUED
        invoice.issued_at = datetime.now(UTC)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("issued %s %s for client %s", invoice.document_type, invoice.number, invoice.client_id)
    return invoice


def _file(session: Session, settings: Settings, invoice: SalesInvoice, pdf: bytes, xml: bytes,
          computed: Totals, report: object) -> None:
    """The PDF as original of a released Document, the UBL as its passed release."""
    import pymupdf

    client = session.get(Client, invoice.client_id)
    assert client is not None
    stored = store_original(settings.data_dir, pdf)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        pages = len(doc)
    now = datetime.now(UTC)
    document = Document(
        client_id=invoice.client_id, sha256=stored.sha256, original_path=stored.relative_path,
        original_filename=f"{invoice.number}.pdf", size_bytes=stored.size, kind=DocumentKind.PDF,
        channel="sales", status=DocumentStatus.RELEASED,
        document_type=DocumentType.CREDIT_NOTE if invoice.document_type == CREDIT_NOTE else DocumentType.INVOICE,
        page_count=pages, supplier_key=client.vat or client.enterprise_number, supplier_name=client.name,
        invoice_number=invoice.number, issue_date=invoice.issue_date, due_date=invoice.due_date,
        total_incl_vat=computed.incl_vat, currency=invoice.currency, released_at=now,
    )
    session.add(document)
    session.flush()
    add_passed_release(session, settings, document.id, xml, report)
    invoice.document_id = document.id


def artefacts(session: Session, settings: Settings, invoice_id: int) -> tuple[str, bytes, bytes]:
    """(base file name, PDF, UBL XML) of an issued invoice, as filed in the library."""
    invoice = session.get(SalesInvoice, invoice_id)
    if invoice is None or invoice.status != ISSUED or invoice.document_id is None:
        raise NotFound(N_("issued sales invoice {id} not found"), params={"id": invoice_id})
    document = session.get(Document, invoice.document_id)
    if document is None:
        raise NotFound(N_("the files of invoice {number} are missing"), params={"number": invoice.number})
    # the UBL as the accountant's library hands it over: checked against the sha256
    # recorded at release; the PDF against the sha256 it was stored under
    _release, xml = released_ubl(session, settings, document)
    try:
        pdf = read_original(settings.data_dir, document.original_path)
    except FileNotFoundError:
        raise NotFound(N_("the PDF of invoice {number} is missing from {folder}"),
                       params={"number": invoice.number, "folder": settings.data_dir},
                       hint=N_("restore DATA_DIR/originals from the backup")) from None
    if sha256_of(pdf) != document.sha256:  # never send or hand over a changed or torn file
        log.error("the stored PDF of sales invoice %s (%s) does not match its sha256", invoice.id, document.original_path)
        raise DamagedRelease(N_("the stored PDF of invoice {number} is damaged: its content no longer matches the "
                                "checksum recorded when it was issued"), params={"number": invoice.number})
    return invoice.number or f"invoice-{invoice.id}", pdf, xml


def list_invoices(session: Session, client_id: int, *, status: str | None = None) -> list[SalesInvoice]:
    query = select(SalesInvoice).where(SalesInvoice.client_id == client_id)
    if status:
        query = query.where(SalesInvoice.status == status)
    return list(session.scalars(query.order_by(SalesInvoice.year.desc(), SalesInvoice.sequence.desc(),
                                               SalesInvoice.id.desc())))


def find_issued(session: Session, client_id: int, number: str) -> SalesInvoice | None:
    return session.scalars(select(SalesInvoice).where(SalesInvoice.client_id == client_id,
                                                      SalesInvoice.number == number)).first()
