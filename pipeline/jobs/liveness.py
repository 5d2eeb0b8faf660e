"""Who is reading a document, and whether that reader is still alive.

A document taken for reading records its reader (``Document.reading_by``): an rq
worker as ``rq:<worker name>``, a process running jobs in-process (the embedded
default, no Redis) as ``embedded:<host>:<pid>``. ``recover`` then tells a reader that
died (kill -9, out of memory, a lost machine) from a slow one without waiting for the
stale limit:

* an rq worker beats a heartbeat key in Redis with a short TTL from a thread of its
  own (:func:`keep_heartbeat`), also while a job runs — rq's own worker key cannot
  serve: rq's SimpleWorker renews it only between jobs, with a TTL as long as the job's
  timeout (20 minutes for reading). A worker whose key has expired is dead, and its
  documents are requeued at the next recovery round (every 30 s);
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
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Document
from models.enums import DocumentStatus
from pipeline.core.config import Settings
from pipeline.jobs.queues import redis_connection

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
HEARTBEAT_TTL = 20  # a worker silent this long is dead: its documents are requeued at the next round
HEARTBEAT_PREFIX = "boekbrug:alive:"


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
        connection = redis_connection(current.redis_url)
        try:
            if connection.exists(heartbeat_key(rest)):
                return True
            # a Redis just restarted (without persistence) has lost every heartbeat: no
            # verdict until the live workers have had time to beat again
            return None if int(connection.info("server").get("uptime_in_seconds", 0)) < 2 * HEARTBEAT_TTL else False
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


def heartbeat_key(worker_name: str) -> str:
    return f"{HEARTBEAT_PREFIX}{worker_name}"


def keep_heartbeat(
    connection,
    worker_name: str,
    stop: threading.Event,
    every: float = HEARTBEAT_SECONDS,  # type: ignore[no-untyped-def]
    ttl: int = HEARTBEAT_TTL,
) -> None:
    """Loop for a daemon thread: the worker's heartbeat key, set now and every ``every``
    seconds with a TTL of ``ttl``, also while a job runs (rq's SimpleWorker only beats
    between jobs, with a TTL as long as the job's timeout); deleted on a clean stop."""
    every = min(every, ttl / 3)
    key = heartbeat_key(worker_name)
    while True:
        try:
            connection.set(key, "1", ex=ttl)
        except (RedisConnectionError, RedisTimeoutError) as error:
            log.warning(
                "worker %s: heartbeat not sent, Redis is unreachable (%s)",
                worker_name,
                error,
            )
        except Exception:
            log.warning("worker %s: heartbeat failed", worker_name, exc_info=True)
        if stop.wait(every):
            break
    try:
        connection.delete(key)
    except Exception:  # noqa: BLE001 - the key expires by itself
        log.info("worker %s: heartbeat key left to expire", worker_name)
