"""``python -m pipeline synth OUT_DIR``: write a synthetic Belgian invoice corpus."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="generate synthetic Belgian invoices/receipts with ground truth")
    p.add_argument("out_dir", type=Path, help="corpus folder (index.json, truth/, docs/)")
    p.add_argument("--count", type=int, default=20, help="number of documents (default 20)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1); same seed, same bytes")
    p.add_argument("--kinds", default="text_pdf,scanned_pdf,photo,receipt",
                   help="comma-separated kinds: text_pdf,scanned_pdf,photo,receipt")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.synth import KINDS, generate, write_corpus

    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        log.error("unknown kinds %s; choose from %s", ", ".join(unknown) or "(none)", ", ".join(KINDS))
        return 2
    if args.count < 1:
        log.error("--count must be at least 1")
        return 2
    records = write_corpus(args.out_dir, generate(args.count, args.seed, kinds))
    counts: dict[str, int] = {}
    for record in records:
        counts[record["kind"]] = counts.get(record["kind"], 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f"wrote {len(records)} documents to {args.out_dir} ({summary})")
    return 0
