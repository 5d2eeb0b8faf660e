"""Upkeep: the queue re-aged, abandoned work recovered — on rq's schedule, or in a thread.

``queue_upkeep`` returns expired leases to the queue and recomputes every open task's
score, so age and deadlines keep counting (``pipeline.review.tasks``). ``recover``
puts documents left READING by a worker that died (kill -9, lost machine) back in the
queue, up to MAX_ATTEMPTS times, then fails them with a reason; and it queues
whatever is RECEIVED or VALIDATED and not waiting in a queue.

With Redis, both are rounds on rq's own scheduler: each round is a job scheduled
(``Queue.enqueue_at``) on ``boekbrug-upkeep`` under an id naming its time slot, so
however many workers and workbench processes ask, each slot runs once, on one worker.
A round schedules the next one when it ends; workers (``pipeline.cli.worker``) serve
the upkeep queue with rq's scheduler and schedule the next rounds again when they
start and at each maintenance pass, so a Redis restart or a worker killed mid-round
does not stop the upkeep. Without Redis (the embedded default) there is no worker:
the process that serves people runs ``run_queue_upkeep`` in a daemon thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import UTC, datetime

from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import select

from models import Document
from models.enums import DocumentStatus
from pipeline.core.config import Settings, settings
from pipeline.core.db import unit_of_work
from pipeline.deliver.client_notices import send_due
from pipeline.deliver.forward import forward_due
from pipeline.jobs.liveness import abandoned_documents
from pipeline.jobs.queues import (
    ALL_QUEUES,
    MAX_ATTEMPTS,
    READ_QUEUE,
    RELEASE_QUEUE,
    UPKEEP_QUEUE,
    document_of,
    enqueue,
    redis_connection,
    stale_after,
)
from pipeline.jobs.read_job import read_job
from pipeline.jobs.release_job import release_job
from pipeline.review.tasks import refresh_scores, return_expired

log = logging.getLogger(__name__)

QUEUE_UPKEEP_SECONDS = 300
RECOVER_SECONDS = 30  # with the heartbeat TTL, a dead worker's document is read again within a minute


# --------------------------------------------------------------------------- upkeep
def queue_upkeep(current: Settings) -> int:
    """Expired leases and postponed tasks back in the queue, and every open task's
    score recomputed so age and deadlines keep counting (``pipeline.review.tasks``); then
    the forwardings due again after a failure, and the clients' due e-mail notices. Idempotent; returns the number of tasks re-scored."""
    with unit_of_work(current.database_url) as session:
        return_expired(session)
        rescored = refresh_scores(session)
    try:  # releases to the office's targets whose back-off has passed (pipeline.deliver.forward)
        forward_due(current)
    except Exception:
        log.warning("forwardings not retried this round", exc_info=True)
    try:  # clients told of documents that need them (pipeline.deliver.client_notices); mail trouble waits
        with unit_of_work(current.database_url) as session:
            send_due(session, current)
    except Exception:
        log.warning("client notices not sent this round", exc_info=True)
    return rescored


def run_queue_upkeep(current: Settings, stop: threading.Event, every: float = QUEUE_UPKEEP_SECONDS) -> None:
    """Loop for a daemon thread (the embedded default, no Redis): ``queue_upkeep`` until
    ``stop`` is set; a failed round (database away) is logged and tried again next time."""
    while not stop.wait(every):
        try:
            queue_upkeep(current)
        except Exception:
            log.warning("queue upkeep failed; next round in %ss", every, exc_info=True)


