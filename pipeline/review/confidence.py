"""Field confidence, calibration and the release rule.

Calibration turns the extractor's raw confidence into the probability that the
value is right, per field, fitted on what operators did (kept vs corrected) by
isotonic regression (``python -m pipeline calibrate``). With too little history
for a field the documented prior is used: the raw confidence itself, since the
extractor is tuned to be under-confident and every failed check already drags
it down (measured on the development set by ``python -m pipeline evaluate``).

A field is *certain* when its calibrated confidence is at least AUTO_ACCEPT and
none of its checks failed; so AUTO_ACCEPT = 0.99 means at most 1 in 100
auto-accepted fields is wrong, and the second-look sample measures whether that holds.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from models.enums import DocumentType, FieldState
from pipeline.core.fields import REQUIRED_FIELDS

MIN_SAMPLES_FOR_CALIBRATION = 30
OPERATOR_STATES = (FieldState.CONFIRMED, FieldState.CORRECTED)
RELEASABLE_STATES = (FieldState.CERTAIN, *OPERATOR_STATES)


@dataclass(frozen=True)
class Calibration:
    """Monotone step map from raw confidence to observed accuracy, per field."""

    points: Mapping[str, Sequence[tuple[float, float]]]

    def apply(self, field_name: str, raw: float, source: object = None) -> float:
        """``source``: how the value was read ("ocr", "text_layer"); a map of its own for
        that reading (``field@ocr``) is used where there is one: OCR misreads what a text
        layer never does, so its certainty is earned apart."""
        steps = (self.points.get(f"{field_name}@{source}") if source else None) or self.points.get(field_name)
        if not steps:
            return raw
        uppers = [upper for upper, _ in steps]
        # conservative: the last block whose upper bound the raw value reaches (a raw
        # confidence between two observed blocks gets the lower one's accuracy)
        index = bisect_right(uppers, raw) - 1
        return steps[max(index, 0)][1]


PRIOR = Calibration(points={})


def fit_isotonic(samples: Iterable[tuple[float, bool]]) -> list[tuple[float, float]]:
    """Pool-adjacent-violators: [(raw upper bound, accuracy)] non-decreasing in raw."""
    pooled: dict[float, list[float]] = {}
    for raw, correct in samples:  # equal raw confidences form one block
        entry = pooled.setdefault(raw, [0.0, 0.0])
        entry[0] += float(correct)
        entry[1] += 1.0
    blocks: list[list[float]] = []  # [upper_raw, sum_correct, count]
    for raw in sorted(pooled):
        blocks.append([raw, pooled[raw][0], pooled[raw][1]])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] > blocks[-1][1] / blocks[-1][2]:
            upper, total, count = blocks.pop()
            blocks[-1][0] = upper
            blocks[-1][1] += total
            blocks[-1][2] += count
    return [(upper, total / count) for upper, total, count in blocks]


def field_state(value: object, confidence: float, checks: Sequence[Mapping[str, object]], threshold: float) -> FieldState:
    if value in (None, "", []):
        return FieldState.MISSING
    if any(not check.get("ok", True) for check in checks):
        return FieldState.FAILED_CHECK
    return FieldState.CERTAIN if confidence >= threshold else FieldState.UNCERTAIN


@dataclass(frozen=True)
class FieldView:
    """What the release rule needs of a field."""

    name: str
    state: FieldState
    confidence: float


def blocking_fields(document_type: DocumentType, fields: Mapping[str, FieldView]) -> list[str]:
    """Fields that stop the release: required ones not certain/confirmed, and any
    present field whose checks failed and that no operator confirmed."""
    blocking = [
        name
        for name in REQUIRED_FIELDS[document_type]
        if name not in fields or fields[name].state not in RELEASABLE_STATES
    ]
    blocking += [
        name
        for name, view in fields.items()
        if view.state is FieldState.FAILED_CHECK and name not in blocking
    ]
    return blocking


def expected_errors(document_type: DocumentType, fields: Mapping[str, FieldView]) -> float:
    """Expected number of wrong fields among those that need a look."""
    total = 0.0
    for name in blocking_fields(document_type, fields):
        view = fields.get(name)
        if view is None or view.state is FieldState.MISSING:
            total += 1.0
        elif view.state is FieldState.FAILED_CHECK:
            total += max(0.5, 1.0 - view.confidence)
        else:
            total += 1.0 - view.confidence
    return total


# ----------------------------------------------------- a supplier's learnt layout agrees
SUPPLIER_AGREEMENT = 0.995  # the general reading and the supplier's layout agree, every check passing
SUPPLIER_OFFERED = 0.9  # only the layout found it: offered, never certain on its own
SUPPLIER_DOUBT = 0.5  # the layout reads another value at the field's place
MIN_AGREEING_CONFIDENCE = 0.2  # below this the extractor was guessing; agreement does not rescue a guess
# a place learnt from a field nobody looked at (released with the whole form) is weaker evidence:
# it only confirms a reading the extractor was already fairly sure of
MIN_AGREEING_RELEASED = 0.5


def supplier_agreement(confidence: float, checks: Iterable[object], *, weak: bool = False) -> float:
    """The confidence of a value that the general extractor found and that is also printed
    where an operator validated this field on the supplier's earlier invoice, after the same
    label and in the same format (``pipeline.suppliers.layout``).

    Two independent readings agreeing may make the field certain, but only when none of
    its own checks failed (checksums, totals adding up, dates against terms): a position
    alone never vouches for a value, and a failed check still decides. ``weak``: the place
    was learnt from a field released untouched, not looked at (MIN_AGREEING_RELEASED)."""
    if confidence < (MIN_AGREEING_RELEASED if weak else MIN_AGREEING_CONFIDENCE) or any(not getattr(check, "ok", True) for check in checks):
        return confidence
    return max(confidence, SUPPLIER_AGREEMENT)


def supplier_doubt(confidence: float) -> float:
    """The layout reads another value where this supplier prints the field: a person decides."""
    return min(confidence, SUPPLIER_DOUBT)
