"""Ingest a batch of files for a client: store each, record it, enqueue its reading."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from models.enums import DocumentStatus
from pipeline.core.accounts import find_client
from pipeline.core.config import Settings
from pipeline.core.db import unit_of_work
from pipeline.core.errors import BoekbrugError
from pipeline.intake.receive import receive
from pipeline.jobs.queues import READ_QUEUE, enqueue_or_leave
from pipeline.jobs.read_job import read_job

log = logging.getLogger(__name__)


@dataclass
class IngestOutcome:
    document_ids: list[int] = field(default_factory=list)
    created: int = 0
    known: int = 0
    refused: int = 0
    to_read: list[int] = field(default_factory=list)
    not_queued: list[int] = field(default_factory=list)  # Redis was unreachable; recover queues them
    # files with no document: refused at the door (nothing stored) or failed to record; (path, why)
    not_taken: list[tuple[str, str]] = field(default_factory=list)


def ingest_files(
    settings: Settings,
    client_name: str,
    paths: Iterable[Path],
    *,
    channel: str = "folder",
    on_each: Callable[[Path, int], None] | None = None,
    enqueue_now: bool = True,
) -> IngestOutcome:
    """Store and record every file, then enqueue the new ones. Re-running creates nothing twice."""
    outcome = IngestOutcome()
    to_read: list[int] = []
    with unit_of_work(settings.database_url) as session:
        client = find_client(session, client_name)
        if client is None:
            raise LookupError(f"no client {client_name!r}; create it first (workbench: Clients page, or python -m pipeline demo)")
        client_id = client.id
    for path in paths:
        try:
            data = path.read_bytes()
            with unit_of_work(settings.database_url) as session:
                received = receive(session, settings, client_id=client_id, filename=path.name,
                                   data=data, channel=channel)
        except BoekbrugError as error:  # refused at the door (too large, quota): nothing kept, said
            outcome.refused += 1
            outcome.not_taken.append((str(path), error.message))
            log.warning("%s refused: %s", path, error.reason())
            continue
        except Exception as error:  # one file's failure (unreadable, database hiccup) never loses the others
            outcome.not_taken.append((str(path), f"not recorded: {type(error).__name__}: {error}"[:500]))
            log.exception("%s could not be received; the rest of the batch goes on", path)
            continue
        outcome.document_ids.append(received.document_id)
        if not received.created:
            outcome.known += 1
        elif received.status is DocumentStatus.FAILED:
            outcome.refused += 1
        else:
            outcome.created += 1
            to_read.append(received.document_id)
        if on_each is not None:
            on_each(path, received.document_id)
    outcome.to_read = to_read
    if enqueue_now:
        for document_id in to_read:  # the originals are stored and recorded: a queue outage loses nothing
            if outcome.not_queued or not enqueue_or_leave(settings, read_job, document_id, queue=READ_QUEUE):
                outcome.not_queued.append(document_id)  # after one refusal, don't knock again
    return outcome
