"""Receive a file for a client: checked at the door, the original stored, then recorded.

Two things are refused before a byte is written, so no one can fill the disk: a file
over MAX_UPLOAD_MB (:class:`TooLarge`) and a file that would take a client past its
storage quota (:class:`QuotaExceeded`, QUOTA_MB_PER_CLIENT). The uploader is told at
once and still has the file. Everything else is stored first; the sniffing of the
format happens after, and a file Boekbrug cannot handle becomes a document in the
FAILED state with the reason, kept and retryable (:func:`sniff_again` under the limits
of the day), never an exception that loses it.

The same bytes sent twice at the same moment (two browser tabs, an upload next to a
folder ingest) are one document: the insert runs in a savepoint, and when the unique
key (client, sha256, part) says another transaction recorded it first, that document
is returned as an exact re-upload.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Document
from models.enums import DocumentKind, DocumentStatus
from pipeline.core.config import Settings
from pipeline.core.errors import BoekbrugError, TooLarge
from pipeline.core.storage import display_name, read_original, sha256_of, store_original
from pipeline.intake.sniff import sniff

log = logging.getLogger(__name__)

MB = 1024 * 1024


class QuotaExceeded(BoekbrugError):
    code = "quota_exceeded"
    hint = "Ask the validation centre to raise the storage quota (QUOTA_MB_PER_CLIENT)."


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
    """Store ``data`` once and record it as a document of ``client_id``.

    Raises :class:`TooLarge` or :class:`QuotaExceeded` before anything is stored. An
    attachment of an e-mail (``parent_id``) is not held to them again: its bytes are
    kept already, inside the stored e-mail."""
    name = display_name(filename)
    existing = _existing(session, client_id, data)
    if existing is not None:
        return Received(existing.id, created=False, status=existing.status)
    if parent_id is None:
        check_size(settings, len(data), name)
        check_quota(session, settings, client_id, len(data), name)
    stored = store_original(settings.data_dir, data)
    document = Document(
        client_id=client_id,
        parent_id=parent_id,
        sha256=stored.sha256,
        original_path=stored.relative_path,
        original_filename=name,
        size_bytes=stored.size,
        channel=channel,
        status=DocumentStatus.RECEIVED,
    )
    try:
        # sniff the name as it will be shown and downloaded: "bill.exe\u200b" or
        # "bill.exe." must be judged as the "bill.exe" they become, not as typed
        document.kind = _sniff(settings, data, name)
    except BoekbrugError as error:
        document.status = DocumentStatus.FAILED
        document.error = error.reason()
    try:
        with session.begin_nested():  # a concurrent insert of the same bytes rolls back only this
            session.add(document)
            session.flush()
    except IntegrityError:
        earlier = _existing(session, client_id, data, sha256=stored.sha256)
        if earlier is None:
            raise
        log.info("document %s (%s) was recorded by a concurrent upload", earlier.id, name)
        return Received(earlier.id, created=False, status=earlier.status)
    log.info("received document %s (%s) for client %s", document.id, name, client_id)
    return Received(document.id, created=True, status=document.status)


def _existing(session: Session, client_id: int, data: bytes, *, sha256: str | None = None) -> Document | None:
    digest = sha256 or sha256_of(data)
    return session.scalars(
        select(Document).where(Document.client_id == client_id, Document.sha256 == digest, Document.part == "")
    ).first()


def check_size(settings: Settings, size: int, name: str = "The file") -> None:
    """Raise :class:`TooLarge` for a file over MAX_UPLOAD_MB (at the door, before storing)."""
    if size > settings.max_upload_mb * MB:
        raise TooLarge(f"{name} is {size / MB:.1f} MB; the limit is {settings.max_upload_mb} MB. "
                       "Nothing was kept: send a smaller file (fewer pages, or scanned at a lower resolution).")


def used_bytes(session: Session, client_id: int) -> int:
    """Bytes of originals stored for a client."""
    return int(session.scalar(select(func.coalesce(func.sum(Document.size_bytes), 0))
                              .where(Document.client_id == client_id, Document.part == "")) or 0)


def check_quota(session: Session, settings: Settings, client_id: int, size: int, name: str = "The file") -> None:
    """Raise :class:`QuotaExceeded` when ``size`` more bytes would pass the client's quota."""
    if settings.quota_mb_per_client <= 0:
        return
    used = used_bytes(session, client_id)
    if used + size > settings.quota_mb_per_client * MB:
        raise QuotaExceeded(
            f"{name} was not kept: this client's storage is full ({used / MB:.0f} MB of "
            f"{settings.quota_mb_per_client} MB used, the file needs {size / MB:.1f} MB more)."
        )


def sniff_again(settings: Settings, document: Document) -> bool:
    """A document refused at intake, judged again under today's code and limits.

    True when it is accepted now (its kind set, the reason cleared); False with the
    reason of today in ``document.error``."""
    data = read_original(settings.data_dir, document.original_path)
    try:
        document.kind = _sniff(settings, data, document.original_filename)
    except BoekbrugError as error:
        document.error = error.reason()
        return False
    document.error = None
    return True


def _sniff(settings: Settings, data: bytes, filename: str) -> DocumentKind:
    check_size(settings, len(data), filename)
    return sniff(data, filename)
