"""Retry failed or stuck documents: back to RECEIVED with a clean slate, and enqueue their reading."""

from __future__ import annotations

from sqlalchemy import select

from models import Document
from models.enums import DocumentStatus
from pipeline.core.config import Settings
from pipeline.core.db import unit_of_work
from pipeline.intake.receive import sniff_again
from pipeline.jobs.liveness import abandoned_documents
from pipeline.jobs.queues import READ_QUEUE, enqueue, stale_after
from pipeline.jobs.read_job import read_job


def retry_documents(settings: Settings, ids: list[int], *, all_failed: bool = False) -> list[int]:
    """Read again: failed documents, and documents stuck READING by a reader that died
    (or that passed the stale limit). A file refused at intake is judged again under
    today's code and limits first; one still refused stays FAILED with today's reason."""
    with unit_of_work(settings.database_url) as session:
        stuck = set(abandoned_documents(session, settings, stale_after(settings)))
        query = select(Document).where(Document.status.in_((DocumentStatus.FAILED, DocumentStatus.READING)))
        if not all_failed:
            query = query.where(Document.id.in_(ids))
        documents = [d for d in session.scalars(query) if d.status is DocumentStatus.FAILED or d.id in stuck]
        retried = []
        for document in documents:
            if document.kind is None and not sniff_again(settings, document):
                continue  # still refused at intake: FAILED, with the reason of today
            document.status = DocumentStatus.RECEIVED
            document.attempts = 0
            retried.append(document.id)
    for document_id in retried:
        # a stuck document's job may still look started in rq: it is taken over
        enqueue(settings, read_job, document_id, queue=READ_QUEUE, over_started=document_id in stuck)
    return retried
