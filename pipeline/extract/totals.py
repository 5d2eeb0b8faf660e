"""Net, VAT and total: labelled candidates chosen together under arithmetic.

Each of the three totals collects amounts from the regions of its labels. The
combination is chosen jointly: net + VAT = total, the VAT breakdown's bases and
amounts, and the sum of the lines each add evidence, so a weak label that fits the
sums beats a strong one that does not. The checks that held (or failed) are attached
to the chosen fields, and they drive the confidence.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from pipeline.core import checks
from pipeline.core.records import Check, InvoiceLine, VatBreakdownLine
from pipeline.extract.amounts import find_amounts
from pipeline.extract.layout import Layout
from pipeline.extract.regions import LabelAt, regions_for
from pipeline.extract.scoring import Cand, merge_same
from pipeline.extract.table import _header_columns
from pipeline.extract.text import fold

_BASE_HEADER = re.compile(
    r"\b(?:basis|base|grondslag|maatstaf|bemessungsgrundlage|taxable|netto)\b.*\b(?:btw|tva|vat|mwst|ust|tax)\b|\b(?:btw|tva|vat|mwst|ust|tax|taux|tarief|rate|satz)\b.*\b(?:basis|base|grondslag|bemessungsgrundlage|taxable)\b"
)
FIELDS = ("total_excl_vat", "total_vat", "total_incl_vat")
CENT = Decimal("0.01")


def amount_candidates(
    labels: list[LabelAt], layout: Layout, decimal_mark: str | None
) -> dict[str, list[Cand]]:
    out: dict[str, list[Cand]] = {f: [] for f in FIELDS}
    for lab in labels:
        if lab.hit.field not in FIELDS:
            continue
        regions = regions_for(lab, layout, max_below=4, decay=0.8)
        if len(_header_columns(lab.row)) >= 3 or _breakdown_header(lab.row):
            # a column header of the line table: the amounts under it are lines, not totals
            regions = [r for r in regions if r.relation != "below"]
        below = [
            r
            for r in regions
            if r.relation == "below" and find_amounts(r.text, decimal_mark)
        ]
        for region in regions:
            if len(below) > 1 and region is below[-1]:
                region = type(region)(
                    region.label,
                    region.relation,
                    min(0.85, region.weight * 1.4),
                    region.toks,
                    region.text,
                )
            found = find_amounts(region.text, decimal_mark)
            for k, a in enumerate(found[:3]):
                if region.relation == "below" and k > 0:
                    break
                shape = 1.0 if a.decimals == 2 else (0.6 if a.decimals == 0 else 0.8)
                if a.ambiguous:
                    shape *= 0.8
                weight = 1.0 if k == 0 else 0.45
                toks = (
                    tuple(t for t in region.toks if any(ch.isdigit() for ch in t.text))
                    or region.toks
                )
                if len(found) > 1:
                    toks = _toks_of(region, a.text) or toks
                out[lab.hit.field].append(
                    Cand(
                        lab.hit.field,
                        a.value,
                        lab.hit.strength * region.weight * shape * weight,
                        toks,
                        region.text,
                    )
                )
    return {f: merge_same(c)[:6] for f, c in out.items()}


def _breakdown_header(row) -> bool:
    """``Btw | Basis | Btw | Totaal``: short column words naming a base and a VAT column."""
    short = len(row.cells) >= 3 and all(len(c.text.split()) <= 3 for c in row.cells)
    return short and bool(_BASE_HEADER.search(fold(row.text)))


def _toks_of(region, text: str) -> tuple:
    parts = text.replace("€", " ").split()
    return tuple(t for t in region.toks if t.text in parts)


def independent(cand: Cand | None, rows: list) -> bool:
    """The total was read under its own label, not from the breakdown rows' tokens."""
    if (
        cand is None
        or not cand.toks
        or any(c.name == "computed_from_breakdown" for c in cand.checks)
    ):
        return False
    mine = {id(t) for r in rows for t in r.toks}
    return not any(id(t) in mine for t in cand.toks)


def rounding_amounts(
    labels: list[LabelAt], layout: Layout, decimal_mark: str | None
) -> list[Decimal]:
    """Amounts printed next to a rounding label (``Rounding Adj -0.01``, ``Afronding 0,02``)."""
    out: list[Decimal] = []
    for lab in labels:
        if lab.hit.field != "rounding":
            continue
        for region in regions_for(lab, layout, max_below=0):
            found = find_amounts(region.text, decimal_mark)
            if found and abs(found[0].value) < Decimal("0.10") and found[0].value != 0:
                out.append(found[0].value)
                break
    return out


def _apply_rounding(
    total: Cand, pool: list[Cand | None], rounding: list[Decimal]
) -> Cand:
    """Cash rounding printed after the total: the amount due is the total plus the rounding,
    when that amount is itself printed as a total."""
    for r in rounding:
        after = next(
            (
                c
                for c in pool
                if c is not None
                and abs(c.value - (total.value + r)) <= Decimal("0.005")
            ),
            None,
        )
        if after is not None and after is not total:
            after.checks = [x for x in after.checks if x.name != "totals_add_up"]
            after.checks.append(
                Check(
                    "rounding_applied",
                    True,
                    f"{total.value} rounded by {r} = {after.value}",
                )
            )
            return after
        # the amount due was chosen itself: the total before rounding is printed above it
        before = next(
            (
                c
                for c in pool
                if c is not None
                and c is not total
                and abs(c.value + r - total.value) <= Decimal("0.005")
            ),
            None,
        )
        if before is not None and not any(
            x.name == "rounding_applied" for x in total.checks
        ):
            total.checks = [x for x in total.checks if x.name != "totals_add_up"]
            total.checks.append(
                Check(
                    "rounding_applied",
                    True,
                    f"{before.value} rounded by {r} = {total.value}",
                )
            )
            return total
    return total


