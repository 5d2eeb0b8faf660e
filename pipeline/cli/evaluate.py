"""``python -m pipeline evaluate DIR``: field accuracy per kind and calibration."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="score extraction against a corpus folder (index.json + truth)")
    p.add_argument("directory", type=Path, help="corpus folder, e.g. ../shared/data")
    p.add_argument("--kinds", nargs="+", default=None, help="text_pdf scanned_pdf photo receipt (default: all)")
    p.add_argument("--ids", nargs="+", default=(), help="only these document ids")
    p.add_argument("--json", dest="json_out", type=Path, help="write the full summary (with errors) as JSON")
    p.add_argument("--cache", type=Path, default=None, help="read cache folder (default: $DATA_DIR/cache)")
    p.add_argument("--no-cache", action="store_true", help="read every document again")
    p.add_argument("--errors", action="store_true", help="list every wrong field")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.reports.evaluate import KINDS, evaluate, format_summary, summary

    directory: Path = args.directory
    if not (directory / "index.json").exists():
        print(f"{directory} has no index.json", file=sys.stderr)
        return 2
    from pipeline.core.config import settings

    cache = None if args.no_cache else (args.cache or settings().data_dir / "cache")
    kinds = tuple(args.kinds) if args.kinds else KINDS
    report = evaluate(directory, kinds, cache, progress=lambda m: print(m, file=sys.stderr), ids=tuple(args.ids))
    s = summary(report)
    print(format_summary(s))
    if args.errors:
        print("\nWrong fields:")
        for e in s["errors"]:
            print(f"  {e['doc']} {e['kind']:<11} {e['field']:<18} got {str(e['predicted'])[:60]!r} want {str(e['truth'])[:60]!r} conf {e['confidence']}")
    if args.json_out:
        args.json_out.write_text(json.dumps(s, indent=1, default=str, ensure_ascii=False))
    return 0
