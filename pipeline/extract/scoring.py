"""Candidates and how their evidence becomes a field's confidence.

Raw evidence (label strength × relation weight × value shape) is combined with the
reading confidence of the words and with the checks: a failing checksum or sum caps
the confidence low, an agreeing one lifts it. The numbers are deliberately
conservative: a field reaches 0.95 only when a check backs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from models.enums import FieldSource
from pipeline.core.records import Check, ExtractedField
from pipeline.extract.layout import Layout, Tok, union

# checks that prove a value (not merely that it is well-formed)
STRONG_CHECKS = frozenset(
    {
        "iban_checksum",
        "vat_check_digits",
        "kbo_check_digits",
        "ogm_check_digits",
        "totals_add_up",
        "breakdown_bases_sum",
        "breakdown_vat_sum",
        "breakdown_gross_sum",
        "vat_rate_applied",
        "lines_sum_to_net",
        "value_repeated",
        "vat_side_settled",
        "label_value_agree",
        "currency_consistent",
        "number_repeated",
        "dates_terms_agree",
        "dateline",  # a letter's "Town, date", the town that of an address printed on it
        "sale_timestamp",  # a till slip's only date, printed with the time of the sale
        "title_date",  # "Rechnung Nr. 123 vom 06.10.2018": the invoice's title, its number, its date
    }
)


# the sums that tie the totals together: each one a reading of the amount independent of
# its label and place, which the ranker (judging every candidate alone) never saw
ARITHMETIC_CHECKS = frozenset(
    {
        "totals_add_up",
        "breakdown_bases_sum",
        "breakdown_vat_sum",
        "breakdown_gross_sum",
        "lines_sum_to_net",
    }
)
# odds one agreeing sum multiplies a total's probability by, from two agreeing up. Chosen
# low: on the photos of a recurring-supplier replay (bench/replay.py, seed 61) every total
# with two or more sums agreeing and no check failing was right (456 of 456, 45 of them
# below 0.9 as the ranker had them)
SUM_ODDS = 10.0

# the ranker's confidence without a passing strong check
UNCHECKED_CEILING = 0.88
NAME_CEILING = 0.85
NAME_FIELDS = frozenset({"supplier_name", "customer_name"})
SIDE_FIELDS = frozenset({"supplier_vat", "customer_vat"})


@dataclass
class Cand:
    field: str
    value: Any
    score: float  # raw evidence 0..1
    toks: tuple[Tok, ...] = ()
    raw: str = ""
    checks: list[Check] = field(default_factory=list)
    origin: str = "rule"  # "rule": proposed by a label rule; "any": every value of the type on the page
    cut: bool = False  # the value is the start of a longer text in its place (a reference cut short)
    prob: float | None = (
        None  # the learned ranker's calibrated probability that the value is right
    )

    @property
    def page(self) -> int | None:
        return self.toks[0].page if self.toks else None

    @property
    def reading_conf(self) -> float:
        return min((t.conf for t in self.toks), default=1.0)


def merge_same(cands: list[Cand], key: Any = None) -> list[Cand]:
    """One candidate per value; evidence from several places is combined (noisy-or)."""
    groups: dict[Any, list[Cand]] = {}
    for c in cands:
        groups.setdefault(key(c.value) if key else c.value, []).append(c)
    out: list[Cand] = []
    for group in groups.values():
        group.sort(key=lambda c: -c.score)
        best = group[0]
        rest = 1.0
        for c in group:
            rest *= 1.0 - c.score
        combined = 1.0 - rest
        score = best.score + (combined - best.score) * 0.5
        origin = "rule" if any(c.origin == "rule" for c in group) else best.origin
        out.append(
            Cand(
                best.field,
                best.value,
                min(score, 0.97),
                best.toks,
                best.raw,
                list(best.checks),
                origin,
                best.cut,
            )
        )
    out.sort(key=lambda c: -c.score)
    return out


def agreeing_sums(checks: Iterable[Check]) -> int:
    """How many independent sums agree on an amount; 0 when any of its checks failed."""
    checks = list(checks)
    if any(not c.ok for c in checks):
        return 0
    return len({c.name for c in checks if c.name in ARITHMETIC_CHECKS})


def proven_by_sums(prob: float, checks: list[Check]) -> float:
    """A total's probability as the ranker judged it alone, updated by the sums it was chosen
    under: ×SUM_ODDS on the odds per agreeing sum, when two or more agree and no check
    failed (one sum alone is what chose it, and proves little more)."""
    agreeing = agreeing_sums(checks)
    if agreeing < 2 or prob <= 0.0:
        return prob
    odds = prob / max(1e-9, 1.0 - prob) * SUM_ODDS**agreeing
    return odds / (1.0 + odds)


def confidence(cand: Cand, ceiling: float = 0.9) -> float:
    """Evidence → confidence. With the learned ranker's calibrated probability, that
    probability, held down only by a failing check or a poor reading; otherwise the
    hand-set rule: without a passing strong check it stays ≤ ``ceiling``."""
    if cand.prob is not None:
        conf = cand.prob
        failed = [c for c in cand.checks if not c.ok]
        if failed:
            conf = min(conf, 0.5) * (0.8 ** len(failed))
        if cand.reading_conf < 0.9:
            conf = min(conf, 0.93)
        if cand.cut:
            conf = min(conf, 0.8)  # a value cut from a longer text is never certain
        proving = [c for c in cand.checks if c.ok and c.name in STRONG_CHECKS]
        if cand.field in SIDE_FIELDS:
            # valid check digits prove the number, not whose it is
            proving = [c for c in proving if c.name != "vat_check_digits"]
        if not proving:
            # the probability is calibrated on generated layouts and the development set;
            # on a layout from elsewhere only a check proves a value (≥ 0.95 needs one, as
            # for the hand-set scores). A name has none: its certainty comes from a
            # supplier validated before, not from the model
            conf = min(
                conf, NAME_CEILING if cand.field in NAME_FIELDS else UNCHECKED_CEILING
            )
        elif len(proving) == 1:
            conf = min(
                conf, 0.99
            )  # one check: at most 1 in 100; two agreeing may go further
        return max(0.0, min(conf, 0.995))
    conf = min(cand.score, ceiling)
    reading = cand.reading_conf
    conf *= 0.4 + 0.6 * reading if reading < 0.999 else 1.0
    failed = [c for c in cand.checks if not c.ok]
    strong_ok = [c for c in cand.checks if c.ok and c.name in STRONG_CHECKS]
    if failed:
        conf = min(conf, 0.5) * (0.8 ** (len(failed) - 1))
    elif strong_ok:
        lift = 0.35 if len(strong_ok) == 1 else 0.2
        conf = 1.0 - (1.0 - conf) * lift
        if reading < 0.9:
            conf = min(conf, 0.93)
    if cand.cut:
        conf = min(conf, 0.8)  # a value cut from a longer text is never certain
    return max(0.0, min(conf, 0.995))


def to_field(
    cand: Cand, layout: Layout, ceiling: float = 0.9, source: FieldSource | None = None
) -> ExtractedField:
    page = cand.page
    boxes = [t.bbox for t in cand.toks if t.page == page]
    src = source or (layout.source(page) if page is not None else FieldSource.COMPUTED)
    return ExtractedField(
        name=cand.field,
        value=cand.value,
        confidence=round(confidence(cand, ceiling), 4),
        source=src,
        page=page,
        bbox=union(boxes),
        checks=tuple(cand.checks),
        raw_text=cand.raw or None,
    )
