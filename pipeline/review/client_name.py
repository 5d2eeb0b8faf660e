"""The customer of a purchase invoice is the client: a customer name read by OCR is held against the client's name.

The office knows its client's registered name. A name read by OCR that comes close to
it without being it ("oitures Piette SC", "Toitures Piette" for "Toitures Piette SC")
is a misreading far more often than another customer: OCR drops a first letter at a
photo's edge, a legal form on the next line. Such a reading is never left certain (on
phone photos of recurring suppliers, ``bench/replay.py``, four of seven certain-but-
wrong fields were such names): the client's name is offered instead, and the check
says why, so a person confirms it with one key. A name far from the client's (an
invoice addressed to someone else) and any text-layer reading stay as they are.
"""

from __future__ import annotations

from dataclasses import replace
from difflib import SequenceMatcher

from models.enums import FieldSource
from pipeline.core.check_words import CLIENT_NAME_CLOSE
from pipeline.core.records import Check, ExtractedField
from pipeline.review.confidence import SUPPLIER_DOUBT

CHECK = "client_name"
CLOSE = 0.75  # SequenceMatcher ratio of the folded names from which a reading is taken for a misread


def _folded(text: str) -> str:
    return " ".join(str(text).replace(",", " ").replace(".", " ").split()).lower()


def hold_against_client(fields: dict[str, ExtractedField], client_name: str | None) -> bool:
    """Offer the client's name for an OCR customer name close to it but not it, in place; whether it did."""
    found = fields.get("customer_name")
    if not client_name or found is None or not found.value or found.source is not FieldSource.OCR:
        return False
    read, known = _folded(found.value), _folded(client_name)
    if read == known or SequenceMatcher(None, read, known).ratio() < CLOSE:
        return False
    check = Check(CHECK, False, CLIENT_NAME_CLOSE.format(read=found.value, name=client_name))
    fields["customer_name"] = replace(found, value=client_name, confidence=min(found.confidence, SUPPLIER_DOUBT),
                                      checks=(*found.checks, check))
    return True
