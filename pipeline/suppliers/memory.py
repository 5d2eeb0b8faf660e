"""Supplier memory: what an office learnt of a supplier from validated documents.

Values that agree with the memory are trusted more (a VAT number, name or IBAN seen
on earlier validated invoices of the same supplier); a known supplier asking to be
paid on a new IBAN is flagged loudly — the classic invoice fraud.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import SupplierProfile
from models.enums import FieldSource
from pipeline.core.check_words import MEMORY_NAME_MISREAD, MEMORY_NAME_UNREAD
from pipeline.core.identifiers import alnum_upper as _alnum
from pipeline.core.identifiers import folded_name, supplier_key
from pipeline.core.records import Check, ExtractedField

TRUSTED_CONFIDENCE = 0.995  # a value equal to what operators validated before
NAME_MISREAD = 0.8  # SequenceMatcher ratio of folded names from which an OCR reading is the known name misread
NAME_GUESS = 0.3  # below this the extractor itself doubts the name it offers: a guess, not a reading
# "no currency printed; EUR assumed" (pipeline.extract): settled by the supplier's validated invoices, all in EUR
ASSUMED_CURRENCY = "currency_default"
PROVING_CHECKS = frozenset({"vat_check_digits", "kbo_check_digits", "iban_checksum"})


def find_profile(session: Session, office_id: int, key: str | None) -> SupplierProfile | None:
    if not key:
        return None
    return session.scalars(
        select(SupplierProfile).where(SupplierProfile.office_id == office_id, SupplierProfile.supplier_key == key)
    ).first()


def match_profile(session: Session, office_id: int, values: Mapping[str, Any]) -> SupplierProfile | None:
    """This office's profile of the supplier of ``values``: by its key (VAT, else KBO, else
    name), else by VAT or KBO number, IBAN or name printed on it (a key read wrongly, or a
    supplier first seen without VAT number).

    A profile found by its key that no validated invoice filled yet (``documents_seen`` 0:
    places learnt while an operator was still working on a first invoice whose VAT number
    was not read, kept under the supplier's name) does not end the search: the validated
    profile its IBAN or name points to is the supplier's."""
    stub = find_profile(session, office_id, supplier_key(values))
    if stub is not None and (stub.documents_seen or 0) >= 1:
        return stub
    vat, kbo, iban = (_alnum(values.get(name)) for name in ("supplier_vat", "supplier_enterprise_number", "iban"))
    name = " ".join(str(values.get("supplier_name") or "").lower().split())
    if kbo and len(kbo) == 10:
        found = find_profile(session, office_id, "BE" + kbo)
        if found is not None:
            return found
    if not (vat or kbo or iban or name):
        return stub
    profiles = session.scalars(select(SupplierProfile).where(SupplierProfile.office_id == office_id)).all()
    for matches in (
        lambda p: bool(vat) and _alnum(p.vat) == vat,
        lambda p: bool(kbo) and _alnum(p.enterprise_number) == kbo,
        lambda p: bool(iban) and _alnum(p.iban) == iban,
        lambda p: bool(name) and " ".join(str(p.name or "").lower().split()) == name,
    ):
        hits = [p for p in profiles if matches(p) and p is not stub]
        if len(hits) == 1:  # one supplier only: an IBAN or name shared by two says nothing
            return hits[0]
    return stub


def memory_checks(profile: SupplierProfile | None, values: Mapping[str, Any]) -> dict[str, list[Check]]:
    """Checks against the memory, per field: agreement (ok) or a loud disagreement."""
    if profile is None or profile.documents_seen < 1:
        return {}
    checks: dict[str, list[Check]] = {}
    iban = _alnum(values.get("iban"))
    if iban and profile.iban:
        if iban == profile.iban:
            checks["iban"] = [Check("supplier_memory", True, "IBAN as on earlier validated invoices of this supplier")]
        else:
            checks["iban"] = [
                Check(
                    "supplier_iban_changed",
                    False,
                    f"This supplier was validated before with IBAN {profile.iban}; this invoice asks for "
                    f"{iban}. Confirm the new account with the supplier by phone before anyone pays (invoice fraud).",
                )
            ]
    name = " ".join(str(values.get("supplier_name") or "").split()).lower()
    if name and profile.name and name == " ".join(profile.name.split()).lower():
        checks["supplier_name"] = [Check("supplier_memory", True, "name as on earlier validated invoices")]
    currency = str(values.get("currency") or "").upper()
    known = _known_currency(profile)
    if currency and known and currency == known[0]:
        checks["currency"] = [Check("supplier_memory", True, f"{currency}, as on the {known[1]} earlier validated "
                                                             "invoice(s) of this supplier")]
    for field_name in ("supplier_vat", "supplier_enterprise_number"):
        value = _alnum(values.get(field_name))
        known = _alnum(profile.vat if field_name == "supplier_vat" else profile.enterprise_number)
        if value and known and value == known:
            checks[field_name] = [Check("supplier_memory", True, "as on earlier validated invoices")]
    return checks


def _known_currency(profile: SupplierProfile) -> tuple[str, int] | None:
    """The currency of every validated invoice of this supplier so far, and how many there were.

    Kept beside the learnt layout (``field_positions``, keyed by field) as a value, not a
    place: a currency sign is printed next to every amount."""
    entry = (profile.field_positions or {}).get("currency")
    if isinstance(entry, Mapping) and entry.get("value") and entry.get("documents"):
        return str(entry["value"]), int(entry["documents"])
    return None


def _remember_currency(profile: SupplierProfile, currency: object) -> None:
    code = str(currency or "").upper()
    if not code:
        return
    known = _known_currency(profile)
    seen = known[1] + 1 if known and known[0] == code else 1  # another currency starts over
    profile.field_positions = {**(profile.field_positions or {}), "currency": {"value": code, "documents": seen}}


def apply_supplier_memory(fields: dict[str, ExtractedField], profile: SupplierProfile | None) -> None:
    """Trust values that agree with the memory more; doubt loudly those that contradict it."""
    values = {name: found.value for name, found in fields.items()}  # as read: a name put back is said once
    _restore_misread_name(fields, profile)
    for name, checks in memory_checks(profile, values).items():
        found = fields.get(name)
        if found is None:
            continue
        agrees = all(check.ok for check in checks)
        confidence = max(found.confidence, TRUSTED_CONFIDENCE) if agrees else min(found.confidence, 0.5)
        kept = found.checks
        if agrees and name == "currency":  # EUR assumed where none is printed, as on every validated one before
            kept = tuple(check for check in found.checks if check.name != ASSUMED_CURRENCY)
        fields[name] = replace(found, confidence=confidence, checks=(*kept, *checks))


def _identified_by(fields: Mapping[str, ExtractedField], profile: SupplierProfile, *, iban: bool) -> bool:
    """The supplier is the profile's by a number that proves itself: its VAT or enterprise
    number (``iban``: or its IBAN) read with passing check digits and equal to the one validated before."""
    known = {"supplier_vat": profile.vat, "supplier_enterprise_number": profile.enterprise_number}
    if iban:
        known["iban"] = profile.iban
    for name, value in known.items():
        found = fields.get(name)
        if (found is not None and value and _alnum(found.value) == _alnum(value)
                and any(check.ok and check.name in PROVING_CHECKS for check in found.checks)):
            return True
    return False


def _restore_misread_name(fields: dict[str, ExtractedField], profile: SupplierProfile | None) -> None:
    """Put back the name validated for this supplier where this invoice's reading of it is
    missing, a part of it ("Mertens &", "Hermans NV" for "Adviesbureau Hermans NV": a
    letterhead's name on two lines, a big logo font) or, read by OCR, a letter or two off
    ("Menuiserie Lambcrt") or only the extractor's guess (below ``NAME_GUESS``: "Votre
    référence", a web address, the customer's name), on an invoice whose VAT or enterprise number (for a misread
    letter, also its IBAN), read with passing check digits, is the one validated for this
    supplier: the name belongs to that number, so it comes back as certain as any value
    equal to what operators validated, and the check says what was read. Without such
    proof, or a name further off than ``NAME_MISREAD`` and not a part of the known one (a
    renamed supplier, another name), the reading stays as it is, to be checked."""
    if profile is None or not profile.name or profile.documents_seen < 1:
        return
    found = fields.get("supplier_name")
    read, known = folded_name(found.value if found else None), folded_name(profile.name)
    if read == known:
        return
    partial = not read or set(read.split()) < set(known.split())
    misread = (bool(read) and found is not None and found.source is FieldSource.OCR
               and SequenceMatcher(None, read, known).ratio() >= NAME_MISREAD)
    # the extractor's own guess (a label, a web address, the customer's name): no reading to keep
    guessed = found is not None and found.confidence < NAME_GUESS
    if not (partial or misread or guessed) or not _identified_by(fields, profile, iban=misread):
        return
    if found is None or not read:
        check = Check("supplier_memory", True, MEMORY_NAME_UNREAD.format(name=profile.name))
        fields["supplier_name"] = ExtractedField("supplier_name", profile.name, TRUSTED_CONFIDENCE,
                                                 FieldSource.SUPPLIER_MEMORY, checks=(check,))
        return
    check = Check("supplier_memory", True, MEMORY_NAME_MISREAD.format(read=found.value, name=profile.name))
    fields["supplier_name"] = replace(found, value=profile.name, confidence=max(found.confidence, TRUSTED_CONFIDENCE),
                                      checks=(*found.checks, check))


def profile_for(session: Session, office_id: int, key: str, values: Mapping[str, Any]) -> SupplierProfile:
    """The office's profile of this supplier, created if it has none — atomically: two first
    invoices of one supplier released at the same moment share one profile (insert-or-get)."""
    profile = match_profile(session, office_id, values)
    if profile is not None:
        return profile
    try:
        with session.begin_nested():
            profile = SupplierProfile(office_id=office_id, supplier_key=key, usual_vat_rates=[], field_positions={})
            session.add(profile)
    except IntegrityError:  # another release created it in the meantime
        profile = session.scalars(
            select(SupplierProfile).where(SupplierProfile.office_id == office_id, SupplierProfile.supplier_key == key)
        ).one()
    return profile


def remember(session: Session, office_id: int, values: Mapping[str, Any]) -> SupplierProfile | None:
    """Learn from a validated document's values."""
    key = supplier_key(values)
    if not key:
        return None
    profile = profile_for(session, office_id, key, values)
    _fold_stub(session, office_id, values, profile)
    profile.name = str(values.get("supplier_name") or profile.name or "")[:255] or None
    profile.vat = _alnum(values.get("supplier_vat")) or profile.vat
    profile.enterprise_number = _alnum(values.get("supplier_enterprise_number")) or profile.enterprise_number
    profile.address = values.get("supplier_address") or profile.address
    profile.iban = _alnum(values.get("iban")) or profile.iban
    profile.bic = _alnum(values.get("bic")) or profile.bic
    rates = set(profile.usual_vat_rates or [])
    for line in values.get("vat_breakdown") or []:
        if isinstance(line.rate, Decimal):
            rates.add(format(line.rate.normalize(), "f"))
    profile.usual_vat_rates = sorted(rates)
    _remember_currency(profile, values.get("currency"))
    profile.documents_seen = (profile.documents_seen or 0) + 1
    profile.updated_at = datetime.now(UTC)
    session.flush()
    return profile


def _fold_stub(session: Session, office_id: int, values: Mapping[str, Any], profile: SupplierProfile) -> None:
    """The places learnt under the supplier's name before its VAT number was entered (a
    profile no validated invoice filled) join the validated profile; the stub goes."""
    name_key = supplier_key({"supplier_name": values.get("supplier_name")})
    stub = find_profile(session, office_id, name_key) if name_key else None
    if stub is None or stub is profile or (stub.documents_seen or 0) >= 1:
        return
    profile.field_positions = {**(stub.field_positions or {}), **(profile.field_positions or {})}
    session.delete(stub)
    session.flush()


def remember_positions(session: Session, office_id: int, values: Mapping[str, Any],
                       positions: Mapping[str, Mapping[str, Any]]) -> None:
    """Where operators found each field on this supplier's invoice, and how it was printed:
    {field: layout entry} (see ``pipeline.suppliers.positions``), newest validation first."""
    key = supplier_key(values)
    if not key or not positions:
        return
    profile = profile_for(session, office_id, key, values)
    profile.field_positions = {**(profile.field_positions or {}), **positions}
    session.flush()
