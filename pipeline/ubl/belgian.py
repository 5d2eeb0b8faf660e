"""Belgian identifier checks that no official Peppol or CEN rule makes.

* structured communication ("OGM", "gestructureerde mededeling"):
  ``+++ddd/dddd/ddddd+++``; the last two digits are the first ten mod 97 (97 when 0);
* KBO/BCE enterprise number (Peppol EAS/ICD 0208): 10 digits, starting with 0 or 1,
  last two digits = 97 - (first eight mod 97);
* a Belgian VAT number is ``BE`` + the enterprise number, same check digits.
"""

from __future__ import annotations

import re

from pipeline import checks

_OGM_FORMATTED = re.compile(r"^(?:\+\+\+|\*\*\*)(\d{3})/(\d{4})/(\d{5})(?:\+\+\+|\*\*\*)$")
_OGM_LOOSE = re.compile(r"^(?:\+\+\+|\*\*\*)?\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?:\+\+\+|\*\*\*)?$")


def ogm_digits(reference: str) -> str | None:
    """The 12 digits of a structured communication, or None if it does not look like one."""
    match = _OGM_LOOSE.match(reference.strip())
    return "".join(match.groups()) if match else None


def looks_like_ogm(reference: str) -> bool:
    """Written with the +++ / *** markers, so it is meant as a structured communication."""
    text = reference.strip()
    return text[:3] in ("+++", "***") and ogm_digits(text) is not None


def ogm_valid(reference: str) -> bool:
    digits = ogm_digits(reference)
    return digits is not None and checks.check_ogm(digits).ok


def format_ogm(reference: str) -> str | None:
    """``+++ddd/dddd/ddddd+++`` for a valid structured communication, else None."""
    digits = ogm_digits(reference)
    if digits is None or not ogm_valid(digits):
        return None
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def kbo_valid(number: str) -> bool:
    """A KBO/BCE enterprise number: 10 digits, no prefix, valid mod-97 check digits."""
    return bool(re.fullmatch(r"[01]\d{9}", number or "")) and checks.check_kbo(number).ok


def normalise_kbo(value: str | None) -> str | None:
    """Strip ``BE``, dots, spaces; left-pad 9-digit old numbers with 0. No validity check."""
    if not value:
        return None
    digits = re.sub(r"[^0-9]", "", value)
    if len(digits) == 9:
        digits = "0" + digits
    return digits if len(digits) == 10 else None


def be_vat_valid(vat: str) -> bool:
    text = re.sub(r"[\s.\-]", "", vat or "").upper()
    return text.startswith("BE") and kbo_valid(text[2:])


def kbo_from_vat(vat: str | None) -> str | None:
    """The enterprise number inside a Belgian VAT number, if that VAT number is Belgian."""
    return checks.kbo_from_vat(vat) if vat else None
