"""An export folder per office, client and VAT period, for an accounting package to pick up.

``DATA_DIR/exports/<office>/<client>/<period>/`` receives each newly released UBL once
(``Delivery`` channel ``export_folder``) and a ``summary.csv`` (and ``bookings.csv``)
rewritten to list every document exported to that folder so far. The period is the
client's VAT period of the issue date (``2026-11`` monthly, ``2026-Q4`` quarterly; the
release date where the invoice has none). Running it again writes nothing new.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import AccountingOffice, Client, Delivery, Document, UblRelease
from models.enums import DeliveryChannel, ReleaseStatus
from pipeline.core.config import Settings
from pipeline.core.csvsafe import write_csv
from pipeline.core.errors import NotFound
from pipeline.core.i18n import N_
from pipeline.deliver.common import slug, ubl_filename, vat_period
from pipeline.deliver.download import (
    BOOKING_COLUMNS,
    SUMMARY_COLUMNS,
    bookings_csv,
    record_delivery,
    released_ubl,
    summary_rows,
)
from pipeline.deliver.library import HANDED_OVER

log = logging.getLogger(__name__)

__all__ = ["BOOKING_COLUMNS", "SUMMARY_COLUMNS", "ExportResult", "export_folder", "export_one"]


@dataclass
class ExportResult:
    documents: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


def _utc_date(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def export_folder(session: Session, settings: Settings, office_id: int) -> ExportResult:
    """Write the office's not-yet-exported releases to its export folders; idempotent."""
    office = session.get(AccountingOffice, office_id)
    if office is None:
        raise NotFound(N_("office {id} not found"), params={"id": office_id})
    already = exists().where(Delivery.document_id == Document.id, Delivery.channel == DeliveryChannel.EXPORT_FOLDER)
    rows = session.execute(
        select(Document, Client)
        .join(Client, Client.id == Document.client_id)
        .where(Client.office_id == office_id, Document.status.in_(HANDED_OVER), ~already,
               exists().where(UblRelease.released_document_id == Document.id,
                              UblRelease.status == ReleaseStatus.PASSED))
        .order_by(Client.id, Document.id)
    ).all()
    result = ExportResult()
    touched: dict[Path, Client] = {}
    for document, client in rows:
        release, xml = released_ubl(session, settings, document)
        relative, target = _write_one(session, settings, office, client, document, release, xml)
        result.documents.append(document.id)
        result.files.append(target)
        touched[relative] = client
    session.flush()
    for relative, client in touched.items():
        _write_summaries(session, settings, client, relative)
        result.folders.append(settings.data_dir / relative)
    log.info("export for office %s: %d document(s) in %d folder(s)", office_id, len(result.documents), len(touched))
    return result


def _write_one(session: Session, settings: Settings, office: AccountingOffice, client: Client, document: Document,
               release: UblRelease, xml: bytes) -> tuple[Path, Path]:
    """One UBL into its period folder, recorded as an export-folder delivery."""
    moment = document.issue_date or _utc_date(document.released_at or document.received_at)
    relative = Path("exports") / slug(office.name, 60) / slug(client.name, 60) / vat_period(moment, client.vat_period)
    folder = settings.data_dir / relative
    folder.mkdir(parents=True, exist_ok=True)
    name = ubl_filename(document)
    target = folder / name
    if not target.exists() or target.read_bytes() != xml:
        _write_atomically(target, xml)
    record_delivery(session, document, release, DeliveryChannel.EXPORT_FOLDER, None, str(relative / name))
    return relative, target


def export_one(session: Session, settings: Settings, document: Document, release: UblRelease, xml: bytes) -> Path:
    """Forward one release to its office's export folder (a delivery target), summaries rewritten."""
    client = session.get(Client, document.client_id)
    assert client is not None
    office = session.get(AccountingOffice, client.office_id)
    assert office is not None
    relative, target = _write_one(session, settings, office, client, document, release, xml)
    session.flush()
    _write_summaries(session, settings, client, relative)
    return target


def _write_summaries(session: Session, settings: Settings, client: Client, relative: Path) -> None:
    """summary.csv and bookings.csv of everything exported to this folder so far."""
    prefix = str(relative) + os.sep
    exported = session.execute(
        select(Document, Delivery.path)
        .join(Delivery, Delivery.document_id == Document.id)
        .where(Delivery.channel == DeliveryChannel.EXPORT_FOLDER, Delivery.path.startswith(prefix, autoescape=True))
        .order_by(Document.issue_date, Document.id)
    ).all()
    documents = list(dict.fromkeys(document for document, _ in exported))
    files = {document.id: Path(path).name for document, path in exported}
    folder = settings.data_dir / relative
    _write_atomically(folder / "summary.csv", write_csv(summary_rows(session, client, documents, files), SUMMARY_COLUMNS))
    _write_atomically(folder / "bookings.csv", bookings_csv(session, [d.id for d in documents]))
