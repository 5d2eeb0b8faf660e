"""Receive a file for a client: the original is stored first, then recorded.

Nothing can fail before the bytes are safe on disk: the sniffing of the format
happens after, and a file Boekbrug cannot handle becomes a document in the FAILED
state with the reason, kept and retryable, never an exception that loses it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Document
from models.enums import DocumentStatus
from pipeline.config import Settings
from pipeline.errors import BoekbrugError, TooLarge
from pipeline.storage import display_name, store_original

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    document_id: int
    created: bool  # False: an exact re-upload, the earlier document is returned
    status: DocumentStatus


def receive(
    session: Session,
    settings: Settings,
    *,
    client_id: int,
    filename: str,
    data: bytes,
    channel: str = "upload",
    parent_id: int | None = None,
) -> Received:
    """Store ``data`` once and record it as a document of ``client_id``."""
    stored = store_original(settings.data_dir, data)
    existing = session.scalars(
        select(Document).where(
            Document.client_id == client_id, Document.sha256 == stored.sha256, Document.part == ""
        )
    ).first()
    if existing is not None:
        return Received(existing.id, created=False, status=existing.status)

    document = Document(
        client_id=client_id,
        parent_id=parent_id,
        sha256=stored.sha256,
        original_path=stored.relative_path,
        original_filename=display_name(filename),
        size_bytes=stored.size,
        channel=channel,
        status=DocumentStatus.RECEIVED,
    )
    try:
        # sniff the name as it will be shown and downloaded: "bill.exe\u200b" or
        # "bill.exe." must be judged as the "bill.exe" they become, not as typed
        document.kind = _sniff(settings, data, document.original_filename)
    except BoekbrugError as error:
        document.status = DocumentStatus.FAILED
        document.error = error.reason()
    session.add(document)
    session.flush()
    log.info("received document %s (%s) for client %s", document.id, document.original_filename, client_id)
    return Received(document.id, created=True, status=document.status)


def _sniff(settings: Settings, data: bytes, filename: str):  # type: ignore[no-untyped-def]
    from pipeline.intake.sniff import sniff

    if len(data) > settings.max_upload_mb * 1024 * 1024:
        raise TooLarge(f"the file is {len(data) / 1e6:.1f} MB; the limit is {settings.max_upload_mb} MB")
    return sniff(data, filename)