def choose(
    cands: dict[str, list[Cand]],
    breakdown: list[VatBreakdownLine],
    breakdown_cands: dict[str, Cand],
    lines: list[InvoiceLine],
    rounding: list[Decimal] = (),
) -> dict[str, Cand]:
    """The best (net, VAT, total) under the sums; checks attached to what was chosen."""
    pools: dict[str, list[Cand | None]] = {}
    for f in FIELDS:
        pool: list[Cand | None] = list(cands.get(f, []))
        extra = breakdown_cands.get(f)
        if extra is not None and all(
            abs(c.value - extra.value) > CENT for c in pool if c is not None
        ):
            pool.append(extra)
        pool.append(None)
        pools[f] = pool
    bd_base = (
        sum((b.base for b in breakdown if b.base is not None), Decimal(0))
        if breakdown
        else None
    )
    bd_vat = (
        sum((b.amount for b in breakdown if b.amount is not None), Decimal(0))
        if breakdown
        else None
    )
    lines_sum = (
        sum((ln.net_amount for ln in lines if ln.net_amount is not None), Decimal(0))
        if lines
        else None
    )
    tol = CENT * max(1, len(breakdown))
    # a breakdown of several rates is a sum of its own, not the totals printed again: a net
    # and VAT that are its sums and add up to the total are all but proven, whatever the
    # scores of one rate's row that adds up as well (a table's first row under "Nettobetrag")
    several_rates = len(breakdown) >= 2

    best: tuple[float, tuple[Cand | None, ...]] | None = None
    for combo in itertools.product(*(pools[f] for f in FIELDS)):
        n, v, t = combo
        score = sum(c.score for c in combo if c is not None)
        if n is not None and v is not None and t is not None:
            score += 1.2 if abs(n.value + v.value - t.value) <= CENT else -0.3
        elif n is not None and t is not None and n.value == t.value and v is None:
            score -= 0.1
        if n is not None and bd_base is not None:
            score += 0.5 if abs(n.value - bd_base) <= tol else 0.0
        if v is not None and bd_vat is not None:
            score += 0.5 if abs(v.value - bd_vat) <= tol else 0.0
        if (
            several_rates
            and n is not None
            and v is not None
            and t is not None
            and abs(n.value - bd_base) <= tol
            and abs(v.value - bd_vat) <= tol
            and abs(n.value + v.value - t.value) <= CENT
        ):
            score += 3.0
        if (
            n is not None
            and lines_sum is not None
            and abs(n.value - lines_sum) <= CENT * max(1, len(lines))
        ):
            score += 0.3
        if (
            n is not None
            and t is not None
            and abs(n.value) > abs(t.value) + CENT
            and v is not None
            and v.value >= 0
        ):
            score -= 0.5
        if best is None or score > best[0] + 1e-9:
            best = (score, combo)
    assert best is not None
    n, v, t = best[1]
    if n is None and v is not None and t is not None and v.value == 0:
        # no VAT charged: the total is the net amount
        n = Cand(
            "total_excl_vat",
            t.value,
            min(t.score, 0.5),
            t.toks,
            t.raw,
            [
                Check(
                    "net_from_zero_vat",
                    True,
                    f"VAT is 0.00, so the net amount is the total {t.value}",
                )
            ],
        )
    chosen = {f: c for f, c in zip(FIELDS, (n, v, t)) if c is not None}
    for f, c in chosen.items():
        c.checks = [
            x
            for x in c.checks
            if x.name
            not in ("totals_add_up", "breakdown_bases_sum", "breakdown_vat_sum")
        ]
    if n is not None and v is not None and t is not None:
        check = checks.check_net_plus_vat(n.value, v.value, t.value)
        for c in (n, v, t):
            c.checks.append(check)
    if t is not None and rounding:
        rounded = _apply_rounding(t, pools["total_incl_vat"], list(rounding))
        if rounded is not t:
            chosen["total_incl_vat"] = rounded
    if breakdown:
        for check in checks.check_breakdown_sums(
            breakdown, n.value if n else None, v.value if v else None
        ):
            target = n if check.name == "breakdown_bases_sum" else v
            if target is not None and not (
                len(breakdown) == 1 and target is breakdown_cands.get(target.field)
            ):
                target.checks.append(check)
    contradicted = any(
        not x.ok and x.name in ("breakdown_bases_sum", "breakdown_vat_sum")
        for c in (n, v) if c is not None for x in c.checks
    )
    if t is not None and several_rates and contradicted:
        # net and VAT of one rate's row add up to that row's total, not to the invoice's
        t.checks.append(checks.check_breakdown_gross(breakdown, t.value))
    elif (
        t is not None
        and n is not None
        and v is not None
        and breakdown
        and all(c.ok for c in n.checks + v.checks + t.checks)
    ):
        gross = checks.check_breakdown_gross(breakdown, t.value)
        if (
            gross.ok
            and any(x.name == "breakdown_bases_sum" for x in n.checks)
            and any(x.name == "breakdown_vat_sum" for x in v.checks)
        ):
            t.checks.append(gross)
    if n is not None and lines and lines_sum is not None:
        check = checks.check_lines_sum(lines, n.value)
        if check.ok:
            n.checks.append(check)
    return chosen
