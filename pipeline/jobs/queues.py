"""The job queues and how a job is put on them: rq on Redis, or in-process.

With ``REDIS_URL`` unset, ``enqueue`` runs the job right away in this process (the
embedded default: a bare machine needs no service). With ``REDIS_URL`` set, the job
goes to Redis: the slow reading/OCR work on ``boekbrug-read``, the fast UBL and
delivery work on ``boekbrug-release``, the upkeep rounds on ``boekbrug-upkeep``, and
``python -m pipeline worker`` on any number of machines sharing one Redis and one
database does it.

A document's job has a stable id, ``read-<document id>`` or ``release-<document id>``
(rq allows letters, digits, ``_`` and ``-`` in an id, no colon): rq refuses a second
job under an id that is still waiting, so a document is never queued twice, however
many recoveries, retries and uploads ask for it. An id whose job has ended (finished,
failed, or started by a worker that died) is taken over by the new job.

A worker killed in the middle of a job (kill -9) loses nothing: the document stays
READING with the time it started; ``recover`` (``pipeline.jobs.upkeep``) puts documents
left READING longer than ``stale_after`` back in the queue, up to MAX_ATTEMPTS times,
then fails them with a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from pipeline.core.config import Settings

log = logging.getLogger(__name__)

READ_QUEUE = "boekbrug-read"
RELEASE_QUEUE = "boekbrug-release"
ALL_QUEUES = (READ_QUEUE, RELEASE_QUEUE)  # the queues of documents' jobs
UPKEEP_QUEUE = "boekbrug-upkeep"  # queue upkeep and recovery rounds, scheduled by rq (pipeline.jobs.upkeep)
MAX_ATTEMPTS = 3
# a job under its id that is waiting to run: asking for it again changes nothing
WAITING = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


@lru_cache(maxsize=4)
def redis_connection(url: str):  # type: ignore[no-untyped-def]
    return Redis.from_url(url)


def stale_after(current: Settings) -> int:
    """Seconds after which a READING document is taken for abandoned."""
    return max(120, 2 * current.seconds_per_page * min(current.max_pages, 10))


def job_id(function: Callable[..., Any], document_id: int) -> str:
    """``read-42`` for ``read_job(42)``, ``release-42`` for ``release_job(42)``."""
    return f"{function.__name__.removesuffix('_job')}-{int(document_id)}"


def document_of(job_id_text: str) -> tuple[str, int] | None:
    """``("read", 42)`` for ``read-42``; None for an id that is no document's job."""
    kind, _, number = job_id_text.rpartition("-")
    return (kind, int(number)) if kind and number.isdigit() else None


def enqueue(current: Settings, function: Callable[..., Any], document_id: int, *, queue: str = READ_QUEUE,
            over_started: bool = False) -> bool:
    """Run ``function(document_id)`` here (no Redis) or queue it under its stable id.

    Returns True when the job ran or was queued now, False when the same job was
    already waiting. ``over_started``: a job of that id that rq still takes for
    started is replaced (``recover`` passes it for documents whose worker died)."""
    if current.redis_url is None:
        function(document_id)
        return True
    connection = redis_connection(current.redis_url)
    target = Queue(queue, connection=connection)
    identity = job_id(function, document_id)
    for _ in range(2):
        try:
            target.enqueue(
                function,
                document_id,
                job_id=identity,
                unique=True,
                job_timeout=stale_after(current),
                result_ttl=3600,
                failure_ttl=7 * 86400,
                description=f"{function.__name__}({document_id})",
            )
            return True
        except DuplicateJobError:
            if not _clear_ended(connection, identity, over_started=over_started):
                return False
    return False  # a concurrent caller queued it between our two tries: it is waiting


def _clear_ended(connection: Redis, identity: str, *, over_started: bool) -> bool:
    """Delete the job under ``identity`` if it has ended; False when it is waiting (or running)."""
    try:
        existing = Job.fetch(identity, connection=connection)
        status = existing.get_status()
    except NoSuchJobError:  # expired between the refusal and the look
        return True
    if status in WAITING or (status is JobStatus.STARTED and not over_started):
        return False
    existing.delete()
    return True


def enqueue_or_leave(current: Settings, function: Callable[..., Any], document_id: int, *,
                     queue: str = READ_QUEUE) -> bool:
    """Enqueue, or, when Redis cannot be reached, log it and return False.

    For callers whose state is already committed (a stored, RECEIVED document; a
    VALIDATED one): the database is the truth and the queue only a hint, so a Redis
    that is down or restarting loses nothing — ``recover`` (every minute) enqueues
    whatever is RECEIVED or VALIDATED and not in a queue. A job already waiting under
    the same id counts as queued. Without Redis the job runs inline, and a crash of it
    is logged the same way."""
    try:
        enqueue(current, function, document_id, queue=queue)
    except (RedisConnectionError, RedisTimeoutError) as error:
        log.warning("%s(%s) not queued, Redis is unreachable (%s); recover will queue it",
                    function.__name__, document_id, error)
        return False
    except Exception:  # without Redis the job ran inline: its crash must not stop the caller's batch
        if current.redis_url is not None:
            raise
        log.exception("%s(%s) failed inline; recover or retry will run it again", function.__name__, document_id)
        return False
    return True
