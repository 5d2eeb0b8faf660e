"""``python -m pipeline ingest PATH... --client NAME``: store originals and enqueue them."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ingest", help="store files, folders and .eml files for a client and enqueue them")
    parser.add_argument("paths", nargs="+", help="files or folders")
    parser.add_argument("--client", required=True, help="client name or id")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.api.upkeep import recover_now
    from pipeline.cli._common import expand_paths, ready_settings
    from pipeline.jobs.ingest import ingest_files

    current = ready_settings()
    recover_now(current)  # what a crashed earlier process left stuck is read again first
    try:
        outcome = ingest_files(current, args.client, expand_paths(args.paths), channel="cli")
    except LookupError as error:
        print(error, file=sys.stderr)
        return 2
    for path, why in outcome.not_taken:
        print(f"not taken: {path}: {why}", file=sys.stderr)
    print(f"{outcome.created} new, {outcome.known} already known, {outcome.refused} refused at intake")
    return 0
