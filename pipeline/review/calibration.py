"""Fit and load the per-field calibration maps.

The shipped prior is fitted on the development corpora (held-out folds of the ranker,
see ``python -m pipeline calibrate --corpus DIR...``) and shipped as
``calibration_prior.json``: isotonic blocks with Laplace-smoothed accuracy,
(right + 1) / (n + 2), so a field is only called 0.99 sure after about a hundred right
answers at that confidence. A field missing from the prior keeps its raw confidence.

An installation then refits it on its operators' verdicts (``python -m pipeline
calibrate``, and the replay every few saves). A refit must *earn* any trust it adds:

* **evidence, not repetitions**: the latest verdict per (document, field); identical
  verdicts (the same value read the same way and kept — one client's name on every
  invoice) count once together, and one supplier brings at most SUPPLIER_CAP pieces
  of evidence to a field;
* **the prior stays a Bayesian prior**: it weighs as PRIOR_WEIGHT pieces of evidence
  against the verdicts, (right + W·prior) / (n + W), both ways; a map may fall as far as
  the verdicts take it, and rise at most MAX_RAISE above the prior;
* the map only changes where verdicts were seen: above the highest confidence an
  operator judged, the prior stands (no block stretches over confidences it never saw);
* **held-out check**: a refit that raises a field anywhere is adopted only when, fitted
  without each fold of suppliers in turn, it predicts the left-out verdicts no worse than
  the prior (Brier score) and sets no more of them certain-but-wrong (a refit that only
  lowers is adopted at once);
* a field needs MIN_SAMPLES_FOR_CALIBRATION pieces of evidence from MIN_SUPPLIERS
  suppliers first, else it keeps the prior.

Verdicts: every field an operator confirmed or corrected, and — "Confirm and next"
releases the whole form — every field of a person-validated, released document that
the machine had set certain and nobody changed, as weaker evidence
(IMPLICIT_WEIGHT). Without those, only the certain fields that were *wrong* would ever
be recorded at high confidence, and the refit would learn a bias, not the field.
Fields whose confidence came from the supplier's memory, layout or number series, or from
the client's own name, are left out (``fieldstore.OWN_EVIDENCE``, the same set the
calibration is never applied to): their confidence is not the extractor's. Verdicts on fields
read by OCR are kept apart (``field@ocr``), as the prior keeps them: a photo's
certainty is earned on photos, not borrowed from text layers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from zlib import crc32

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CalibrationMap, Correction, Document, ExtractedFieldRow
from models.enums import CorrectionAction, DocumentStatus, FieldSource, FieldState
from pipeline.review.confidence import (
    MIN_SAMPLES_FOR_CALIBRATION,
    PRIOR,
    Calibration,
    fit_isotonic,
)
from pipeline.review.fieldstore import OWN_EVIDENCE

SUPPLIER_CAP = 3.0  # pieces of evidence one supplier brings to one field
PRIOR_WEIGHT = 40.0  # the shipped prior weighs as this many pieces of evidence against the verdicts
MAX_RAISE = 0.02  # a refit never claims more than this above the prior
MIN_SUPPLIERS = 3  # a field's verdicts must come from this many suppliers (or documents without one)
IMPLICIT_WEIGHT = 0.5  # a certain field released by a person who did not change it
HOLDOUT_FOLDS = 5
AUTO_ACCEPT = 0.99  # the release rule's default threshold: what "certain" means in the held-out check
_PAGE_SOURCES = (FieldSource.TEXT_LAYER, FieldSource.OCR)


@dataclass(frozen=True)
class Evidence:
    """One operator verdict on one field: the machine's raw confidence, right or not."""

    raw: float
    right: bool
    weight: float
    group: str  # the supplier (or the document when it has none): folds and the cap
    key: str  # identical verdicts share it (same reading, same outcome)


def load_calibration(session: Session) -> Calibration:
    """Maps learnt from this installation's operators, over the shipped prior per field."""
    points = dict(load_prior().points)
    for row in session.scalars(select(CalibrationMap)):
        points[row.field_name] = [tuple(point) for point in row.points]
    return Calibration(points=points)


