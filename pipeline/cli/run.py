"""``python -m pipeline run DIR --client NAME``: a whole batch, waited for, with a summary."""

from __future__ import annotations

import argparse
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="ingest a folder for a client, process it and wait; print a summary")
    parser.add_argument("paths", nargs="+", help="folders or files")
    parser.add_argument("--client", required=True, help="client name or id")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for workers (with REDIS_URL)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from pipeline.api.upkeep import recover_now
    from pipeline.cli._common import expand_paths, ready_settings
    from pipeline.jobs.ingest import ingest_files
    from pipeline.jobs.queues import READ_QUEUE, enqueue
    from pipeline.jobs.read_job import read_job
    from pipeline.reports.batch_summary import summarise, unfinished

    current = ready_settings()
    recover_now(current)  # what a crashed earlier process left stuck is read again first
    paths = expand_paths(args.paths)
    try:
        outcome = ingest_files(current, args.client, paths, channel="folder", enqueue_now=False)
    except LookupError as error:
        print(error, file=sys.stderr)
        return 2
    for path, why in outcome.not_taken:
        print(f"not taken: {path}: {why}", file=sys.stderr)
    progress = tqdm(total=len(outcome.document_ids), desc="documents", unit="doc", file=sys.stderr)
    progress.update(len(outcome.document_ids) - len(outcome.to_read))
    for document_id in outcome.to_read:
        enqueue(current, read_job, document_id, queue=READ_QUEUE)
        if current.redis_url is None:
            progress.update(1)
    if current.redis_url is not None:
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            waiting = unfinished(current, outcome.document_ids)
            progress.n = len(outcome.document_ids) - waiting
            progress.refresh()
            if waiting == 0:
                break
            time.sleep(0.5)
    progress.close()
    summary = summarise(current, outcome.document_ids)
    print(summary.render())
    return 0 if summary.unfinished == 0 else 1
