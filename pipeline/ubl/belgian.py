"""Belgian identifier checks that no official Peppol or CEN rule makes.

* structured communication ("OGM", "gestructureerde mededeling"):
  ``+++ddd/dddd/ddddd+++``; the last two digits are the first ten mod 97 (97 when 0);
* KBO/BCE enterprise number (Peppol EAS/ICD 0208): 10 digits, starting with 0 or 1,
  last two digits = 97 - (first eight mod 97);
* a Belgian VAT number is ``BE`` + the enterprise number, same check digits.

The rules themselves live in :mod:`pipeline.core.identifiers` (python-stdnum); this
module names what the UBL gate asks of them: an enterprise number in UBL is exactly
10 digits, no dots or prefix.
"""

from __future__ import annotations

import re

from pipeline.core import identifiers

ogm_digits = identifiers.ogm_digits
looks_like_ogm = identifiers.looks_like_ogm
ogm_valid = identifiers.ogm_valid
format_ogm = identifiers.format_ogm
normalise_kbo = identifiers.kbo_or_none
be_vat_valid = identifiers.be_vat_valid
kbo_from_vat = identifiers.kbo_from_vat


def kbo_valid(number: str) -> bool:
    """A KBO/BCE enterprise number as UBL carries it: 10 digits, no prefix, valid mod-97 check digits."""
    return bool(re.fullmatch(r"[01]\d{9}", number or "")) and identifiers.kbo_valid(number)
