"""Jobs: module-level functions that take ids, run by rq workers or in-process.

With ``REDIS_URL`` unset, ``enqueue`` runs the job right away in this process (the
embedded default: a bare machine needs no service). With ``REDIS_URL`` set, the job
goes to Redis: the slow reading/OCR work on ``boekbrug-read``, the fast UBL and
delivery work on ``boekbrug-release``, and ``python -m pipeline worker`` on any
number of machines sharing one Redis and one database does it.

A worker killed in the middle of a job (kill -9) loses nothing: the document stays
READING with the time it started; ``recover`` (run when a worker starts and every
minute while it runs) puts documents left READING longer than STALE_AFTER back in
the queue, up to MAX_ATTEMPTS times, then fails them with a reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pipeline.config import Settings, settings
from pipeline.db import unit_of_work

log = logging.getLogger(__name__)

READ_QUEUE = "boekbrug-read"
RELEASE_QUEUE = "boekbrug-release"
ALL_QUEUES = (READ_QUEUE, RELEASE_QUEUE)
MAX_ATTEMPTS = 3


@lru_cache(maxsize=4)
def redis_connection(url: str):  # type: ignore[no-untyped-def]
    from redis import Redis

    return Redis.from_url(url)


def stale_after(current: Settings) -> int:
    """Seconds after which a READING document is taken for abandoned."""
    return max(120, 2 * current.seconds_per_page * min(current.max_pages, 10))


def enqueue(current: Settings, function: Callable[..., Any], *args: Any, queue: str = READ_QUEUE) -> str | None:
    if current.redis_url is None:
        function(*args)
        return None
    from rq import Queue

    job = Queue(queue, connection=redis_connection(current.redis_url)).enqueue(
        function,
        *args,
        job_timeout=stale_after(current),
        result_ttl=3600,
        failure_ttl=7 * 86400,
        description=f"{function.__name__}{args}",
    )
    return job.id


def enqueue_or_leave(current: Settings, function: Callable[..., Any], *args: Any, queue: str = READ_QUEUE) -> bool:
    """Enqueue, or, when Redis cannot be reached, log it and return False.

    For callers whose state is already committed (a stored, RECEIVED document; a
    VALIDATED one): the database is the truth and the queue only a hint, so a Redis
    that is down or restarting loses nothing — ``recover`` (every worker, each minute)
    enqueues whatever is RECEIVED or VALIDATED and not in a queue. Without Redis the
    job runs inline, and a crash of it is logged the same way."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    try:
        enqueue(current, function, *args, queue=queue)
    except (RedisConnectionError, RedisTimeoutError) as error:
        log.warning("%s%s not queued, Redis is unreachable (%s); recover will queue it", function.__name__, args, error)
        return False
    except Exception:  # without Redis the job ran inline: its crash must not stop the caller's batch
        if current.redis_url is not None:
            raise
        log.exception("%s%s failed inline; recover or retry will run it again", function.__name__, args)
        return False
    return True


# --------------------------------------------------------------------------- the jobs
def read_job(document_id: int) -> None:
    """Read and extract one document; enqueue what follows (attachments, release)."""
    from models import Document
    from models.enums import DocumentStatus
    from pipeline.process import process_document

    current = settings()
    with unit_of_work(current.database_url) as session:
        children = process_document(session, current, document_id)
        document = session.get(Document, document_id)
        validated = document is not None and document.status is DocumentStatus.VALIDATED
    for child in children:
        enqueue_or_leave(current, read_job, child, queue=READ_QUEUE)
    if validated:
        enqueue_or_leave(current, release_job, document_id, queue=RELEASE_QUEUE)


def release_job(document_id: int) -> None:
    """Build the UBL, run the official rules, and release (or send back)."""
    from pipeline.release import release_document

    current = settings()
    with unit_of_work(current.database_url) as session:
        release_document(session, current, document_id)


# --------------------------------------------------------------------------- upkeep
QUEUE_UPKEEP_SECONDS = 300


def queue_upkeep(current: Settings) -> int:
    """Expired leases and postponed tasks back in the queue, and every open task's
    score recomputed so age and deadlines keep counting (``pipeline.queue``). Run by
    every worker and every workbench process each QUEUE_UPKEEP_SECONDS; idempotent."""
    from pipeline.queue import refresh_scores, return_expired

    with unit_of_work(current.database_url) as session:
        return_expired(session)
        return refresh_scores(session)


def run_queue_upkeep(current: Settings, stop: threading.Event, every: float = QUEUE_UPKEEP_SECONDS) -> None:
    """Loop for a daemon thread: ``queue_upkeep`` until ``stop`` is set; a failed round
    (database away) is logged and tried again next time."""
    while not stop.wait(every):
        try:
            queue_upkeep(current)
        except Exception:
            log.warning("queue upkeep failed; next round in %ss", every, exc_info=True)


# --------------------------------------------------------------------------- recovery
def recover(current: Settings, stale_after_seconds: int | None = None) -> dict[str, int]:
    """Requeue documents abandoned by a dead worker, and validated ones never released."""
    from sqlalchemy import select

    from models import Document
    from models.enums import DocumentStatus
    from pipeline.process import stale_documents

    requeued, failed, releases = 0, 0, 0
    with unit_of_work(current.database_url) as session:
        limit = stale_after(current) if stale_after_seconds is None else stale_after_seconds
        for document_id in stale_documents(session, limit):
            document = session.get(Document, document_id)
            assert document is not None
            if document.attempts >= MAX_ATTEMPTS:
                document.status = DocumentStatus.FAILED
                document.error = (
                    f"[worker_died] reading stopped {document.attempts} times without finishing "
                    "(the worker was killed or ran out of memory); retry once the cause is fixed"
                )
                failed += 1
            else:
                document.status = DocumentStatus.RECEIVED
                requeued += 1
        session.commit()
        to_read = session.scalars(select(Document.id).where(Document.status == DocumentStatus.RECEIVED)).all()
        to_release = session.scalars(select(Document.id).where(Document.status == DocumentStatus.VALIDATED)).all()
    if current.redis_url is not None:
        queued = _queued_ids(current)
        to_read = [i for i in to_read if ("read_job", i) not in queued]
        to_release = [i for i in to_release if ("release_job", i) not in queued]
    for document_id in to_read:
        enqueue(current, read_job, document_id, queue=READ_QUEUE)
    for document_id in to_release:
        enqueue(current, release_job, document_id, queue=RELEASE_QUEUE)
        releases += 1
    return {"requeued": requeued, "failed": failed, "read": len(to_read), "release": releases}


def _queued_ids(current: Settings) -> set[tuple[str, int]]:
    """(function name, document id) of jobs waiting in Redis.

    Started jobs are not counted: a document whose job started but that is stale
    was abandoned by a dead worker, and rq will not run that job again."""
    from rq import Queue

    connection = redis_connection(current.redis_url)
    found: set[tuple[str, int]] = set()
    for name in ALL_QUEUES:
        queue = Queue(name, connection=connection)
        job_ids = list(queue.get_job_ids())
        for job in queue.job_class.fetch_many(job_ids, connection=connection):
            if job is not None and job.args:
                found.add((job.func_name.rsplit(".", 1)[-1], int(job.args[0])))
    return found
