"""Checks said in words: identifiers (VAT, KBO/BCE, IBAN, BIC, OGM), dates and arithmetic.

Every check returns a :class:`pipeline.core.records.Check` (name, ok, message) so the
extractor can attach it to a field and the workbench can show why a value is trusted
or doubted. The identifiers themselves are normalised and checked in one place,
:mod:`pipeline.core.identifiers` (python-stdnum); this module only says the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from pipeline.core import identifiers
from pipeline.core.identifiers import (  # noqa: F401  (callers that still import them from here)
    EU_VAT_PREFIXES,
    OGM_RE,
    OTHER_VAT_PREFIXES,
    kbo_from_vat,
    make_ogm,
    normalise_iban,
    normalise_kbo,
    normalise_vat,
    ogm_from_digits,
)
from pipeline.core.records import Check, InvoiceLine, VatBreakdownLine

CENT = Decimal("0.01")


# --------------------------------------------------------------------- identifiers
def check_vat(vat: str) -> Check:
    compact = normalise_vat(vat)
    prefix = compact[:2]
    if not identifiers.has_vat_prefix(compact):
        return Check("vat_format", False, f"{compact} does not start with a European country code")
    problem = identifiers.vat_problem(compact)
    if problem is not None:
        return Check("vat_check_digits", False, f"{compact} is not a valid {prefix} VAT number: {problem}")
    return Check("vat_check_digits", True, f"{compact} has valid {prefix} check digits")


def check_kbo(number: str) -> Check:
    """Belgian enterprise number (KBO/BCE): 10 digits, first 0 or 1, mod 97."""
    digits = normalise_kbo(number)
    if not identifiers.kbo_has_form(digits):
        return Check("kbo_format", False, f"{number!r} is not 10 digits starting with 0 or 1")
    if not identifiers.kbo_valid(digits):
        return Check("kbo_check_digits", False, f"{digits} fails the mod-97 check")
    return Check("kbo_check_digits", True, f"{digits} passes the mod-97 check")


def check_iban(iban: str) -> Check:
    compact = normalise_iban(iban)
    problem = identifiers.iban_problem(compact)
    if problem is not None:
        return Check("iban_checksum", False, f"{compact} is not a valid IBAN: {problem}")
    return Check("iban_checksum", True, f"{compact} has a valid IBAN checksum")


def check_bic(bic: str) -> Check:
    compact = normalise_iban(bic)
    if not identifiers.bic_valid(compact):
        return Check("bic_format", False, f"{compact} is not a BIC (4 letters bank, 2 country, 2 location, 3 branch)")
    return Check("bic_format", True, f"{compact} has the form of a BIC")


def check_ogm(text: str) -> Check:
    digits = re.sub(r"\D", "", text or "")
    if len(digits) != 12:
        return Check("ogm_format", False, f"{text!r} does not have the 12 digits of a structured communication")
    if not identifiers.ogm_digits_valid(digits):
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
