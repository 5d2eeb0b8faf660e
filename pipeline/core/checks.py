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
from pipeline.core.i18n import N_
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

# The messages, as templates with named placeholders: extracted for translation (``N_``), filled
# here in English (stored with the field), shown translated by ``pipeline.core.check_words``.
VAT_NO_PREFIX = N_("{number} does not start with a European country code")
VAT_INVALID = N_("{number} is not a valid {country} VAT number: {problem}")
VAT_VALID = N_("{number} has valid {country} check digits")
KBO_FORM = N_("{number} is not 10 digits starting with 0 or 1")
MOD97_FAILS = N_("{number} fails the mod-97 check")
MOD97_PASSES = N_("{number} passes the mod-97 check")
IBAN_INVALID = N_("{iban} is not a valid IBAN: {problem}")
IBAN_VALID = N_("{iban} has a valid IBAN checksum")
BIC_INVALID = N_("{bic} is not a BIC (4 letters bank, 2 country, 2 location, 3 branch)")
BIC_VALID = N_("{bic} has the form of a BIC")
OGM_FORM = N_("{text} does not have the 12 digits of a structured communication")
ISSUE_FUTURE = N_("issue date {issue} lies more than a year in the future")
ISSUE_OLD = N_("issue date {issue} is before 1990")
ISSUE_PLAUSIBLE = N_("issue date {issue} is plausible")
DUE_NO_ISSUE = N_("no issue date to compare the due date with")
DUE_BEFORE = N_("due date {due} is before the issue date {issue}")
DUE_FAR = N_("due date {due} is more than 400 days after {issue}")
DUE_OK = N_("due date {due} is on or after the issue date {issue}")
SAME_DATE_TWICE = N_("the issue date and the due date were both read from the one date {date} printed: check both")
REFERENCE_NEAR_NUMBER = N_("the payment reference {reference} is almost the invoice number {number}, not quite: "
                           "one of the two is misread")
TOTALS_ADD_UP = N_("{net} + {vat} = {total}")
TOTALS_OFF = N_("{net} + {vat} ≠ {total} (off by {diff})")
VAT_LINE_INCOMPLETE = N_("the VAT line lacks a rate, base or amount")
VAT_LINE_OK = N_("{rate}% of {base} = {amount}")
VAT_LINE_WRONG = N_("{rate}% of {base} is {expected}, not {amount}")
BASES_SUM = N_("VAT bases sum to {sum} {expected}")
BASES_SUM_NOT = N_("VAT bases sum to {sum}, not {expected}")
AMOUNTS_SUM = N_("VAT amounts sum to {sum} {expected}")
AMOUNTS_SUM_NOT = N_("VAT amounts sum to {sum}, not {expected}")
BREAKDOWN_INCOMPLETE = N_("the VAT breakdown lacks a base or an amount")
GROSS_SUM = N_("VAT bases plus amounts sum to {sum} {expected}")
GROSS_SUM_NOT = N_("VAT bases plus amounts sum to {sum}, not {expected}")
LINES_SUM = N_("line amounts sum to {sum} {expected}")
LINES_SUM_NOT = N_("line amounts sum to {sum}, not {expected}")
MESSAGES = (VAT_NO_PREFIX, VAT_INVALID, VAT_VALID, KBO_FORM, MOD97_FAILS, MOD97_PASSES, IBAN_INVALID, IBAN_VALID,
            BIC_INVALID, BIC_VALID, OGM_FORM, ISSUE_FUTURE, ISSUE_OLD, ISSUE_PLAUSIBLE, DUE_NO_ISSUE, DUE_BEFORE,
            DUE_FAR, DUE_OK, SAME_DATE_TWICE, REFERENCE_NEAR_NUMBER, TOTALS_ADD_UP, TOTALS_OFF, VAT_LINE_INCOMPLETE, VAT_LINE_OK, VAT_LINE_WRONG, BASES_SUM,
            BASES_SUM_NOT, AMOUNTS_SUM, AMOUNTS_SUM_NOT, BREAKDOWN_INCOMPLETE, GROSS_SUM, GROSS_SUM_NOT, LINES_SUM,
            LINES_SUM_NOT)


# --------------------------------------------------------------------- identifiers
def check_vat(vat: str) -> Check:
    compact = normalise_vat(vat)
    prefix = compact[:2]
    if not identifiers.has_vat_prefix(compact):
        return Check("vat_format", False, VAT_NO_PREFIX.format(number=compact))
    problem = identifiers.vat_problem(compact)
    if problem is not None:
        return Check("vat_check_digits", False, VAT_INVALID.format(number=compact, country=prefix, problem=problem))
    return Check("vat_check_digits", True, VAT_VALID.format(number=compact, country=prefix))


def check_kbo(number: str) -> Check:
    """Belgian enterprise number (KBO/BCE): 10 digits, first 0 or 1, mod 97."""
    digits = normalise_kbo(number)
    if not identifiers.kbo_has_form(digits):
        return Check("kbo_format", False, KBO_FORM.format(number=repr(number)))
    if not identifiers.kbo_valid(digits):
        return Check("kbo_check_digits", False, MOD97_FAILS.format(number=digits))
    return Check("kbo_check_digits", True, MOD97_PASSES.format(number=digits))


