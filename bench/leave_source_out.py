"""Leave-source-out: every real source of the corpora held out in turn.

    .venv/bin/python bench/leave_source_out.py --corpus ../shared/data [--seed 7] [--cache /tmp/rc]
        [--noisy 0.4] [--sources A B …] [--json OUT]

``python -m pipeline train`` reports one held-out set (two sources, fixed). Here each
``source_group`` of the corpora is held out in turn: the ranker is fitted (exactly as
``train`` fits it: same examples, features, calibration folds) on the generated
documents and every other source, then scored on the held-out source's documents,
beside the hand-set scores on the same readings. The held-out figures of all turns are
pooled per kind and per field: every real document is scored by a model that never saw
its source. Features are computed once for all turns.

Arguments are ``train``'s (``--docs``, ``--families``, ``--noisy``, …); nothing is written
to the shipped model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent
]
sys.path.insert(0, str(ROOT))

from pipeline.cli import train as train_cli
from pipeline.extract import training


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    train_cli.register(parser.add_subparsers())
    train = parser._subparsers._group_actions[0].choices["train"]
    train.description = __doc__
    train.formatter_class = argparse.RawDescriptionHelpFormatter
    train.prog = "bench/leave_source_out.py"
    train.add_argument(
        "--sources",
        nargs="*",
        default=None,
        help="source_groups to hold out (default: all)",
    )
    train.add_argument("--json", type=Path, default=None, help="write the figures here")
    train.add_argument(
        "--errors",
        action="store_true",
        help="list every held-out field the ranker got wrong (hand-set value beside it)",
    )
    return train.parse_args(argv)


def _line(label: str, after: dict, before: dict) -> str:
    kinds = [
        k for k in ("text_pdf", "scanned_pdf", "photo", "receipt", "all") if k in after
    ]
    cells = [
        f"{k} {100 * after[k]['right']:.1f}/{100 * before[k]['right']:.1f} ({after[k]['fields']})"
        for k in kinds
    ]
    wrong = after["all"]["certain_wrong"], after["all"]["certain"]
    return f"{label:28} " + "  ".join(cells) + f"  certain wrong {wrong[0]}/{wrong[1]}"


def _errors(after: list[dict], before: list[dict]) -> None:
    """The ranker's wrong fields of one held-out source: document, field, truth, both values."""
    hand_set = {(o["doc"], o["field"]): o for o in before}
    for o in after:
        if o["right"]:
            continue
        other = hand_set[(o["doc"], o["field"])]
        mark = "=" if other["right"] else "x"
        print(
            f"  {o['kind']:11} {Path(o['doc']).name[:38]:38} {o['field']:17} "
            f"truth {o['truth']!r:34.34} ranker {o['value']!r:34.34} "
            f"({o['confidence'] or 0:.2f})  hand-set{mark} {other['value']!r:.34}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    examples, _ = train_cli.build_examples(args, say)
    rows, t_feat = training.timed(lambda: training.collect(examples, say))
    say(f"features of {len(rows.field)} fields in {t_feat}s")
    real = {ex.group for ex in examples if not ex.nulls_are_absent}
    sources = sorted(args.sources or real)
    everything = set(range(len(examples)))
    pooled_after: list[dict] = []
    pooled_before: list[dict] = []
    report: dict = {"command": " ".join(sys.argv), "sources": {}}
    for src in sources:
        held = {i for i, ex in enumerate(examples) if ex.group == src}
        model, t_fit = training.timed(
            lambda held=held: training.fit(
                rows,
                examples,
                args.seed,
                everything - held,
                max_iter=args.iterations,
                real_weight=train_cli.real_weight(args),
            )
        )
        after = training.field_outcomes(model, examples, sorted(held))
        before = training.field_outcomes(None, examples, sorted(held))
        pooled_after += after
        pooled_before += before
        if args.errors:
            _errors(after, before)
        report["sources"][src] = {
            "ranker": training.summarise(after),
            "hand_set": training.summarise(before),
            "per_field_ranker": training.per_field(after),
            "per_field_hand_set": training.per_field(before),
            "fit_seconds": t_fit,
        }
        print(
            _line(src, training.summarise(after), training.summarise(before)),
            flush=True,
        )
    report["pooled"] = {
        "ranker": training.summarise(pooled_after),
        "hand_set": training.summarise(pooled_before),
        "per_field_ranker": training.per_field(pooled_after),
        "per_field_hand_set": training.per_field(pooled_before),
    }
    print(
        _line(
            "ALL SOURCES (pooled)",
            report["pooled"]["ranker"],
            report["pooled"]["hand_set"],
        )
    )
    print("per field, ranker/hand-set:")
    for name, value in report["pooled"]["per_field_ranker"].items():
        print(
            f"  {name:18} {value:.3f} / {report['pooled']['per_field_hand_set'][name]:.3f}"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
