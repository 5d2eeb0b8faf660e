"""Identifiers of parties and payments: the one home for normalising and checking them.

VAT numbers (every EU country's own rules, plus GB, CH and NO), Belgian enterprise
numbers (KBO/BCE), IBANs, BICs and Belgian structured communications (OGM/VCS,
``+++ddd/dddd/ddddd+++``) are normalised and checked here, on python-stdnum — no
hand-written check digits anywhere else. Callers that need the verdict in words for
an operator wrap these in :mod:`pipeline.core.checks`; the UBL gate
(``pipeline.ubl.belgian``), sales, payments and the extractor call these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from stdnum import bic as std_bic
from stdnum import iban as std_iban
from stdnum.be import iban as be_iban
from stdnum.be import ogm_vcs as std_ogm
from stdnum.be import vat as be_vat
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.no import mva as no_vat

# Country prefixes of EU VAT numbers (Greece writes EL; XI is Northern Ireland).
EU_VAT_PREFIXES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"]
)  # fmt: skip
# Non-EU VAT-like identifiers we accept as values, checked by their own country's rules.
OTHER_VAT: dict[str, ModuleType] = {"GB": gb_vat, "CH": ch_vat, "NO": no_vat}
OTHER_VAT_PREFIXES = frozenset(OTHER_VAT)

_KBO_FORM = re.compile(r"[01]\d{9}")
# a structured communication as people write it, markers and slashes optional around the groups
OGM_RE = re.compile(r"(?:\+{3}|\*{3})?\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(?:\+{3}|\*{3})?")
_OGM_LOOSE = re.compile(r"^(?:\+\+\+|\*\*\*)?\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?:\+\+\+|\*\*\*)?$")


def alnum_upper(value: object) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", str(value or "")).upper()


def folded_name(value: object) -> str:
    """A party's name as two readings of it are compared: lower case, commas and full stops
    as spaces, one space between words ("Renard & Fils, S.R.L." → "renard & fils s r l")."""
    return " ".join(str(value or "").replace(",", " ").replace(".", " ").split()).lower()


# ---------------------------------------------------------------------------- VAT
def normalise_vat(text: str) -> str:
    """``"be 0123.456.749"`` → ``"BE0123456749"``; a bare Belgian 10-digit KBO gets BE."""
    compact = re.sub(r"[\s.\-/_:]", "", text or "").upper()
    if compact.startswith("GR"):
        compact = "EL" + compact[2:]
    if re.fullmatch(r"0?\d{9}", compact) and len(compact) in (9, 10):
        return "BE" + compact.zfill(10)
    if re.fullmatch(r"BE\d{9}", compact):
        return "BE0" + compact[2:]
    return compact


def has_vat_prefix(vat: str) -> bool:
    """Starts with the country code of a VAT number we know (EU, GB, CH, NO)."""
    prefix = normalise_vat(vat)[:2]
    return prefix in EU_VAT_PREFIXES or prefix in OTHER_VAT_PREFIXES


def vat_problem(vat: str) -> str | None:
    """None for a valid VAT number, else why not (python-stdnum's words)."""
    compact = normalise_vat(vat)
    prefix = compact[:2]
    if prefix not in EU_VAT_PREFIXES and prefix not in OTHER_VAT_PREFIXES:
        return f"{compact} does not start with a European country code"
    try:
        (eu_vat if prefix in EU_VAT_PREFIXES else OTHER_VAT[prefix]).validate(compact)
    except ValidationError as error:
        return str(error)
    return None


def vat_valid(vat: str) -> bool:
    return vat_problem(vat) is None


def eu_vat_or_none(vat: str) -> str | None:
    """A valid EU VAT number, normalised (a bare Belgian number gets BE); None when not one."""
    compact = normalise_vat(vat)
    return compact if compact[:2] in EU_VAT_PREFIXES and eu_vat.is_valid(compact) else None


def be_vat_valid(vat: str) -> bool:
    """A Belgian VAT number: ``BE`` + a valid enterprise number (spaces, dots, dashes aside)."""
    text = re.sub(r"[\s.\-]", "", vat or "").upper()
    return bool(re.fullmatch(r"BE[01]\d{9}", text)) and kbo_valid(text[2:])


# ---------------------------------------------------------------------------- KBO/BCE
def normalise_kbo(text: str) -> str:
    """A Belgian enterprise number as 10 digits without prefix or dots (9 old digits get a 0)."""
    digits = re.sub(r"\D", "", text or "")
    return digits.zfill(10) if len(digits) in (9, 10) else digits


def kbo_or_none(value: str | None) -> str | None:
    """Strip ``BE``, dots, spaces; left-pad 9-digit old numbers with 0; None unless 10 digits.
    No validity check."""
    digits = normalise_kbo(value or "")
    return digits if len(digits) == 10 else None


def kbo_has_form(number: str) -> bool:
    """10 digits starting with 0 or 1 (after normalising)."""
    return bool(_KBO_FORM.fullmatch(normalise_kbo(number)))


def kbo_valid(number: str) -> bool:
    """A KBO/BCE enterprise number with valid check digits: 97 − (first eight mod 97).

    python-stdnum's test is the sum mod 97, which also passes check digits 00, 98 and 99
    (the same remainders as 97, 01 and 02); the rule only ever gives 01 to 97."""
    digits = normalise_kbo(number)
    return bool(_KBO_FORM.fullmatch(digits)) and 1 <= int(digits[8:]) <= 97 and be_vat.is_valid(digits)


def kbo_from_vat(vat: str | None) -> str | None:
    """``BE0123456749`` → ``0123456749``; None for a non-Belgian number."""
    compact = normalise_vat(vat or "")
    return compact[2:] if re.fullmatch(r"BE[01]\d{9}", compact) else None


def clean_kbo(number: str) -> str | None:
    """A valid enterprise number as 10 digits, or None (python-stdnum's own compaction)."""
    digits = be_vat.compact(re.sub(r"\D", "", number or ""))
    return digits if kbo_valid(digits) else None


# ---------------------------------------------------------------------------- IBAN, BIC
def normalise_iban(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()


def iban_problem(iban: str) -> str | None:
    """None for a valid IBAN (country length and mod-97 checksum), else why not."""
    try:
        std_iban.validate(normalise_iban(iban))
    except ValidationError as error:
        return str(error)
    return None


def iban_or_none(iban: object) -> str | None:
    """A valid IBAN, compact; None when empty or not valid."""
    compact = normalise_iban(str(iban or ""))
    return compact if compact and iban_problem(compact) is None else None


def bic_valid(bic: str) -> bool:
    return std_bic.is_valid(normalise_iban(bic))


def bic_of_belgian_iban(iban: str | None) -> str | None:
    """The BIC of a Belgian account's bank code, or None (not Belgian, or an unknown bank)."""
    if not iban or not normalise_iban(iban).startswith("BE"):
        return None
    try:
        return be_iban.to_bic(normalise_iban(iban))
    except (ValidationError, LookupError):  # too short to hold a bank code
        return None


# ---------------------------------------------------------------------------- OGM/VCS
def ogm_digits(reference: str) -> str | None:
    """The 12 digits of something written like a structured communication, else None."""
    match = _OGM_LOOSE.match((reference or "").strip())
    return "".join(match.groups()) if match else None


def looks_like_ogm(reference: str) -> bool:
    """Written with the +++ / *** markers, so it is meant as a structured communication."""
    text = (reference or "").strip()
    return text[:3] in ("+++", "***") and ogm_digits(text) is not None


def ogm_check_digits(first10: str) -> str:
    """The two check digits of ten base digits: their remainder mod 97 (97 for 0)."""
    return std_ogm.calc_check_digits(first10.zfill(10))


def ogm_digits_valid(digits: str) -> bool:
    """12 digits whose last two are the check digits of the first ten."""
    digits = re.sub(r"\D", "", digits or "")
    return len(digits) == 12 and ogm_check_digits(digits[:10]) == digits[10:]


def ogm_valid(reference: str) -> bool:
    digits = ogm_digits(reference)
    return digits is not None and ogm_digits_valid(digits)


def ogm_from_digits(digits: str) -> str:
    """Format 12 digits as ``+++ddd/dddd/ddddd+++`` (no validation)."""
    d = re.sub(r"\D", "", digits)
    if len(d) != 12:
        raise ValueError(f"a structured communication has 12 digits, not {len(d)}")
    return f"+++{std_ogm.format(d)}+++"


def format_ogm(reference: str) -> str | None:
    """``+++ddd/dddd/ddddd+++`` for a valid structured communication, else None."""
    digits = ogm_digits(reference)
    return ogm_from_digits(digits) if digits is not None and ogm_digits_valid(digits) else None


def make_ogm(number: int | str) -> str:
    """A valid Belgian structured communication for a number of at most 10 digits."""
    base = re.sub(r"\D", "", str(number))
    if not base or len(base) > 10:
        raise ValueError("a structured communication carries 1 to 10 digits")
    base = base.zfill(10)
    return ogm_from_digits(base + ogm_check_digits(base))


# ---------------------------------------------------------------------------- parties
def supplier_key(values: Mapping[str, Any]) -> str | None:
    """Who sent the invoice, as one key: VAT number, else BE + KBO, else the folded name."""
    vat = alnum_upper(values.get("supplier_vat"))
    if vat:
        return vat[:64]
    kbo = alnum_upper(values.get("supplier_enterprise_number"))
    if kbo:
        return ("BE" + kbo)[:64] if len(kbo) == 10 else kbo[:64]
    name = " ".join(str(values.get("supplier_name") or "").lower().split())
    return f"name:{name}"[:64] if name else None
