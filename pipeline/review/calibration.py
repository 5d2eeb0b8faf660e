"""Fit and load the per-field calibration maps.

Every field an operator looked at is a sample: (raw confidence, kept as read?).
``fit`` turns them into a monotone map per field by isotonic regression; a field
with fewer than MIN_SAMPLES_FOR_CALIBRATION verdicts keeps the prior.

The prior is fitted on the development corpora (../shared/data and generated
Belgian invoices, scored against their ground truth) by ``python -m pipeline
calibrate --corpus DIR...`` and shipped as ``calibration_prior.json``: isotonic
blocks with Laplace-smoothed accuracy, (right + 1) / (n + 2), so a field is only
called 0.99 sure after about a hundred right answers at that confidence. A field
missing from the prior keeps its raw confidence.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CalibrationMap, Correction
from pipeline.review.confidence import (
    MIN_SAMPLES_FOR_CALIBRATION,
    PRIOR,
    Calibration,
    fit_isotonic,
)


def load_calibration(session: Session) -> Calibration:
    """Maps learnt from this installation's operators, over the shipped prior per field."""
    points = dict(load_prior().points)
    for row in session.scalars(select(CalibrationMap)):
        points[row.field_name] = [tuple(point) for point in row.points]
    return Calibration(points=points)


def samples(session: Session) -> dict[str, list[tuple[float, bool]]]:
    """The latest operator verdict per (document, field): kept as read, or corrected."""
    latest: dict[tuple[int, str], Correction] = {}
    for correction in session.scalars(select(Correction).order_by(Correction.id)):
        if correction.machine_confidence is not None:
            latest[(correction.document_id, correction.field_name)] = correction
    per_field: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for (_, name), correction in latest.items():
        per_field[name].append((float(correction.machine_confidence or 0.0), correction.action == "confirm"))
    return per_field


def fit(session: Session) -> dict[str, int]:
    """Refit every field with enough samples; returns samples used per fitted field."""
    fitted: dict[str, int] = {}
    now = datetime.now(UTC)
    session.execute(delete(CalibrationMap))
    for name, field_samples in samples(session).items():
        if len(field_samples) < MIN_SAMPLES_FOR_CALIBRATION:
            continue
        session.add(CalibrationMap(field_name=name, points=[list(p) for p in fit_isotonic(field_samples)],
                                   samples=len(field_samples), fitted_at=now))
        fitted[name] = len(field_samples)
    session.flush()
    return fitted


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
