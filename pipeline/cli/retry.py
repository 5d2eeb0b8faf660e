"""``python -m pipeline retry [ID...] [--all-failed]``: read failed documents again."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("retry", help="retry failed documents (by id, or all failed)")
    parser.add_argument("ids", nargs="*", type=int)
    parser.add_argument("--all-failed", action="store_true")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.cli._common import ready_settings
    from pipeline.jobs.retry import retry_documents

    current = ready_settings()
    retried = retry_documents(current, args.ids, all_failed=args.all_failed)
    print(f"retried {len(retried)} document(s): {', '.join(map(str, retried)) or '-'}")
    return 0
