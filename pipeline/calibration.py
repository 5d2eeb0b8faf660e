"""Fit and load the per-field calibration maps from what operators did.

Every field an operator looked at is a sample: (raw confidence, kept as read?).
``fit`` turns them into a monotone map per field by isotonic regression; a field
with fewer than MIN_SAMPLES_FOR_CALIBRATION samples keeps the prior (the raw
confidence). ``python -m pipeline calibrate`` refits.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CalibrationMap, Correction
from pipeline.score import MIN_SAMPLES_FOR_CALIBRATION, PRIOR, Calibration, fit_isotonic


def load_calibration(session: Session) -> Calibration:
    rows = session.scalars(select(CalibrationMap)).all()
    if not rows:
        return PRIOR
    return Calibration(points={row.field_name: [tuple(point) for point in row.points] for row in rows})


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