# --------------------------------------------------------------------------- recovery
def recover(current: Settings, stale_after_seconds: int | None = None) -> dict[str, int]:
    """Requeue documents abandoned by a dead worker, and validated ones never released."""
    requeued, failed = 0, 0
    abandoned: set[int] = set()
    with unit_of_work(current.database_url) as session:
        limit = stale_after(current) if stale_after_seconds is None else stale_after_seconds
        for document_id in abandoned_documents(session, current, limit):  # dead reader, or stale
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
                abandoned.add(document_id)
                requeued += 1
        session.commit()
        to_read = session.scalars(select(Document.id).where(Document.status == DocumentStatus.RECEIVED)).all()
        to_release = session.scalars(select(Document.id).where(Document.status == DocumentStatus.VALIDATED)).all()
    if current.redis_url is not None:
        waiting = waiting_jobs(current)
        to_read = [i for i in to_read if ("read", i) not in waiting]
        to_release = [i for i in to_release if ("release", i) not in waiting]
    # a job rq still takes for started belongs to the worker that died: it is taken over
    read = sum(enqueue(current, read_job, i, queue=READ_QUEUE, over_started=i in abandoned) for i in to_read)
    releases = sum(enqueue(current, release_job, i, queue=RELEASE_QUEUE) for i in to_release)
    return {"requeued": requeued, "failed": failed, "read": read, "release": releases}


def waiting_jobs(current: Settings) -> set[tuple[str, int]]:
    """(job kind, document id) of the jobs waiting in Redis, read from their stable ids.

    Started jobs are not counted: a document whose job started but that is stale
    was abandoned by a dead worker, and rq will not run that job again."""
    assert current.redis_url is not None
    connection = redis_connection(current.redis_url)
    found: set[tuple[str, int]] = set()
    for name in ALL_QUEUES:
        for identity in Queue(name, connection=connection).get_job_ids():
            job = document_of(identity)
            if job is not None:
                found.add(job)
    return found


# --------------------------------------------------------------------------- rounds on rq's scheduler
def queue_upkeep_round(every: float = QUEUE_UPKEEP_SECONDS) -> int:
    """One scheduled round of ``queue_upkeep`` (an rq job); schedules the next one."""
    current = settings()
    try:
        return queue_upkeep(current)
    finally:
        schedule_round(current, queue_upkeep_round, every)


def recover_round(every: float = RECOVER_SECONDS) -> dict[str, int]:
    """One scheduled round of ``recover`` (an rq job); schedules the next one."""
    current = settings()
    try:
        return recover(current)
    finally:
        schedule_round(current, recover_round, every)


def round_id(function, slot: float) -> str:  # type: ignore[no-untyped-def]
    """``upkeep-recover-1796392860`` : the round's kind and the second it is due."""
    name = function.__name__.removesuffix("_round").replace("_", "-")
    return f"upkeep-{name}-{int(slot)}"


def schedule_round(current: Settings, function, every: float) -> str | None:  # type: ignore[no-untyped-def]
    """Schedule ``function(every)`` at the next multiple of ``every`` seconds, once.

    The job id names the slot, and rq refuses a second job under it: the first
    process to ask schedules the round, the others change nothing. Returns the id
    scheduled now, or None when it was scheduled already."""
    assert current.redis_url is not None
    every = max(1.0, float(every))
    slot = (math.floor(time.time() / every) + 1) * every
    identity = round_id(function, slot)
    try:
        Queue(UPKEEP_QUEUE, connection=redis_connection(current.redis_url)).enqueue_at(
            datetime.fromtimestamp(slot, UTC),
            function,
            every,
            job_id=identity,
            unique=True,
            job_timeout=stale_after(current),
            result_ttl=max(60, int(2 * every)),
            failure_ttl=86400,
            description=f"{function.__name__}(every={every:g}s)",
        )
    except DuplicateJobError:
        return None
    return identity


def schedule_upkeep(current: Settings, *, recover_every: float = RECOVER_SECONDS,
                    queue_every: float = QUEUE_UPKEEP_SECONDS) -> list[str]:
    """Make sure the next round of each upkeep is on rq's schedule; the ids scheduled now."""
    scheduled = [schedule_round(current, recover_round, recover_every),
                 schedule_round(current, queue_upkeep_round, queue_every)]
    return [identity for identity in scheduled if identity is not None]
