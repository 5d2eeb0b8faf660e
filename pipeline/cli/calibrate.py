"""``python -m pipeline calibrate [--corpus DIR...]``: refit field confidence calibration.

Without ``--corpus``: refit on operators' verdicts in the database. With ``--corpus``:
score the extractor on corpora with ground truth and write the shipped prior.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calibrate", help="refit the per-field confidence calibration (operators' verdicts, or --corpus)")
    parser.add_argument("--corpus", nargs="+", help="corpora with ground truth: write the shipped prior from them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.corpus:
        return _from_corpora(args.corpus)
    from pipeline.cli._common import ready_settings
    from pipeline.core.db import unit_of_work
    from pipeline.review.calibration import fit
    from pipeline.review.confidence import MIN_SAMPLES_FOR_CALIBRATION

    current = ready_settings()
    with unit_of_work(current.database_url) as session:
        fitted = fit(session)
    if not fitted:
        print(f"no field has {MIN_SAMPLES_FOR_CALIBRATION} validated samples yet: the shipped prior stays in force")
    for name, count in sorted(fitted.items()):
        print(f"{name}: fitted on {count} samples")
    return 0


def _from_corpora(corpora: list[str]) -> int:
    import json
    import sys
    from collections import defaultdict
    from pathlib import Path

    from pipeline.core.config import settings
    from pipeline.reports.evaluate import evaluate
    from pipeline.review.calibration import PRIOR_FILE, fit_prior, load_prior

    samples: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for corpus in corpora:
        report = evaluate(Path(corpus), cache_dir=settings().data_dir / "cache",
                          progress=lambda doc: print(f"  {doc}", file=sys.stderr, end="\r"))
        for result in report.fields:
            if result.confidence is not None:
                samples[result.field].append((round(float(result.confidence), 4), bool(result.ok)))
    fields = fit_prior(samples)
    PRIOR_FILE.write_text(json.dumps({"corpora": [Path(c).name for c in corpora],
                                      "samples": {k: len(v) for k, v in sorted(samples.items())},
                                      "fields": fields}, indent=1) + "\n")
    load_prior.cache_clear()  # this process reads the new prior from now on
    for name, points in fields.items():
        top = points[-1]
        print(f"{name:28} {len(samples[name]):5} samples; raw ≥ {points[-2][0] if len(points) > 1 else 0:.3f} → {top[1]:.3f}")
    print(f"wrote {PRIOR_FILE}")
    return 0
