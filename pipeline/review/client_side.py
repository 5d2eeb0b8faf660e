"""The customer of a purchase invoice is the client: what was read of the parties is held against the client.

**The client's own VAT number as the supplier's.** A purchase invoice is not issued by
the client: a supplier VAT number equal to the client's is the customer's number taken
for the supplier's (on an untuned photo replay, certain and wrong). It is moved to the
customer's side when that is empty, and the supplier's stays in doubt, said in words.

**The customer's name.**
The office knows its client's registered name and VAT number. A name read by OCR that
comes close to the name without being it ("oitures Piette SC", "Toitures Piette" for
"Toitures Piette SC", "Renard d&" for "Renard & Fils SRL") is a misreading far more often than another customer: OCR drops
a first letter at a photo's edge, a legal form on the next line. The client's name is
put in its place, and the check says what was read:

* when the invoice bears the client's VAT number, read with passing check digits, it
  is addressed to the client: the name comes back as certain as any value a person
  validated (``SUPPLIER_AGREEMENT``);
* otherwise it is offered in doubt, so a person confirms it with one key (on phone
  photos of recurring suppliers, ``bench/replay.py``, four of seven certain-but-wrong
  fields were such names before).

A name read by OCR far from the client's (an invoice addressed to someone else, or label
words taken for a name: "OTE DE CRÉDIT") stays as read but in doubt: on a purchase
invoice of this client it is a misreading more often than not (two of five certain-but-
wrong fields on an untuned photo replay). A text-layer reading (printed so) stays as it is.
"""

from __future__ import annotations

from dataclasses import replace
from difflib import SequenceMatcher

from models.enums import FieldSource
from pipeline.core.check_words import (
    CLIENT_NAME_CLOSE,
    CLIENT_NAME_OTHER,
    CLIENT_NAME_PROVEN,
    CLIENT_OWN_VAT,
)
from pipeline.core.identifiers import alnum_upper, folded_name
from pipeline.core.records import Check, ExtractedField, doubted
from pipeline.review.confidence import SUPPLIER_AGREEMENT, SUPPLIER_DOUBT

CHECK = "client_name"
OWN_VAT_CHECK = "client_own_vat"
CLOSE = 0.75  # SequenceMatcher ratio of the folded names from which a reading is taken for a misread


def _close(read: str, known: str) -> bool:
    """Near enough to be the client's name misread or cut: most letters alike, the same
    first word ("Renard d&" for "Renard & Fils SRL": OCR lost the rest of a line) or a part
    of it ("Digital VZW" for "Leiedal Digital VZW")."""
    first_read, first_known = read.split()[0], known.split()[0]
    return (SequenceMatcher(None, read, known).ratio() >= CLOSE
            or (first_read == first_known and len(first_known) >= 3)
            or set(read.split()) < set(known.split()))


def _bears_client_vat(fields: dict[str, ExtractedField], client_vat: str | None) -> bool:
    found = fields.get("customer_vat")
    return (found is not None and bool(client_vat) and alnum_upper(found.value) == alnum_upper(client_vat)
            and any(check.ok and check.name == "vat_check_digits" for check in found.checks))


def hold_against_client(fields: dict[str, ExtractedField], client_name: str | None,
                        client_vat: str | None = None) -> bool:
    """Hold an OCR customer name that is not the client's against it, in place; whether it did."""
    found = fields.get("customer_name")
    if not client_name or found is None or not found.value or found.source is not FieldSource.OCR:
        return False
    read, known = folded_name(found.value), folded_name(client_name)
    if read == known:
        return False
    if not _close(read, known):  # another name, or words that are no name ("OTE DE CRÉDIT"): a person says
        check = Check(CHECK, False, CLIENT_NAME_OTHER.format(read=found.value, name=client_name))
        fields["customer_name"] = doubted(found, check, SUPPLIER_DOUBT)
        return True
    if _bears_client_vat(fields, client_vat):
        check = Check(CHECK, True, CLIENT_NAME_PROVEN.format(read=found.value, name=client_name))
        confidence = max(found.confidence, SUPPLIER_AGREEMENT)
    else:
        check = Check(CHECK, False, CLIENT_NAME_CLOSE.format(read=found.value, name=client_name))
        confidence = min(found.confidence, SUPPLIER_DOUBT)
    fields["customer_name"] = replace(found, value=client_name, confidence=confidence, checks=(*found.checks, check))
    return True


def hold_supplier_vat_against_client(fields: dict[str, ExtractedField], client_vat: str | None) -> bool:
    """A supplier VAT number that is the client's own: moved to the customer's side, in doubt; whether it was."""
    found = fields.get("supplier_vat")
    if found is None or not client_vat or alnum_upper(found.value) != alnum_upper(client_vat):
        return False
    check = Check(OWN_VAT_CHECK, False, CLIENT_OWN_VAT.format(vat=found.value))
    customer = fields.get("customer_vat")
    if customer is None or not customer.value:
        fields["customer_vat"] = replace(found, name="customer_vat", confidence=min(found.confidence, SUPPLIER_DOUBT),
                                         checks=tuple(c for c in found.checks if c.name == "vat_check_digits"))
    fields["supplier_vat"] = doubted(found, check, SUPPLIER_DOUBT)
    return True
