"""``python -m pipeline worker [--queues …]``: an rq worker; start as many as you like.

Each worker serves the upkeep queue first, then the queues asked for, and runs rq's
scheduler (one worker per queue holds its lock), which puts the scheduled upkeep
rounds (``pipeline.jobs.upkeep``) on their queue when they are due.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker

from pipeline.cli._common import ready_settings
from pipeline.core.config import Settings
from pipeline.jobs.liveness import HEARTBEAT_SECONDS, HEARTBEAT_TTL, keep_heartbeat
from pipeline.jobs.queues import ALL_QUEUES, UPKEEP_QUEUE, redis_connection
from pipeline.jobs.upkeep import RECOVER_SECONDS, recover, schedule_upkeep

log = logging.getLogger(__name__)

REDIS_RETRY_FIRST = 1.0
REDIS_RETRY_MAX = 30.0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("worker", help="run an rq worker on REDIS_URL (several machines may share one Redis)")
    parser.add_argument("--queues", nargs="+", default=None, help="queues to serve (default: read and release)")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--recover-every", type=float, default=RECOVER_SECONDS, help="seconds between recovery rounds")
    parser.add_argument("--heartbeat-ttl", type=int, default=HEARTBEAT_TTL,
                        help="seconds without a heartbeat after which this worker counts as dead")
    parser.set_defaults(func=run)


def warm_up() -> None:
    """Load what every job needs once: the OCR engines, the extractor, the Peppol rules."""
    import pipeline.extract
    import pipeline.jobs.read_job
    import pipeline.read  # noqa: F401
    from pipeline.ubl.validate import warm_up as compile_rules

    compile_rules()


class UpkeepWorker(SimpleWorker):
    """rq's SimpleWorker that keeps the next upkeep rounds on rq's schedule.

    Jobs run in this process (no fork per job), so the compiled Peppol rules, the OCR
    models and the database pool stay warm from one job to the next. At each of rq's
    maintenance passes (which also restart rq's scheduler if it died, say with a
    Redis restart) the next rounds are scheduled again; rq refuses a round's id twice."""

    def __init__(self, *args, current: Settings, recover_every: float | None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.current = current
        self.recover_every = recover_every  # None: a burst worker schedules nothing

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        if self.recover_every is not None:
            schedule_upkeep(self.current, recover_every=self.recover_every)


def asked_to_stop(worker: SimpleWorker) -> bool:
    """A stop was requested (SIGTERM, SIGINT): rq marks it with the request's time whether the
    worker was idle (it then leaves its loop at once) or busy (``_stop_requested``, after the job)."""
    return worker._stop_requested or worker._shutdown_requested_date is not None


def run(args: argparse.Namespace) -> int:
    current = ready_settings()
    if current.redis_url is None:
        print("REDIS_URL is not set: jobs run in-process, no worker is needed.", file=sys.stderr)
        return 2
    connection = redis_connection(current.redis_url)
    names = [UPKEEP_QUEUE, *(name for name in (args.queues or ALL_QUEUES) if name != UPKEEP_QUEUE)]
    maintenance = int(max(10, min(60, args.recover_every)))
    warm_up()
    wait = REDIS_RETRY_FIRST
    while True:
        # Redis down at start, or gone while working: say so, wait (longer each time, up to a
        # half a minute), and carry on as a fresh worker once it answers; only a stop request ends it
        worker = None
        beating = threading.Event()
        try:
            connection.ping()
            worker = UpkeepWorker([Queue(name, connection=connection) for name in names], connection=connection,
                                  current=current, recover_every=None if args.burst else args.recover_every,
                                  maintenance_interval=maintenance, worker_ttl=maintenance + 20)
            recover(current)
            if not args.burst:
                schedule_upkeep(current, recover_every=args.recover_every)
            if wait > REDIS_RETRY_FIRST:
                log.warning("Redis at %s answers again: the worker carries on as %s", _where(current), worker.name)
            wait = REDIS_RETRY_FIRST
            threading.Thread(target=keep_heartbeat, name="heartbeat", daemon=True,
                             args=(connection, worker.name, beating, HEARTBEAT_SECONDS, args.heartbeat_ttl)).start()
            worker.work(burst=args.burst, with_scheduler=not args.burst)
        except (RedisConnectionError, RedisTimeoutError) as error:
            log.warning("Redis at %s is unreachable (%s); trying again in %.0f s", _where(current), error, wait)
        finally:
            beating.set()
        if args.burst or (worker is not None and asked_to_stop(worker)):
            return 0
        if worker is not None and _redis_answers(connection):  # rq's loop ended otherwise: a fresh worker
            log.warning("worker %s stopped on its own; starting a fresh one", worker.name)
        time.sleep(wait)
        wait = min(REDIS_RETRY_MAX, wait * 2)


def _redis_answers(connection) -> bool:  # type: ignore[no-untyped-def]
    try:
        return bool(connection.ping())
    except (RedisConnectionError, RedisTimeoutError):
        return False


def _where(current: Settings) -> str:
    """The Redis URL without a password, for the log."""
    url = current.redis_url or ""
    return url.split("@", 1)[-1] if "@" in url else url
