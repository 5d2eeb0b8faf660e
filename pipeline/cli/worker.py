"""``python -m pipeline worker [--queues …]``: an rq worker; start as many as you like."""

from __future__ import annotations

import argparse
import logging
import sys
import threading


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("worker", help="run an rq worker on REDIS_URL (several machines may share one Redis)")
    parser.add_argument("--queues", nargs="+", default=None, help="queues to serve (default: read and release)")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--recover-every", type=float, default=60.0, help="seconds between recovery sweeps")
    parser.set_defaults(func=run)


def warm_up() -> None:
    """Load what every job needs once: the OCR engines, the extractor, the Peppol rules."""
    import pipeline.extract
    import pipeline.process
    import pipeline.read  # noqa: F401
    from pipeline.ubl.validate import warm_up as compile_rules

    compile_rules()


def run(args: argparse.Namespace) -> int:
    from rq import Queue, SimpleWorker

    from pipeline.cli._common import ready_settings
    from pipeline.jobs import ALL_QUEUES, recover, redis_connection, run_queue_upkeep

    current = ready_settings()
    if current.redis_url is None:
        print("REDIS_URL is not set: jobs run in-process, no worker is needed.", file=sys.stderr)
        return 2
    connection = redis_connection(current.redis_url)
    recover(current)
    stop = threading.Event()

    def sweep() -> None:
        while not stop.wait(args.recover_every):
            try:
                recover(current)
            except Exception:
                logging.getLogger(__name__).warning("recovery sweep failed; next one in %ss", args.recover_every, exc_info=True)

    if not args.burst:
        threading.Thread(target=sweep, name="recover", daemon=True).start()
        threading.Thread(target=run_queue_upkeep, args=(current, stop), name="queue-upkeep", daemon=True).start()
    queues = [Queue(name, connection=connection) for name in (args.queues or ALL_QUEUES)]
    warm_up()
    # jobs run in this process (no fork per job), so the compiled Peppol rules, the
    # OCR models and the database pool stay warm from one job to the next
    worker = SimpleWorker(queues, connection=connection)
    try:
        worker.work(burst=args.burst, with_scheduler=False)
    finally:
        stop.set()
    return 0
