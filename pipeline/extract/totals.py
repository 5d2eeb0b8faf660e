"""Net, VAT and total: labelled candidates chosen together under arithmetic.

Each of the three totals collects amounts from the regions of its labels. The
combination is chosen jointly: net + VAT = total, the VAT breakdown's bases and
amounts, and the sum of the lines each add evidence, so a weak label that fits the
sums beats a strong one that does not. The checks that held (or failed) are attached
to the chosen fields, and they drive the confidence.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from pipeline import checks
from pipeline.extract.amounts import find_amounts
from pipeline.extract.layout import Layout
from pipeline.extract.regions import LabelAt, regions_for
from pipeline.extract.scoring import Cand, merge_same
from pipeline.extract.table import _header_columns
from pipeline.records import InvoiceLine, VatBreakdownLine

FIELDS = ("total_excl_vat", "total_vat", "total_incl_vat")
CENT = Decimal("0.01")


def amount_candidates(labels: list[LabelAt], layout: Layout, decimal_mark: str | None) -> dict[str, list[Cand]]:
    out: dict[str, list[Cand]] = {f: [] for f in FIELDS}
    for lab in labels:
        if lab.hit.field not in FIELDS:
            continue
        regions = regions_for(lab, layout, max_below=4, decay=0.8)
        if len(_header_columns(lab.row)) >= 3:
            # a column header of the line table: the amounts under it are lines, not totals
            regions = [r for r in regions if r.relation != "below"]
        below = [r for r in regions if r.relation == "below" and find_amounts(r.text, decimal_mark)]
        for region in regions:
            if len(below) > 1 and region is below[-1]:
                region = type(region)(region.label, region.relation, min(0.85, region.weight * 1.4), region.toks, region.text)
            found = find_amounts(region.text, decimal_mark)
            for k, a in enumerate(found[:3]):
                if region.relation == "below" and k > 0:
                    break
                shape = 1.0 if a.decimals == 2 else (0.6 if a.decimals == 0 else 0.8)
                if a.ambiguous:
                    shape *= 0.8
                weight = 1.0 if k == 0 else 0.45
                toks = tuple(t for t in region.toks if any(ch.isdigit() for ch in t.text)) or region.toks
                if len(found) > 1:
                    toks = _toks_of(region, a.text) or toks
                out[lab.hit.field].append(
                    Cand(lab.hit.field, a.value, lab.hit.strength * region.weight * shape * weight, toks, region.text)
                )
    return {f: merge_same(c)[:6] for f, c in out.items()}


def _toks_of(region, text: str) -> tuple:
    parts = text.replace("€", " ").split()
    return tuple(t for t in region.toks if t.text in parts)


def choose(
    cands: dict[str, list[Cand]],
    breakdown: list[VatBreakdownLine],
    breakdown_cands: dict[str, Cand],
    lines: list[InvoiceLine],
) -> dict[str, Cand]:
    """The best (net, VAT, total) under the sums; checks attached to what was chosen."""
    pools: dict[str, list[Cand | None]] = {}
    for f in FIELDS:
        pool: list[Cand | None] = list(cands.get(f, []))
        extra = breakdown_cands.get(f)
        if extra is not None and all(abs(c.value - extra.value) > CENT for c in pool if c is not None):
            pool.append(extra)
        pool.append(None)
        pools[f] = pool
    bd_base = sum((b.base for b in breakdown if b.base is not None), Decimal(0)) if breakdown else None
    bd_vat = sum((b.amount for b in breakdown if b.amount is not None), Decimal(0)) if breakdown else None
    lines_sum = sum((ln.net_amount for ln in lines if ln.net_amount is not None), Decimal(0)) if lines else None
    tol = CENT * max(1, len(breakdown))

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
        if n is not None and lines_sum is not None and abs(n.value - lines_sum) <= CENT * max(1, len(lines)):
            score += 0.3
        if n is not None and t is not None and abs(n.value) > abs(t.value) + CENT and v is not None and v.value >= 0:
            score -= 0.5
        if best is None or score > best[0] + 1e-9:
            best = (score, combo)
    assert best is not None
    n, v, t = best[1]
    chosen = {f: c for f, c in zip(FIELDS, (n, v, t)) if c is not None}
    for f, c in chosen.items():
        c.checks = [x for x in c.checks if x.name not in ("totals_add_up", "breakdown_bases_sum", "breakdown_vat_sum")]
    if n is not None and v is not None and t is not None:
        check = checks.check_net_plus_vat(n.value, v.value, t.value)
        for c in (n, v, t):
            c.checks.append(check)
    if breakdown:
        for check in checks.check_breakdown_sums(breakdown, n.value if n else None, v.value if v else None):
            target = n if check.name == "breakdown_bases_sum" else v
            if target is not None and not (len(breakdown) == 1 and target is breakdown_cands.get(target.field)):
                target.checks.append(check)
    if n is not None and lines and lines_sum is not None:
        check = checks.check_lines_sum(lines, n.value)
        if check.ok:
            n.checks.append(check)
    return chosen
