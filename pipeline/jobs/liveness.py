"""Who is reading a document, and whether that reader is still alive.

A document taken for reading records its reader (``Document.reading_by``): an rq
worker as ``rq:<worker name>``, a process running jobs in-process (the embedded
default, no Redis) as ``embedded:<host>:<pid>``. ``recover`` then tells a reader that
died (kill -9, out of memory, a lost machine) from a slow one without waiting for the
stale limit:

* an rq worker keeps rq's own heartbeat — its ``rq:worker:<name>`` key — alive with
  a short TTL (:func:`keep_heartbeat`, every HEARTBEAT_SECONDS); a worker whose key has
  expired is dead, and its documents are requeued at the next recovery round;
* an in-process reader on this machine is dead when its process is gone.

A reader that cannot be judged (another machine's process, a row from before this
column) falls back on the stale limit (``pipeline.jobs.queues.stale_after``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import get_current_job
from rq.worker import Worker
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Document
from models.enums import DocumentStatus
from pipeline.core.config import Settings
from pipeline.jobs.queues import redis_connection

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
HEARTBEAT_TTL = 20  # a worker silent this long is dead: its documents are requeued at the next round


def reader_id() -> str:
    """This reader: the rq worker running the current job, or this process."""
    job = get_current_job()
    if job is not None and job.worker_name:
        return f"rq:{job.worker_name}"[:128]
    return f"embedded:{socket.gethostname()}:{os.getpid()}"[:128]


def reader_alive(reader: str | None, current: Settings) -> bool | None:
    """True / False when it can be told; None when it cannot (the stale limit decides)."""
    if not reader:
        return None
    kind, _, rest = reader.partition(":")
    if kind == "embedded":
        host, _, pid = rest.rpartition(":")
        if host != socket.gethostname() or not pid.isdigit():
            return None
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, another user's process
            return True
        return True
    if kind == "rq":
        if current.redis_url is None:
            return None
        try:
            return bool(
                redis_connection(current.redis_url).exists(
                    Worker.redis_worker_namespace_prefix + rest
                )
            )
        except (RedisConnectionError, RedisTimeoutError):
            return None  # Redis away: no verdict on anyone
    return None


def abandoned_documents(
    session: Session, current: Settings, stale_after_seconds: int
) -> list[int]:
    """Documents left READING by a reader that is dead, or that has not finished within the stale limit."""
    cutoff = datetime.now(UTC).timestamp() - stale_after_seconds
    found = []
    rows = session.execute(
        select(Document.id, Document.reading_started_at, Document.reading_by).where(
            Document.status == DocumentStatus.READING
        )
    ).all()
    for document_id, started, reader in rows:
        alive = reader_alive(reader, current)
        if alive is False:
            log.warning(
                "document %s: its reader %s is dead; it is read again",
                document_id,
                reader,
            )
            found.append(document_id)
        elif (
            started is None
            or (started if started.tzinfo else started.replace(tzinfo=UTC)).timestamp()
            < cutoff
        ):
            found.append(document_id)
    return found


def keep_heartbeat(
    worker: Worker,
    stop: threading.Event,
    every: float = HEARTBEAT_SECONDS,
    ttl: int = HEARTBEAT_TTL,
) -> None:
    """Loop for a daemon thread: rq's worker heartbeat with a short TTL, also while a job runs
    (rq's SimpleWorker only beats between jobs, with a TTL as long as the job's timeout)."""
    while not stop.wait(every):
        try:
            worker.heartbeat(ttl)
        except (RedisConnectionError, RedisTimeoutError) as error:
            log.warning(
                "worker %s: heartbeat not sent, Redis is unreachable (%s)",
                worker.name,
                error,
            )
        except Exception:
            log.warning("worker %s: heartbeat failed", worker.name, exc_info=True)