def _same(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def evidence(session: Session) -> dict[str, list[Evidence]]:
    """Every field's verdicts, weighted so that repetitions count once (see the module)."""
    latest: dict[tuple[int, str], Correction] = {}
    for correction in session.scalars(select(Correction).order_by(Correction.id)):
        if correction.machine_confidence is not None:
            latest[(correction.document_id, correction.field_name)] = correction
    released = _released_by_person(session)
    documents = {d.id: d for d in session.scalars(select(Document).where(
        Document.id.in_(sorted({doc_id for doc_id, _ in latest} | set(released)))))}
    rows = {(r.document_id, r.name): r for r in session.scalars(select(ExtractedFieldRow).where(
        ExtractedFieldRow.document_id.in_(sorted(documents))))}
    raw: dict[str, list[tuple[float, bool, float, str, str]]] = defaultdict(list)
    for (doc_id, name), correction in latest.items():
        row = rows.get((doc_id, name))
        if row is not None and row.machine_source is not None and row.machine_source not in _PAGE_SOURCES:
            continue  # offered by the supplier's layout, or computed: not the extractor's confidence
        right = correction.action is CorrectionAction.CONFIRM or correction.action == "confirm"
        key_name = _keyed(name, row.machine_source if row is not None else None)
        value = correction.new_value
        key = (f"{_same(value)}|{_same(correction.old_value)}|{right}" if value not in (None, "", [])
               else f"document-{doc_id}")  # nothing to compare: its own piece of evidence
        raw[key_name].append((float(correction.machine_confidence or 0.0), right, 1.0,
                              _group(documents.get(doc_id), doc_id), key))
    released_ids = set(released)
    for (doc_id, name), row in rows.items():
        if doc_id not in released_ids or (doc_id, name) in latest or row.state is not FieldState.CERTAIN:
            continue
        if row.value in (None, "", []) or row.value != row.machine_value or row.raw_confidence is None:
            continue
        if row.source not in _PAGE_SOURCES or any(
                c.get("ok") and c.get("name") in OWN_EVIDENCE for c in row.checks or []):
            continue
        raw[_keyed(name, row.source)].append((float(row.raw_confidence), True, IMPLICIT_WEIGHT,
                          _group(documents.get(doc_id), doc_id), f"{_same(row.value)}|{_same(row.value)}|True"))
    return {name: _weighted(items) for name, items in raw.items()}


def _keyed(name: str, source: object) -> str:
    """Verdicts on OCR readings are kept apart (``field@ocr``): their certainty is earned apart."""
    return f"{name}@{FieldSource.OCR}" if source == FieldSource.OCR else name


def _split(key: str) -> tuple[str, str | None]:
    name, _, source = key.partition("@")
    return name, source or None


def _released_by_person(session: Session) -> list[int]:
    """Documents a person validated (not released by the machine alone) and that were released."""
    return list(session.scalars(select(Document.id).where(
        Document.status == DocumentStatus.RELEASED, Document.auto_released.is_(False),
        Document.id.in_(select(Correction.document_id)))))


def _group(document: Document | None, doc_id: int) -> str:
    return (document.supplier_key if document is not None and document.supplier_key else None) or f"document-{doc_id}"


def _weighted(items: Sequence[tuple[float, bool, float, str, str]]) -> list[Evidence]:
    """Identical verdicts share one piece of evidence; one supplier brings at most SUPPLIER_CAP."""
    per_key: dict[str, float] = defaultdict(float)
    for _, _, weight, _, key in items:
        per_key[key] += weight
    shared = [(raw, right, weight / per_key[key] * min(per_key[key], 1.0), group, key)
              for raw, right, weight, group, key in items]
    per_group: dict[str, float] = defaultdict(float)
    for _, _, weight, group, _ in shared:
        per_group[group] += weight
    return [Evidence(raw, right, weight * min(1.0, SUPPLIER_CAP / per_group[group]), group, key)
            for raw, right, weight, group, key in shared]


def _weighted_blocks(items: Sequence[Evidence]) -> list[list[float]]:
    """Weighted pool-adjacent-violators: [[lowest raw, highest raw, right weight, weight]]."""
    pooled: dict[float, list[float]] = {}
    for item in items:
        entry = pooled.setdefault(item.raw, [0.0, 0.0])
        entry[0] += item.weight * float(item.right)
        entry[1] += item.weight
    blocks: list[list[float]] = []
    for raw in sorted(pooled):
        if pooled[raw][1] <= 0:
            continue
        blocks.append([raw, raw, pooled[raw][0], pooled[raw][1]])
        while len(blocks) > 1 and blocks[-2][2] / blocks[-2][3] > blocks[-1][2] / blocks[-1][3]:
            _, upper, right, total = blocks.pop()
            blocks[-1][1] = upper
            blocks[-1][2] += right
            blocks[-1][3] += total
    return blocks


def refit_points(prior: Calibration, name: str, items: Sequence[Evidence]) -> list[tuple[float, float]]:
    """The prior's map for ``name`` moved by the verdicts, only where verdicts were seen:
    the Bayesian blend of the verdicts and the prior (weighing PRIOR_WEIGHT), up by
    MAX_RAISE at most. Monotone: lowered where it must be,
    except that a raise carries on above the highest verdict to the prior's next step."""
    blocks = _weighted_blocks(items)
    field, source = _split(name)

    def prior_at(raw: float) -> float:
        return prior.apply(field, raw, source)

    def value_at(raw: float) -> float:
        base = prior_at(raw)
        if not blocks or not blocks[0][0] <= raw <= blocks[-1][1]:
            return base  # no verdict at this confidence: the prior
        _, _, right, total = [block for block in blocks if block[0] <= raw][-1]
        posterior = (right + PRIOR_WEIGHT * base) / (total + PRIOR_WEIGHT)
        return min(base + MAX_RAISE, posterior) if posterior > base else posterior

    steps = (prior.points.get(name) if source else None) or prior.points.get(field) or ()
    xs = {0.0, *(upper for upper, _ in steps)}
    xs.update(block[0] for block in blocks)
    if blocks:
        xs.add(round(blocks[-1][1] + 1e-6, 7))  # above the highest verdict: the prior again
    ordered = sorted(x for x in xs if 0.0 <= x <= 1.0)
    values = [value_at(x) for x in ordered]
    # monotone: up to the highest verdict, by lowering (never raising) what comes before;
    # after it, the prior again, held at least at that last value until the prior catches up
    # (a raise, at most MAX_RAISE, carries to the prior's next step)
    last = max((i for i, x in enumerate(ordered) if blocks and x <= blocks[-1][1]), default=len(values) - 1)
    for i in range(last - 1, -1, -1):
        values[i] = min(values[i], values[i + 1])
    for i in range(last + 1, len(values)):
        values[i] = max(values[i], values[i - 1])
    points: list[tuple[float, float]] = []
    for x, v in zip(ordered, values, strict=True):
        if points and abs(points[-1][1] - v) < 1e-12:
            continue  # the same accuracy as the block before: no new point
        points.append((x, v))
    return points


def _fold_of(group: str, folds: int) -> int:
    return crc32(group.encode()) % folds


def held_out_check(prior: Calibration, name: str, items: Sequence[Evidence],
                   threshold: float = AUTO_ACCEPT) -> dict[str, float]:
    """Fit without each fold of suppliers, predict its verdicts: Brier score and certain-but-wrong
    weight of the refit and of the prior on evidence neither saw."""
    field, source = _split(name)
    groups = sorted({item.group for item in items})
    folds = max(2, min(HOLDOUT_FOLDS, len(groups)))
    scores = {"brier_refit": 0.0, "brier_prior": 0.0, "certain_wrong_refit": 0.0,
              "certain_wrong_prior": 0.0, "weight": 0.0}
    for fold in range(folds):
        held = [item for item in items if _fold_of(item.group, folds) == fold]
        kept = [item for item in items if _fold_of(item.group, folds) != fold]
        if not held or not kept:
            continue
        refit = Calibration(points={name: refit_points(prior, name, kept)})
        for item in held:
            predictions = (("refit", refit.apply(name, item.raw)), ("prior", prior.apply(field, item.raw, source)))
            for label, p in predictions:
                scores[f"brier_{label}"] += item.weight * (p - float(item.right)) ** 2
                scores[f"certain_wrong_{label}"] += item.weight * float(p >= threshold and not item.right)
            scores["weight"] += item.weight
    return scores


def fit(session: Session, report: dict[str, dict[str, float]] | None = None,
        threshold: float = AUTO_ACCEPT, prior: Calibration | None = None) -> dict[str, int]:
    """Refit every field with enough evidence whose refit passes the held-out check (a
    refit that only lowers the prior needs none: doubt is never wrong-and-certain);
    returns the evidence (rounded) per adopted field. ``report``: filled per field considered."""
    prior = prior or load_prior()
    fitted: dict[str, int] = {}
    now = datetime.now(UTC)
    session.execute(delete(CalibrationMap))
    for name, items in sorted(evidence(session).items()):
        weight = sum(item.weight for item in items)
        suppliers = len({item.group for item in items})
        entry: dict[str, float] = {"evidence": round(weight, 2), "suppliers": suppliers, "adopted": 0.0}
        if report is not None:
            report[name] = entry
        if weight + 1e-9 < MIN_SAMPLES_FOR_CALIBRATION or suppliers < MIN_SUPPLIERS:
            continue
        points = refit_points(prior, name, items)
        refit = Calibration(points={name: points})
        field, source = _split(name)
        raises = any(refit.apply(name, x) > prior.apply(field, x, source) + 1e-12
                     for x in sorted({x for x, _ in points} | {x for x, _ in prior.points.get(field) or ()}
                                     | {x for x, _ in prior.points.get(name) or ()}))
        if raises:
            check = held_out_check(prior, name, items, threshold)
            entry.update({k: round(v, 4) for k, v in check.items()})
            if (check["brier_refit"] > check["brier_prior"] + 1e-9
                    or check["certain_wrong_refit"] > check["certain_wrong_prior"] + 1e-9):
                continue  # the raise does not hold on suppliers it did not see: the prior stays
        entry["adopted"] = 1.0
        session.add(CalibrationMap(field_name=name, points=[list(p) for p in points],
                                   samples=round(weight), fitted_at=now))
        fitted[name] = round(weight)
    session.flush()
    return fitted


def samples(session: Session) -> dict[str, list[tuple[float, bool]]]:
    """(raw confidence, right) per verdict, unweighted (for figures)."""
    return {name: [(item.raw, item.right) for item in items] for name, items in evidence(session).items()}


# ------------------------------------------------------------ the shipped prior
PRIOR_FILE = Path(__file__).with_name("calibration_prior.json")


def laplace_points(samples: list[tuple[float, bool]]) -> list[tuple[float, float]]:
    """Isotonic blocks with a Laplace (rule of succession) accuracy per block, so a
    block of n right answers claims (n + 1) / (n + 2), never certainty from few samples."""
    blocks = fit_isotonic(samples)
    counts: list[tuple[float, float]] = []
    remaining = sorted(samples)
    index = 0
    for upper, _ in blocks:
        right = total = 0
        while index < len(remaining) and remaining[index][0] <= upper:
            right += int(remaining[index][1])
            total += 1
            index += 1
        counts.append((upper, (right + 1) / (total + 2)))
    # keep it monotone after the smoothing
    monotone: list[tuple[float, float]] = []
    for upper, accuracy in counts:
        monotone.append((upper, max(accuracy, monotone[-1][1]) if monotone else accuracy))
    return monotone


def fit_prior(samples_by_field: dict[str, list[tuple[float, bool]]], minimum: int = 20) -> dict[str, list[list[float]]]:
    return {
        name: [list(point) for point in laplace_points(field_samples)]
        for name, field_samples in sorted(samples_by_field.items())
        if len(field_samples) >= minimum
    }


@lru_cache(maxsize=4)
def load_prior(path: Path = PRIOR_FILE) -> Calibration:
    """The calibration fitted on the development corpora (``calibrate --corpus``)."""
    if not path.exists():
        return PRIOR
    payload = json.loads(path.read_text())
    return Calibration(points={name: [tuple(p) for p in points] for name, points in payload["fields"].items()})