def check_iban(iban: str) -> Check:
    compact = normalise_iban(iban)
    problem = identifiers.iban_problem(compact)
    if problem is not None:
        return Check("iban_checksum", False, IBAN_INVALID.format(iban=compact, problem=problem))
    return Check("iban_checksum", True, IBAN_VALID.format(iban=compact))


def check_bic(bic: str) -> Check:
    compact = normalise_iban(bic)
    if not identifiers.bic_valid(compact):
        return Check("bic_format", False, BIC_INVALID.format(bic=compact))
    return Check("bic_format", True, BIC_VALID.format(bic=compact))


def check_ogm(text: str) -> Check:
    digits = re.sub(r"\D", "", text or "")
    if len(digits) != 12:
        return Check("ogm_format", False, OGM_FORM.format(text=repr(text)))
    if not identifiers.ogm_digits_valid(digits):
        return Check("ogm_check_digits", False, MOD97_FAILS.format(number=ogm_from_digits(digits)))
    return Check("ogm_check_digits", True, MOD97_PASSES.format(number=ogm_from_digits(digits)))


# -------------------------------------------------------------------------- dates
def check_issue_date(issue: date, today: date | None = None) -> Check:
    today = today or date.today()
    if issue > today + timedelta(days=400):
        return Check("date_plausible", False, ISSUE_FUTURE.format(issue=issue))
    if issue.year < 1990:
        return Check("date_plausible", False, ISSUE_OLD.format(issue=issue))
    return Check("date_plausible", True, ISSUE_PLAUSIBLE.format(issue=issue))


def check_due_date(issue: date | None, due: date) -> Check:
    if issue is None:
        return Check("due_after_issue", True, DUE_NO_ISSUE)
    if due < issue:
        return Check("due_after_issue", False, DUE_BEFORE.format(due=due, issue=issue))
    if due > issue + timedelta(days=400):
        return Check("due_after_issue", False, DUE_FAR.format(due=due, issue=issue))
    return Check("due_after_issue", True, DUE_OK.format(due=due, issue=issue))


# --------------------------------------------------------------------- arithmetic
def _fmt(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def check_net_plus_vat(net: Decimal, vat: Decimal, total: Decimal, tolerance: Decimal = CENT) -> Check:
    diff = abs(net + vat - total)
    if diff <= tolerance:
        return Check("totals_add_up", True, TOTALS_ADD_UP.format(net=_fmt(net), vat=_fmt(vat), total=_fmt(total)))
    return Check("totals_add_up", False, TOTALS_OFF.format(net=_fmt(net), vat=_fmt(vat), total=_fmt(total), diff=_fmt(diff)))


def vat_amount_matches(base: Decimal, rate: Decimal, amount: Decimal, tolerance: Decimal = CENT) -> bool:
    expected = base * rate / Decimal(100)
    return abs(expected - amount) <= tolerance + Decimal("0.005")


def check_vat_line(line: VatBreakdownLine) -> Check:
    if line.rate is None or line.base is None or line.amount is None:
        return Check("vat_rate_applied", False, VAT_LINE_INCOMPLETE)
    if vat_amount_matches(line.base, line.rate, line.amount):
        return Check("vat_rate_applied", True, VAT_LINE_OK.format(rate=line.rate, base=_fmt(line.base), amount=_fmt(line.amount)))
    expected = (line.base * line.rate / 100).quantize(CENT)
    return Check(
        "vat_rate_applied", False, VAT_LINE_WRONG.format(rate=line.rate, base=_fmt(line.base), expected=_fmt(expected), amount=_fmt(line.amount))
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
        out.append(Check("breakdown_bases_sum", ok, (BASES_SUM if ok else BASES_SUM_NOT).format(sum=_fmt(s), expected=_fmt(net))))
    if vat is not None and amounts and len(amounts) == len(breakdown):
        s = sum(amounts, Decimal(0))
        ok = abs(s - vat) <= tol
        out.append(Check("breakdown_vat_sum", ok, (AMOUNTS_SUM if ok else AMOUNTS_SUM_NOT).format(sum=_fmt(s), expected=_fmt(vat))))
    return out


def check_breakdown_gross(breakdown: Sequence[VatBreakdownLine], total: Decimal) -> Check:
    """Bases plus VAT amounts of the breakdown = the total including VAT."""
    if any(b.base is None or b.amount is None for b in breakdown) or not breakdown:
        return Check("breakdown_gross_sum", False, BREAKDOWN_INCOMPLETE)
    s = sum((b.base + b.amount for b in breakdown), Decimal(0))
    ok = abs(s - total) <= CENT * max(1, len(breakdown))
    return Check("breakdown_gross_sum", ok, (GROSS_SUM if ok else GROSS_SUM_NOT).format(sum=_fmt(s), expected=_fmt(total)))


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
    return Check("lines_sum_to_net", ok, (LINES_SUM if ok else LINES_SUM_NOT).format(sum=_fmt(s), expected=_fmt(net)))
