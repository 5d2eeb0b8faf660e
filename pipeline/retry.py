"""Retry failed documents: back to RECEIVED with a clean slate, and enqueue their reading."""

from __future__ import annotations

from sqlalchemy import select

from models import Document
from models.enums import DocumentStatus
from pipeline.config import Settings
from pipeline.db import unit_of_work
from pipeline.jobs import READ_QUEUE, enqueue, read_job


def retry_documents(settings: Settings, ids: list[int], *, all_failed: bool = False) -> list[int]:
    with unit_of_work(settings.database_url) as session:
        query = select(Document).where(Document.status == DocumentStatus.FAILED)
        if not all_failed:
            query = query.where(Document.id.in_(ids))
        documents = list(session.scalars(query))
        for document in documents:
            document.status = DocumentStatus.RECEIVED
            document.attempts = 0
        retried = [document.id for document in documents if document.kind is not None]
        for document in documents:
            if document.kind is None:  # refused at intake: sniff again, maybe limits changed
                document.status = DocumentStatus.FAILED
    for document_id in retried:
        enqueue(settings, read_job, document_id, queue=READ_QUEUE)
    return retried
