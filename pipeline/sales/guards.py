"""What stops a client's invoice going out wrong: bounded fields, refusals and confirmations.

* **Lengths** (:mod:`pipeline.sales.limits`): every text a person types is bounded by
  what the invoice, the UBL and the database hold.
* **Refused** (a Belgian invoice is not valid without them): the seller's VAT number and
  postal address missing; a credit note for more than the invoice it corrects.
* **Asked for** (``NeedsConfirmation``, each with a code the caller passes back once a
  person said yes): a total of 0.00, a credit note (it lowers what the customer owes),
  an invoice without the seller's IBAN (the customer cannot pay it by transfer).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

from sqlalchemy.orm import Session

from models import Client
from models.sales import SalesContact, SalesInvoice
from pipeline.sales.amounts import SalesError
from pipeline.sales.contacts import client_profile
from pipeline.sales.limits import LIMITS, bounded

__all__ = ["CREDIT_NOTE", "LIMITS", "NO_IBAN", "ZERO", "NeedsConfirmation", "bounded", "check_issue", "questions",
           "refusals"]

ZERO, CREDIT_NOTE, NO_IBAN = "zero_total", "credit_note", "no_iban"


class NeedsConfirmation(SalesError):
    """The invoice can go out, but a person must say yes first; ``reasons`` maps a code to the question."""

    code = "needs_confirmation"
    hint = "Read the reasons and confirm them to issue the invoice anyway."

    def __init__(self, reasons: Mapping[str, str]) -> None:
        super().__init__("; ".join(reasons.values()))
        self.reasons = dict(reasons)


def refusals(session: Session, invoice: SalesInvoice) -> list[str]:
    """Why this invoice may not go out at all (empty: it may)."""
    found: list[str] = []
    client = session.get(Client, invoice.client_id)
    profile = client_profile(session, invoice.client_id)
    if client is None or not (client.vat or "").strip():
        found.append("your VAT number is missing: a Belgian invoice must show it (ask your accountant to fill it in)")
    if profile is None or not all((profile.street, profile.postal_code, profile.city)):
        found.append("your address (street, postcode and city) is missing: fill it in under 'My details'")
    if invoice.total_incl_vat is not None and invoice.total_incl_vat < 0:
        found.append(f"the total {invoice.total_incl_vat:.2f} is negative: correct an invoice with a credit note")
    if invoice.document_type == "credit_note" and invoice.credit_of_id is not None:
        original = session.get(SalesInvoice, invoice.credit_of_id)
        if original is not None and (invoice.total_incl_vat or Decimal(0)) > (original.total_incl_vat or Decimal(0)):
            found.append(f"the credit note ({invoice.total_incl_vat:.2f}) is more than invoice {original.number} "
                         f"({original.total_incl_vat:.2f}) it corrects")
    return found


def questions(session: Session, invoice: SalesInvoice) -> dict[str, str]:
    """What a person must confirm before this invoice goes out, by code."""
    asked: dict[str, str] = {}
    total = invoice.total_incl_vat if invoice.total_incl_vat is not None else Decimal(0)
    contact = session.get(SalesContact, invoice.contact_id)
    customer = contact.name if contact is not None else "the customer"
    if invoice.document_type == "credit_note":
        original = session.get(SalesInvoice, invoice.credit_of_id) if invoice.credit_of_id else None
        of = f" of invoice {original.number}" if original is not None and original.number else ""
        asked[CREDIT_NOTE] = f"this credit note{of} lowers what {customer} owes you by {total:.2f} {invoice.currency}"
    elif total == 0:
        asked[ZERO] = f"the total is 0.00 {invoice.currency}: {customer} owes you nothing for this invoice"
    profile = client_profile(session, invoice.client_id)
    if invoice.document_type != "credit_note" and (profile is None or not profile.iban):
        asked[NO_IBAN] = "your IBAN is missing: the invoice shows no account to pay into"
    return asked


def check_issue(session: Session, invoice: SalesInvoice, confirmed: Collection[str] | None) -> None:
    """Raise ``SalesError`` (refused) or ``NeedsConfirmation`` (not confirmed yet); None: it may go out.

    ``confirmed`` None: the caller asks no questions (a script that decided already)."""
    refused = refusals(session, invoice)
    if refused:
        raise SalesError("this invoice cannot be issued: " + "; ".join(refused),
                         hint="Complete the details, then issue it again.")
    if confirmed is None:
        return
    open_questions = {code: text for code, text in questions(session, invoice).items() if code not in confirmed}
    if open_questions:
        raise NeedsConfirmation(open_questions)
