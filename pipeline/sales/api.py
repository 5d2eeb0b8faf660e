"""Outgoing invoices for a signed-in ``Principal``: the door the workbench page uses.

Who may: an admin, the accountant of the client's office, and the client itself.
The validation centre (operators, supervisors) validates incoming documents only.
Each call is one unit of work and returns plain frozen records.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from models.enums import Role
from models.sales import SalesContact, SalesInvoice
from pipeline.api._common import current_settings, require_client, require_role, work
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import NotFound
from pipeline.core.i18n import N_
from pipeline.sales import contacts as contacts_mod
from pipeline.sales import invoices as invoices_mod
from pipeline.sales.contacts import ContactInput
from pipeline.sales.invoices import LineInput

ROLES = (Role.ACCOUNTANT, Role.CLIENT)


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    vat: str | None
    enterprise_number: str | None
    address: str
    country: str
    email: str | None
    payment_terms_days: int


@dataclass(frozen=True)
class ProfileView:
    street: str | None
    postal_code: str | None
    city: str | None
    country: str
    email: str | None
    iban: str | None
    bic: str | None


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    document_type: str
    status: str
    number: str | None
    customer: str
    issue_date: date | None
    due_date: date | None
    total_incl_vat: Decimal | None
    payment_reference: str | None
    payment_status: str | None
    sent_to: str | None
    credit_of: str | None


def _contact_row(c: SalesContact) -> ContactRow:
    address = ", ".join(p for p in (c.street, " ".join(x for x in (c.postal_code, c.city) if x)) if p)
    return ContactRow(c.id, c.name, c.vat, c.enterprise_number, address, c.country, c.email, c.payment_terms_days)


def _row(session, invoice: SalesInvoice) -> InvoiceRow:  # type: ignore[no-untyped-def]
    contact = session.get(SalesContact, invoice.contact_id)
    credit_of = session.get(SalesInvoice, invoice.credit_of_id) if invoice.credit_of_id else None
    return InvoiceRow(invoice.id, invoice.document_type, invoice.status, invoice.number,
                      contact.name if contact else "?", invoice.issue_date, invoice.due_date, invoice.total_incl_vat,
                      invoice.payment_reference, invoice.payment_status, invoice.sent_to,
                      credit_of.number if credit_of else None)


def _invoice(session, principal: Principal, invoice_id: int) -> SalesInvoice:  # type: ignore[no-untyped-def]
    require_role(principal, *ROLES)
    invoice = session.get(SalesInvoice, invoice_id)
    if invoice is None:
        raise NotFound(N_("sales invoice {id} not found"), params={"id": invoice_id})
    require_client(session, principal, invoice.client_id)
    return invoice


def list_contacts(principal: Principal, client_id: int) -> list[ContactRow]:
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        return [_contact_row(c) for c in contacts_mod.contacts(session, client_id)]


def save_contact(principal: Principal, client_id: int, data: ContactInput, contact_id: int | None = None) -> ContactRow:
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        contact = contacts_mod.save_contact(session, client_id, data, contact_id)
        audit(session, principal.user_id, "sales_contact_saved", f"client:{client_id}", contact.name)
        return _contact_row(contact)


def profile(principal: Principal, client_id: int) -> ProfileView | None:
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        found = contacts_mod.client_profile(session, client_id)
        return None if found is None else ProfileView(found.street, found.postal_code, found.city, found.country,
                                                      found.email, found.iban, found.bic)


def save_profile(principal: Principal, client_id: int, **details: str | None) -> ProfileView:
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        saved = contacts_mod.save_client_profile(session, client_id, **details)  # type: ignore[arg-type]
        audit(session, principal.user_id, "client_profile_saved", f"client:{client_id}", saved.iban)
        return ProfileView(saved.street, saved.postal_code, saved.city, saved.country, saved.email, saved.iban,
                           saved.bic)


def list_sales(principal: Principal, client_id: int) -> list[InvoiceRow]:
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        return [_row(session, i) for i in invoices_mod.list_invoices(session, client_id)]


def create_invoice(principal: Principal, client_id: int, contact_id: int, lines: Sequence[LineInput], *,
                   note: str | None = None) -> InvoiceRow:
    """A draft invoice (issue it with ``issue_invoice``)."""
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        return _row(session, invoices_mod.create_draft(session, client_id, contact_id, lines, note=note))


def issue_invoice(principal: Principal, invoice_id: int, *, issue_date: date | None = None,
                  confirmed: Collection[str] | None = None) -> InvoiceRow:
    """Number, render, validate and file; ``IssueRefused`` with the rules' messages.

    ``confirmed``: the questions (``pipeline.sales.guards``: zero total, credit note, no
    IBAN) a person answered yes; given, an unanswered one raises ``NeedsConfirmation``."""
    with work() as session:
        invoice = _invoice(session, principal, invoice_id)
        issued = invoices_mod.issue(session, current_settings(), invoice.id, issue_date=issue_date,
                                    confirmed=confirmed)
        audit(session, principal.user_id, "sales_invoice_issued", f"sales:{issued.id}", issued.number)
        return _row(session, issued)


def credit_invoice(principal: Principal, invoice_id: int, *, note: str | None = None) -> InvoiceRow:
    """A full credit note for an issued invoice, as a draft."""
    with work() as session:
        invoice = _invoice(session, principal, invoice_id)
        return _row(session, invoices_mod.create_credit_note(session, invoice.id, note=note))


def delete_draft(principal: Principal, invoice_id: int) -> None:
    with work() as session:
        invoices_mod.delete_draft(session, _invoice(session, principal, invoice_id).id)


def files(principal: Principal, invoice_id: int) -> tuple[str, bytes, bytes]:
    """(base name, PDF, UBL XML) of an issued invoice."""
    with work() as session:
        invoice = _invoice(session, principal, invoice_id)
        audit(session, principal.user_id, "sales_invoice_download", f"sales:{invoice.id}")
        return invoices_mod.artefacts(session, current_settings(), invoice.id)


def send(principal: Principal, invoice_id: int, *, to: str | None = None) -> str:
    """E-mail an issued invoice (SMTP_* settings); the address it went to."""
    from pipeline.sales.mail import send_invoice

    with work() as session:
        invoice = _invoice(session, principal, invoice_id)
        recipient = send_invoice(session, current_settings(), invoice.id, to=to)
        audit(session, principal.user_id, "sales_invoice_sent", f"sales:{invoice.id}", recipient)
        return recipient
