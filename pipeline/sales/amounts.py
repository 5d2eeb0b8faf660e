"""Money of an outgoing invoice: line amounts, the VAT breakdown, legal mentions, OGM.

Pure functions, no database. Money is ``Decimal``; every line's net amount is rounded
half-up to the cent, and the VAT of each (category, rate) group is computed once on
the group's taxable base and rounded half-up (the Belgian way, and what EN 16931
BR-CO-17 checks: VAT = base x rate, to the cent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import N_
from pipeline.core.identifiers import make_ogm
from pipeline.core.records import VatBreakdownLine

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
BELGIAN_RATES = (Decimal(21), Decimal(12), Decimal(6), Decimal(0))

# category → (VATEX code, legal mention printed on the invoice and written as BT-120)
LEGAL_MENTIONS = {
    "AE": "Btw verlegd – art. 51 §2 WBTW / Autoliquidation",
    "K": "Intracommunautaire levering – art. 39bis WBTW / Livraison intracommunautaire exemptée",
}
CATEGORIES = ("S", "Z", "E", "AE", "K")


class SalesError(BoekbrugError, ValueError):
    """A value that cannot be part of an invoice as it stands (wrong rate, no lines …)."""

    code = "invalid_sales_value"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal = Decimal(0)) -> Decimal:
    """quantity x unit price, less the line discount, rounded half-up to the cent."""
    if not Decimal(0) <= discount_percent <= HUNDRED:
        raise SalesError(N_("a discount of {percent}% is not between 0 and 100"), params={"percent": discount_percent})
    return money(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


def check_rate(rate: Decimal, category: str) -> str:
    """The category (upper case) when rate and category go together under Belgian VAT."""
    cat = (category or "S").strip().upper()
    if cat not in CATEGORIES:
        raise SalesError(N_("VAT category {category} is not one of {categories}"),
                         params={"category": repr(cat), "categories": ", ".join(CATEGORIES)})
    if cat == "S" and rate not in BELGIAN_RATES[:3]:
        raise SalesError(N_("{rate}% is not a Belgian VAT rate (21, 12 or 6; 0 with category Z, E, AE or K)"),
                         params={"rate": rate})
    if cat != "S" and rate != 0:
        raise SalesError(N_("category {category} is charged at 0%, not {rate}%"), params={"category": cat, "rate": rate})
    return cat


@dataclass(frozen=True)
class LineAmounts:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    vat_category: str
    net: Decimal


@dataclass(frozen=True)
class Totals:
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal
    breakdown: tuple[VatBreakdownLine, ...]

    @property
    def mentions(self) -> tuple[str, ...]:
        """The legal mentions the invoice must print (reverse charge, intra-EU supply)."""
        return tuple(line.exemption_reason for line in self.breakdown if line.exemption_reason)


def totals(lines: Iterable[LineAmounts]) -> Totals:
    """VAT breakdown per (category, rate), VAT rounded half-up per group; then the totals."""
    groups: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.vat_category, line.vat_rate)
        groups[key] = groups.get(key, Decimal(0)) + line.net
    if not groups:
        raise SalesError(N_("an invoice needs at least one line"))
    breakdown = []
    for (category, rate), base in sorted(groups.items(), key=lambda item: (-item[0][1], item[0][0])):
        vat = money(base * rate / HUNDRED)
        reason = LEGAL_MENTIONS.get(category)
        if category == "E":
            reason = "Vrijgesteld van btw – art. 44 WBTW / Exonéré de TVA"
        breakdown.append(VatBreakdownLine(rate=rate, base=money(base), amount=vat, category=category,
                                          exemption_reason=reason))
    excl = sum((b.base or Decimal(0) for b in breakdown), Decimal(0))
    vat_total = sum((b.amount or Decimal(0) for b in breakdown), Decimal(0))
    return Totals(excl, vat_total, excl + vat_total, tuple(breakdown))


# ---------------------------------------------------------------- structured communication
def ogm_for(client_id: int, year: int, sequence: int) -> str:
    """A structured communication ``+++ddd/dddd/ddddd+++`` unique per client, year and number.

    The ten base digits are ``YY`` + the number on six digits + the client id on two
    digits; the check digits are the base mod 97 (97 when the remainder is 0).
    """
    if not 0 < sequence < 1_000_000:
        raise SalesError(N_("invoice sequence {sequence} does not fit a structured communication"),
                         params={"sequence": sequence})
    return make_ogm(f"{year % 100:02d}{sequence:06d}{client_id % 100:02d}")
