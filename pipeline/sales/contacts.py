"""Customers of a client and the client's own invoicing details, checked on the way in.

VAT and enterprise numbers are checked with python-stdnum through
``pipeline.core.identifiers`` (check digits, and the country's own format for EU VAT
numbers); IBANs with their mod-97 check and, for Belgian accounts, the BIC is looked
up from the bank code when none is given.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client
from models.sales import ClientProfile, SalesContact
from pipeline.core import identifiers
from pipeline.core.i18n import N_
from pipeline.sales.amounts import SalesError
from pipeline.sales.limits import bounded

log = logging.getLogger(__name__)


def clean_vat(vat: str | None) -> str | None:
    """A VAT number normalised ("BE0123456749"); SalesError when its check digits are wrong."""
    if not vat or not vat.strip():
        return None
    compact = identifiers.eu_vat_or_none(vat)
    if compact is None:
        raise SalesError(N_("VAT number {vat} is not valid (check digits or format)"), params={"vat": repr(vat)})
    return compact


def clean_kbo(number: str | None) -> str | None:
    """An enterprise number (KBO/BCE) as 10 digits; SalesError when its check digits are wrong."""
    if not number or not number.strip():
        return None
    digits = identifiers.clean_kbo(number)
    if digits is None:
        raise SalesError(N_("enterprise number {number} is not valid (mod-97 check)"), params={"number": repr(number)})
    return digits


def clean_iban(iban: str | None) -> str | None:
    if not iban or not iban.strip():
        return None
    compact = identifiers.iban_or_none(iban)
    if compact is None:
        raise SalesError(N_("IBAN {iban} is not valid"), params={"iban": repr(iban)})
    return compact


def bic_for(iban: str | None, bic: str | None) -> str | None:
    """The BIC given (checked), else the one of a Belgian bank code, else None."""
    if bic and bic.strip():
        compact = identifiers.normalise_iban(bic)
        if not identifiers.bic_valid(compact):
            raise SalesError(N_("BIC {bic} is not valid"), params={"bic": repr(bic)})
        return compact
    return identifiers.bic_of_belgian_iban(iban)


@dataclass(frozen=True)
class ContactInput:
    name: str
    vat: str | None = None
    enterprise_number: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "BE"
    email: str | None = None
    payment_terms_days: int = 30


def save_contact(session: Session, client_id: int, data: ContactInput, contact_id: int | None = None) -> SalesContact:
    """Create (or update) a customer of ``client_id`` after checking its identifiers."""
    name = bounded(data.name, "customer name")
    if not name:
        raise SalesError(N_("a customer needs a name"))
    street, postal_code = bounded(data.street, "street"), bounded(data.postal_code, "postal code")
    city = bounded(data.city, "city")
    if not 0 <= data.payment_terms_days <= 365:
        raise SalesError(N_("payment terms are between 0 and 365 days"))
    vat = clean_vat(data.vat)
    kbo = clean_kbo(data.enterprise_number)
    if kbo is None and vat and vat.startswith("BE"):
        kbo = vat[2:]
    country = (data.country or "BE").strip().upper()[:2]
    if vat and vat[:2] not in (country, "EL" if country == "GR" else country):
        raise SalesError(N_("VAT number {vat} does not belong to country {country}"), params={"vat": vat, "country": country})
    email = bounded(data.email, "e-mail address")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise SalesError(N_("{email} is not an e-mail address"), params={"email": repr(email)})
    if contact_id is None:
        contact = SalesContact(client_id=client_id)
        session.add(contact)
    else:
        found = session.get(SalesContact, contact_id)
        if found is None or found.client_id != client_id:
            raise SalesError(N_("customer {id} not found"), params={"id": contact_id})
        contact = found
    contact.name, contact.vat, contact.enterprise_number = name, vat, kbo
    contact.street, contact.postal_code, contact.city = street, postal_code, city
    contact.country, contact.email, contact.payment_terms_days = country, email, data.payment_terms_days
    session.flush()
    return contact


def contacts(session: Session, client_id: int) -> list[SalesContact]:
    return list(session.scalars(select(SalesContact).where(SalesContact.client_id == client_id)
                                .order_by(SalesContact.name)))


def find_contact(session: Session, client_id: int, name_or_id: str) -> SalesContact | None:
    query = select(SalesContact).where(SalesContact.client_id == client_id)
    if name_or_id.isdigit():
        found = session.scalars(query.where(SalesContact.id == int(name_or_id))).first()
        if found is not None:
            return found
    return session.scalars(query.where(SalesContact.name == name_or_id)).first()


def client_profile(session: Session, client_id: int) -> ClientProfile | None:
    return session.scalars(select(ClientProfile).where(ClientProfile.client_id == client_id)).first()


def save_client_profile(
    session: Session,
    client_id: int,
    *,
    street: str | None = None,
    postal_code: str | None = None,
    city: str | None = None,
    country: str = "BE",
    email: str | None = None,
    iban: str | None = None,
    bic: str | None = None,
) -> ClientProfile:
    """The client's address, e-mail and bank account (what its invoices and payments show)."""
    if session.get(Client, client_id) is None:
        raise SalesError(N_("client {id} not found"), params={"id": client_id})
    profile = client_profile(session, client_id)
    if profile is None:
        profile = ClientProfile(client_id=client_id)
        session.add(profile)
    clean = clean_iban(iban)
    profile.street, profile.postal_code = bounded(street, "street"), bounded(postal_code, "postal code")
    profile.city = bounded(city, "city")
    profile.country = (country or "BE").strip().upper()[:2]
    profile.email = bounded(email, "e-mail address")
    profile.iban, profile.bic = clean, bic_for(clean, bic)
    session.flush()
    return profile
