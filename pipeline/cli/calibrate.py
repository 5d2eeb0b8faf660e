"""``python -m pipeline calibrate``: refit field confidences on operators' verdicts."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calibrate", help="refit the per-field confidence calibration from validation outcomes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.calibration import fit
    from pipeline.cli._common import ready_settings
    from pipeline.db import unit_of_work
    from pipeline.score import MIN_SAMPLES_FOR_CALIBRATION

    current = ready_settings()
    with unit_of_work(current.database_url) as session:
        fitted = fit(session)
    if not fitted:
        print(f"no field has {MIN_SAMPLES_FOR_CALIBRATION} validated samples yet: the prior stays in force")
    for name, count in sorted(fitted.items()):
        print(f"{name}: fitted on {count} samples")
    return 0
