"""``python -m pipeline calibrate [--corpus DIR...]``: refit field confidence calibration.

Without ``--corpus``: refit on operators' verdicts in the database
(:func:`pipeline.review.calibration.fit`: evidence per distinct verdict and supplier, the
shipped prior as a Bayesian prior, raises capped and checked on held-out suppliers).

With ``--corpus``: write the shipped prior (``pipeline/review/calibration_prior.json``)
from documents with ground truth. The confidences it maps are the learned ranker's, so
they must come from a ranker that never saw the document: with ``--folds K`` (default 5)
the ranker is refitted K times, each time without one fold of whole groups — a layout
family of the generated documents (``--generated N`` of them, as ``train`` makes them),
a source of a corpus (``source_group``, e.g. invoice2data) — and every document is scored
by the fold model that never trained on its group. ``--folds 0`` scores with the shipped
model as it is (in-sample wherever it trained on the corpora). The prior itself is then
checked the same way: fitted without a fold of groups, how many of that fold's fields it
would call certain (≥ 0.99) are wrong. Fields read by OCR (scans, photos, till slips, and
``--noisy`` of the generated documents read as OCR would, :mod:`pipeline.synth.ocrnoise`)
also get a map of their own, ``field@ocr``, used for OCR readings: a photo's certainty is
earned on photos, not borrowed from text layers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calibrate", help="refit the per-field confidence calibration (operators' verdicts, or --corpus)")
    parser.add_argument("--corpus", nargs="+", help="corpora with ground truth: write the shipped prior from them")
    parser.add_argument("--folds", type=int, default=5,
                        help="with --corpus: held-out folds of whole families/sources (0: score with the shipped model)")
    parser.add_argument("--generated", type=int, default=600,
                        help="with --folds: generated documents in randomised layout families added (0: none)")
    parser.add_argument("--families", type=int, default=60, help="randomised invoice layout families of --generated")
    parser.add_argument("--noisy", type=float, default=0.4,
                        help="with --generated: share also scored as a simulated OCR reading (photo, scan, till slip)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated documents and the fold models")
    parser.add_argument("--jobs", type=int, default=1, help="folds fitted in parallel (processes)")
    parser.add_argument("--cache", type=Path, default=None, help="read cache folder (default: $DATA_DIR/cache)")
    parser.add_argument("--out", type=Path, default=None, help="prior file (default: the shipped one)")
    parser.add_argument("--scores", type=Path, default=None,
                        help="also write every scored field (document, kind, field, confidence, right) as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.corpus:
        return _from_corpora(args)
    from pipeline.cli._common import ready_settings
    from pipeline.core.db import unit_of_work
    from pipeline.review.calibration import fit
    from pipeline.review.confidence import MIN_SAMPLES_FOR_CALIBRATION

    current = ready_settings()
    report: dict[str, dict[str, float]] = {}
    with unit_of_work(current.database_url) as session:
        fitted = fit(session, report, current.auto_accept)
    if not fitted:
        print(f"no field has earned a refit yet ({MIN_SAMPLES_FOR_CALIBRATION} pieces of evidence from several "
              "suppliers, holding on suppliers left out): the shipped prior stays in force")
    for name, entry in sorted(report.items()):
        verdict = "refitted" if entry.get("adopted") else "prior kept"
        print(f"{name:28} {verdict:10} evidence {entry['evidence']:6.1f} from {int(entry['suppliers'])} suppliers"
              + (f"; held out: Brier {entry['brier_refit']:.3f} vs prior {entry['brier_prior']:.3f}, "
                 f"certain-wrong {entry['certain_wrong_refit']:.1f} vs {entry['certain_wrong_prior']:.1f}"
                 if "brier_refit" in entry else ""))
    return 0


# ------------------------------------------------------------------ the shipped prior
_STATE: dict[str, Any] = {}  # what the fold processes share (forked)


def _examples(args: argparse.Namespace, say) -> tuple[list, list[dict]]:
    """Training examples (generated, then the corpora) and the record each is scored against."""
    import json
    import random

    from pipeline.core.config import settings
    from pipeline.extract import training
    from pipeline.extract.textlayer import read_text_layer
    from pipeline.reports.evaluate import read_file

    examples: list[training.Example] = []
    records: list[dict] = []
    if args.folds and args.generated:
        from pipeline.synth import generate
        from pipeline.synth.corpus import generate_families
        from pipeline.synth.families import RECEIPT_BASE

        families = tuple(range(args.families)) + tuple(RECEIPT_BASE + k for k in range(8))
        items = generate_families(args.generated, args.seed, families) + generate(
            max(1, args.generated // 9), args.seed, ("text_pdf",))
        for item in items:
            rec = item.record
            layout = rec["extra"]["layout"]
            group = layout if layout.startswith("family-") else f"layout-{layout}"
            examples.append(training.Example(rec["id"], rec["kind"], group, rec["fields"],
                                             read_text_layer(item.data), True))
            records.append(rec)
        # the same documents as OCR reads them (pipeline.synth.ocrnoise): OCR fields get a map of their own
        from pipeline.synth.ocrnoise import noisy_reading

        rng = random.Random(f"calibrate-noise:{args.seed}")
        for k, (ex, rec) in enumerate(list(zip(examples, records, strict=True))):
            kind = "receipt" if ex.kind == "receipt" else ("photo" if rng.random() < 0.6 else "scanned_pdf")
            if rng.random() >= args.noisy or (kind != "receipt" and len(ex.read.pages) != 1):
                continue
            examples.append(training.Example(ex.doc + "~ocr", kind, ex.group, ex.truth,
                                             noisy_reading(ex.read, kind, args.seed * 1_000_003 + k), True))
            records.append(rec)
        say(f"generated {len(examples)} documents (simulated OCR readings included)")
    cache = args.cache or settings().data_dir / "cache"
    for folder in map(Path, args.corpus):
        for rec in json.loads((folder / "index.json").read_text()):
            try:
                read = read_file(folder / rec["file"], cache)
            except Exception as error:  # noqa: BLE001 - an unreadable document is left out, and said so
                say(f"{rec['id']}: not read ({error}); left out")
                continue
            group = rec["source_group"]
            if rec.get("synthetic_layout"):
                layout = (rec.get("extra") or {}).get("layout") or rec.get("family") or group
                group = f"{folder.name}:{layout}"
            examples.append(training.Example(rec["id"], rec["kind"], group, rec["fields"], read, False))
            records.append(rec)
        say(f"{folder}: read")
    return examples, records


def _score(model: Any, which: list[int]) -> list[tuple[int, str, float, bool]]:
    """(example, field, confidence, right) of every labelled field of ``which``, extracted with ``model``."""
    from models.enums import FieldSource
    from pipeline.extract.core import extract
    from pipeline.extract.ranker import using
    from pipeline.reports.evaluate import SCORED_FIELDS, score_value

    examples, records = _STATE["examples"], _STATE["records"]
    out = []
    with using(model):
        for i in which:
            try:
                got = extract(examples[i].read)
            except Exception:  # noqa: BLE001 - a document the extractor cannot take scores nothing
                got = None
            rec = records[i]
            alternatives = (rec.get("extra") or {}).get("supplier_name_alternatives") or []
            for name in SCORED_FIELDS:
                truth = rec["fields"].get(name)
                found = got.fields.get(name) if got else None
                if truth is None or found is None:
                    continue
                ok, _ = score_value(name, truth, found.value, alternatives if name == "supplier_name" else [])
                key = f"{name}@{FieldSource.OCR}" if found.source == FieldSource.OCR else name
                out.append((i, key, round(float(found.confidence), 4), bool(ok)))
    return out


def _fold(task: tuple[int, list[int], list[int], int]) -> list[tuple[int, str, float, bool]]:
    from pipeline.extract import training

    _, train, test, seed = task
    model = training.fit(_STATE["rows"], _STATE["examples"], seed, set(train))
    return _score(model, test)


def _from_corpora(args: argparse.Namespace) -> int:
    import json
    from collections import defaultdict

    import numpy as np
    from sklearn.model_selection import GroupKFold

    from pipeline.extract import training
    from pipeline.extract.ranker import active_model
    from pipeline.review.calibration import (
        PRIOR_FILE,
        Calibration,
        fit_prior,
        load_prior,
    )

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    examples, records = _examples(args, say)
    _STATE.update(examples=examples, records=records)
    groups = np.array([ex.group for ex in examples])
    scored: list[tuple[int, str, float, bool]] = []
    if args.folds:
        rows, seconds = training.timed(lambda: training.collect(examples, say))
        _STATE["rows"] = rows
        say(f"features in {seconds}s; {len(set(groups.tolist()))} groups in {args.folds} folds")
        splits = list(GroupKFold(n_splits=args.folds).split(np.zeros(len(examples)), groups=groups))
        tasks = [(k, train.tolist(), test.tolist(), args.seed) for k, (train, test) in enumerate(splits)]
        if args.jobs > 1:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(min(args.jobs, len(tasks))) as pool:
                for part in pool.imap_unordered(_fold, tasks):
                    scored += part
                    say(f"a fold scored ({len(scored)} fields so far)")
        else:
            for task in tasks:
                scored += _fold(task)
                say(f"fold {task[0] + 1}/{len(tasks)} scored")
    else:
        scored = _score(active_model(), list(range(len(examples))))
    if args.scores:
        args.scores.write_text(json.dumps([
            {"doc": examples[i].doc, "kind": examples[i].kind, "group": examples[i].group, "field": name,
             "confidence": confidence, "right": ok} for i, name, confidence, ok in scored]))
    samples: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for _, key, confidence, ok in scored:  # a field's map from every reading; field@ocr from OCR alone
        samples[key].append((confidence, ok))
        if "@" in key:
            samples[key.partition("@")[0]].append((confidence, ok))
    fields = fit_prior(samples)
    # the prior checked as it will be used: fitted without a fold of groups, on that fold
    check: dict[str, dict[str, int]] = defaultdict(lambda: {"fields": 0, "certain": 0, "certain_wrong": 0})
    fold_of = {}
    if args.folds:
        for k, (_, test) in enumerate(GroupKFold(n_splits=args.folds).split(np.zeros(len(examples)), groups=groups)):
            fold_of.update({int(i): k for i in test})
        for k in range(args.folds):
            kept: dict[str, list[tuple[float, bool]]] = defaultdict(list)
            for i, key, confidence, ok in scored:
                if fold_of[i] != k:
                    kept[key].append((confidence, ok))
                    if "@" in key:
                        kept[key.partition("@")[0]].append((confidence, ok))
            prior = Calibration(points={n: [tuple(p) for p in pts] for n, pts in fit_prior(kept).items()})
            for i, key, confidence, ok in scored:
                if fold_of[i] == k:
                    name, _, source = key.partition("@")
                    for group in (examples[i].kind, "all"):
                        entry = check[group]
                        entry["fields"] += 1
                        if prior.apply(name, confidence, source or None) >= 0.99:
                            entry["certain"] += 1
                            entry["certain_wrong"] += int(not ok)
    out = args.out or PRIOR_FILE
    out.write_text(json.dumps({
        "method": (f"held-out folds: ranker refitted {args.folds} times without one fold of whole layout families/"
                   f"sources (GroupKFold), every document scored by the model that never saw its group"
                   if args.folds else "scored with the shipped ranker as it is"),
        "command": "python -m pipeline " + " ".join(sys.argv[1:]),
        "corpora": [Path(c).name for c in args.corpus],
        "generated": args.generated if args.folds else 0,
        "seed": args.seed,
        "samples": {k: len(v) for k, v in sorted(samples.items())},
        "prior_held_out": dict(sorted(check.items())),
        "fields": fields,
    }, indent=1) + "\n")
    load_prior.cache_clear()  # this process reads the new prior from now on
    for name, points in fields.items():
        top = points[-1]
        certain = next((x for x, accuracy in points if accuracy >= 0.99), None)
        print(f"{name:32} {len(samples[name]):5} samples; certain (≥ 0.99) from raw "
              f"{'never' if certain is None else f'{certain:.3f}'}; top {top[1]:.3f}")
    for kind, entry in sorted(check.items()):
        print(f"prior fitted without the fold, on it: {kind:12} {entry['fields']:6} fields, {entry['certain']:6} certain, "
              f"{entry['certain_wrong']} wrong")
    print(f"wrote {out}")
    return 0
