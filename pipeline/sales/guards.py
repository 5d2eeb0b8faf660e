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
from pipeline.core import check_words as words
from pipeline.core.i18n import N_
from pipeline.sales.amounts import SalesError
from pipeline.sales.contacts import client_profile
from pipeline.sales.limits import LIMITS, bounded

__all__ = ["CREDIT_NOTE", "LIMITS", "NO_IBAN", "ZERO", "NeedsConfirmation", "bounded", "check_issue", "questions",
           "refusals"]

ZERO, CREDIT_NOTE, NO_IBAN = "zero_total", "credit_note", "no_iban"


class NeedsConfirmation(SalesError):
    """The invoice can go out, but a person must say yes first; ``reasons`` maps a code to the question."""

    code = "needs_confirmation"
    hint = N_("Read the reasons and confirm them to issue the invoice anyway.")

    def __init__(self, reasons: Mapping[str, str]) -> None:
        super().__init__(N_("confirm first: {questions}"), params={"questions": list(reasons.values())})
        self.reasons = dict(reasons)


def refusals(session: Session, invoice: SalesInvoice) -> list[str]:
    """Why this invoice may not go out at all (empty: it may)."""
    found: list[str] = []
    client = session.get(Client, invoice.client_id)
    profile = client_profile(session, invoice.client_id)
    if client is None or not (client.vat or "").strip():
        found.append(words.SALES_NO_VAT)
    if profile is None or not all((profile.street, profile.postal_code, profile.city)):
        found.append(words.SALES_NO_ADDRESS)
    if invoice.total_incl_vat is not None and invoice.total_incl_vat < 0:
        found.append(words.SALES_NEGATIVE_TOTAL.format(total=f"{invoice.total_incl_vat:.2f}"))
    if invoice.document_type == "credit_note" and invoice.credit_of_id is not None:
        original = session.get(SalesInvoice, invoice.credit_of_id)
        if original is not None and (invoice.total_incl_vat or Decimal(0)) > (original.total_incl_vat or Decimal(0)):
            found.append(words.SALES_CREDIT_TOO_MUCH.format(credit=f"{invoice.total_incl_vat:.2f}",
                                                            number=original.number,
                                                            total=f"{original.total_incl_vat:.2f}"))
    return found


def questions(session: Session, invoice: SalesInvoice) -> dict[str, str]:
    """What a person must confirm before this invoice goes out, by code."""
    asked: dict[str, str] = {}
    total = invoice.total_incl_vat if invoice.total_incl_vat is not None else Decimal(0)
    contact = session.get(SalesContact, invoice.contact_id)
    customer = contact.name if contact is not None else "?"
    if invoice.document_type == "credit_note":
        original = session.get(SalesInvoice, invoice.credit_of_id) if invoice.credit_of_id else None
        amount = f"{total:.2f} {invoice.currency}"
        asked[CREDIT_NOTE] = (words.SALES_CREDIT_LOWERS_OF.format(number=original.number, customer=customer, amount=amount)
                              if original is not None and original.number else
                              words.SALES_CREDIT_LOWERS.format(customer=customer, amount=amount))
    elif total == 0:
        asked[ZERO] = words.SALES_ZERO_TOTAL.format(currency=invoice.currency, customer=customer)
    profile = client_profile(session, invoice.client_id)
    if invoice.document_type != "credit_note" and (profile is None or not profile.iban):
        asked[NO_IBAN] = words.SALES_NO_IBAN
    return asked


def check_issue(session: Session, invoice: SalesInvoice, confirmed: Collection[str] | None) -> None:
    """Raise ``SalesError`` (refused) or ``NeedsConfirmation`` (not confirmed yet); None: it may go out.

    ``confirmed`` None: the caller asks no questions (a script that decided already)."""
    refused = refusals(session, invoice)
    if refused:
        raise SalesError(N_("this invoice cannot be issued: {reasons}"), params={"reasons": refused},
                         hint=words.SALES_COMPLETE_HINT)
    if confirmed is None:
        return
    open_questions = {code: text for code, text in questions(session, invoice).items() if code not in confirmed}
    if open_questions:
        raise NeedsConfirmation(open_questions)
