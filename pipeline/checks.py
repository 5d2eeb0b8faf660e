"""Checks said in words: identifiers (VAT, KBO/BCE, IBAN, BIC, OGM), dates and arithmetic.

Every check returns a :class:`pipeline.records.Check` (name, ok, message) so the
extractor can attach it to a field and the workbench can show why a value is trusted
or doubted. Helpers that normalise or generate identifiers live here too, because
they share the rules with the checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from stdnum import bic as std_bic
from stdnum import iban as std_iban
from stdnum.eu import vat as std_vat
from stdnum.exceptions import ValidationError

from pipeline.records import Check, InvoiceLine, VatBreakdownLine

CENT = Decimal("0.01")

# Country prefixes of EU VAT numbers (Greece writes EL; XI is Northern Ireland).
EU_VAT_PREFIXES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"]
)
# Non-EU VAT-like identifiers we accept as values (checked where stdnum knows them).
OTHER_VAT_PREFIXES = frozenset(["GB", "CH", "NO"])


# ------------------------------------------------------------------- normalising
def _compact(text: str) -> str:
    return re.sub(r"[\s.\-/_:]", "", text or "").upper()


def normalise_vat(text: str) -> str:
    """``"be 0123.456.749"`` → ``"BE0123456749"``; a bare Belgian 10-digit KBO gets BE."""
    compact = _compact(text)
    if compact.startswith("GR"):
        compact = "EL" + compact[2:]
    if re.fullmatch(r"0?\d{9}", compact) and len(compact) in (9, 10):
        return "BE" + compact.zfill(10)
    if compact.startswith("BE") and re.fullmatch(r"BE\d{9}", compact):
        return "BE0" + compact[2:]
    return compact


def normalise_iban(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()


def normalise_kbo(text: str) -> str:
    """A Belgian enterprise number as 10 digits without prefix or dots."""
    digits = re.sub(r"\D", "", text or "")
    return digits.zfill(10) if len(digits) in (9, 10) else digits


def kbo_from_vat(vat: str) -> str | None:
    """``BE0123456749`` → ``0123456749``; ``None`` for a non-Belgian number."""
    compact = normalise_vat(vat)
    if re.fullmatch(r"BE[01]\d{9}", compact):
        return compact[2:]
    return None


# --------------------------------------------------------------------- identifiers
def check_vat(vat: str) -> Check:
    compact = normalise_vat(vat)
    prefix = compact[:2]
    if prefix not in EU_VAT_PREFIXES and prefix not in OTHER_VAT_PREFIXES:
        return Check("vat_format", False, f"{compact} does not start with a European country code")
    if prefix in EU_VAT_PREFIXES:
        try:
            std_vat.validate(compact)
        except ValidationError as exc:
            return Check("vat_check_digits", False, f"{compact} is not a valid {prefix} VAT number: {exc}")
        return Check("vat_check_digits", True, f"{compact} has valid {prefix} check digits")
    module = {"GB": "stdnum.gb.vat", "CH": "stdnum.ch.vat", "NO": "stdnum.no.mva"}[prefix]
    import importlib

    mod = importlib.import_module(module)
    try:
        mod.validate(compact)
    except ValidationError as exc:
        return Check("vat_check_digits", False, f"{compact} is not a valid {prefix} VAT number: {exc}")
    return Check("vat_check_digits", True, f"{compact} has valid {prefix} check digits")


def check_kbo(number: str) -> Check:
    """Belgian enterprise number (KBO/BCE): 10 digits, first 0 or 1, mod 97."""
    digits = normalise_kbo(number)
    if not re.fullmatch(r"[01]\d{9}", digits):
        return Check("kbo_format", False, f"{number!r} is not 10 digits starting with 0 or 1")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        return Check("kbo_check_digits", False, f"{digits} fails the mod-97 check")
    return Check("kbo_check_digits", True, f"{digits} passes the mod-97 check")


def check_iban(iban: str) -> Check:
    compact = normalise_iban(iban)
    try:
        std_iban.validate(compact)
    except ValidationError as exc:
        return Check("iban_checksum", False, f"{compact} is not a valid IBAN: {exc}")
    return Check("iban_checksum", True, f"{compact} has a valid IBAN checksum")


def check_bic(bic: str) -> Check:
    compact = normalise_iban(bic)
    try:
        std_bic.validate(compact)
    except ValidationError:
        return Check("bic_format", False, f"{compact} is not a BIC (4 letters bank, 2 country, 2 location, 3 branch)")
    return Check("bic_format", True, f"{compact} has the form of a BIC")


OGM_RE = re.compile(r"(?:\+{3}|\*{3})?\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(?:\+{3}|\*{3})?")


def _ogm_check_digits(first10: str) -> str:
    rest = int(first10) % 97
    return f"{rest or 97:02d}"


def ogm_from_digits(digits: str) -> str:
    """Format 12 digits as ``+++ddd/dddd/ddddd+++`` (no validation)."""
    d = re.sub(r"\D", "", digits)
    if len(d) != 12:
        raise ValueError(f"a structured communication has 12 digits, not {len(d)}")
    return f"+++{d[:3]}/{d[3:7]}/{d[7:]}+++"


def make_ogm(number: int | str) -> str:
    """A valid Belgian structured communication for a number of at most 10 digits."""
    base = re.sub(r"\D", "", str(number))
    if not base or len(base) > 10:
        raise ValueError("a structured communication carries 1 to 10 digits")
    base = base.zfill(10)
    return ogm_from_digits(base + _ogm_check_digits(base))


def check_ogm(text: str) -> Check:
    digits = re.sub(r"\D", "", text or "")
    if len(digits) != 12:
        return Check("ogm_format", False, f"{text!r} does not have the 12 digits of a structured communication")
    if _ogm_check_digits(digits[:10]) != digits[10:]:
        return Check("ogm_check_digits", False, f"{ogm_from_digits(digits)} fails the mod-97 check")
    return Check("ogm_check_digits", True, f"{ogm_from_digits(digits)} passes the mod-97 check")


# -------------------------------------------------------------------------- dates
def check_issue_date(issue: date, today: date | None = None) -> Check:
    today = today or date.today()
    if issue > today + timedelta(days=400):
        return Check("date_plausible", False, f"issue date {issue} lies more than a year in the future")
    if issue.year < 1990:
        return Check("date_plausible", False, f"issue date {issue} is before 1990")
    return Check("date_plausible", True, f"issue date {issue} is plausible")


def check_due_date(issue: date | None, due: date) -> Check:
    if issue is None:
        return Check("due_after_issue", True, "no issue date to compare the due date with")
    if due < issue:
        return Check("due_after_issue", False, f"due date {due} is before the issue date {issue}")
    if due > issue + timedelta(days=400):
        return Check("due_after_issue", False, f"due date {due} is more than 400 days after {issue}")
    return Check("due_after_issue", True, f"due date {due} is on or after the issue date {issue}")


# --------------------------------------------------------------------- arithmetic
def _fmt(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def check_net_plus_vat(net: Decimal, vat: Decimal, total: Decimal, tolerance: Decimal = CENT) -> Check:
    diff = abs(net + vat - total)
    if diff <= tolerance:
        return Check("totals_add_up", True, f"{_fmt(net)} + {_fmt(vat)} = {_fmt(total)}")
    return Check("totals_add_up", False, f"{_fmt(net)} + {_fmt(vat)} ≠ {_fmt(total)} (off by {_fmt(diff)})")


def vat_amount_matches(base: Decimal, rate: Decimal, amount: Decimal, tolerance: Decimal = CENT) -> bool:
    expected = base * rate / Decimal(100)
    return abs(expected - amount) <= tolerance + Decimal("0.005")


def check_vat_line(line: VatBreakdownLine) -> Check:
    if line.rate is None or line.base is None or line.amount is None:
        return Check("vat_rate_applied", False, "the VAT line lacks a rate, base or amount")
    if vat_amount_matches(line.base, line.rate, line.amount):
        return Check("vat_rate_applied", True, f"{line.rate}% of {_fmt(line.base)} = {_fmt(line.amount)}")
    expected = (line.base * line.rate / 100).quantize(CENT)
    return Check(
        "vat_rate_applied", False, f"{line.rate}% of {_fmt(line.base)} is {_fmt(expected)}, not {_fmt(line.amount)}"
    )


def check_breakdown_sums(
    breakdown: Sequence[VatBreakdownLine], net: Decimal | None, vat: Decimal | None
) -> list[Check]:
    out: list[Check] = []
    tol = CENT * max(1, len(breakdown))
    bases = [b.base for b in breakdown if b.base is not None]
    amounts = [b.amount for b in breakdown if b.amount is not None]
    if net is not None and bases and len(bases) == len(breakdown):
        s = sum(bases, Decimal(0))
        ok = abs(s - net) <= tol
        out.append(Check("breakdown_bases_sum", ok, f"VAT bases sum to {_fmt(s)}{'' if ok else ', not'} {_fmt(net)}"))
    if vat is not None and amounts and len(amounts) == len(breakdown):
        s = sum(amounts, Decimal(0))
        ok = abs(s - vat) <= tol
        out.append(Check("breakdown_vat_sum", ok, f"VAT amounts sum to {_fmt(s)}{'' if ok else ', not'} {_fmt(vat)}"))
    return out


def check_breakdown_gross(breakdown: Sequence[VatBreakdownLine], total: Decimal) -> Check:
    """Bases plus VAT amounts of the breakdown = the total including VAT."""
    if any(b.base is None or b.amount is None for b in breakdown) or not breakdown:
        return Check("breakdown_gross_sum", False, "the VAT breakdown lacks a base or an amount")
    s = sum((b.base + b.amount for b in breakdown), Decimal(0))
    ok = abs(s - total) <= CENT * max(1, len(breakdown))
    return Check("breakdown_gross_sum", ok, f"VAT bases plus amounts sum to {_fmt(s)}{'' if ok else ', not'} {_fmt(total)}")


def line_arithmetic_ok(line: InvoiceLine) -> bool | None:
    """quantity × unit price = net (±1 cent, ±0.5 % for rounded unit prices); None if unknown."""
    if line.quantity is None or line.unit_price is None or line.net_amount is None:
        return None
    product = line.quantity * line.unit_price
    return abs(product - line.net_amount) <= max(CENT, abs(line.net_amount) * Decimal("0.005"))


def check_lines_sum(lines: Iterable[InvoiceLine], net: Decimal) -> Check:
    amounts = [ln.net_amount for ln in lines if ln.net_amount is not None]
    s = sum(amounts, Decimal(0))
    ok = abs(s - net) <= CENT * max(1, len(amounts))
    return Check("lines_sum_to_net", ok, f"line amounts sum to {_fmt(s)}{'' if ok else ', not'} {_fmt(net)}")
