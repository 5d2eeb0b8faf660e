"""Handing UBLs over: one at a time, or a ZIP per period with a summary the accountant can book from.

Every hand-over to the office is a ``Delivery`` row (and an audit entry), and moves a
``released`` document to ``delivered``; a period's ZIP leaves out what was delivered
before unless asked for again (``include_delivered=True``). A client downloading its
own UBL is audited but is no delivery to the accountant.

The ZIP holds the UBL files, ``summary.csv`` (one row per document) and
``bookings.csv`` (the booking proposals, per document and per line). Amounts are
decimal strings with a point (``1263.00``), dates ISO.

A second copy of an invoice already handed over or in the same ZIP (same supplier,
number and amount: ``pipeline.review.duplicates.second_copies``) is not delivered as a
new purchase: its UBL stays out of the ZIP and out of bookings.csv, and its summary row
says ``second_copy_of`` (the earlier document) with no UBL file.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import Client, Delivery, Document, ExtractedFieldRow, UblRelease
from models.enums import DeliveryChannel, DocumentStatus, ReleaseStatus, Role
from pipeline.core.accounts import Principal, audit
from pipeline.core.config import Settings
from pipeline.core.csvsafe import write_csv
from pipeline.core.errors import BoekbrugError, Forbidden, NotFound
from pipeline.core.i18n import N_
from pipeline.core.storage import sha256_of
from pipeline.deliver.booking import booked, document_proposals
from pipeline.deliver.common import (
    actor_id,
    chunks,
    require_client_access,
    require_handover,
    slug,
    ubl_filename,
    validated_by,
)
from pipeline.deliver.library import HANDED_OVER
from pipeline.review.duplicates import second_copies

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = (
    "document_id", "client", "supplier_name", "supplier_vat", "invoice_number", "document_type", "issue_date",
    "due_date", "currency", "total_excl_vat", "total_vat", "total_incl_vat", "ledger_account", "vat_code",
    "booking", "booking_confidence", "booking_basis", "validated_by", "released_at", "ubl_file", "second_copy_of",
)
BOOKING_COLUMNS = (
    "document_id", "line_index", "ledger_account", "vat_code", "confidence", "basis", "booking",
    "final_ledger_account", "final_vat_code",
)
_EXTRA_FIELDS = ("supplier_vat", "total_excl_vat", "total_vat")


class DamagedRelease(BoekbrugError):
    code = "damaged_release"
    hint = N_("Restore DATA_DIR/releases from the backup; the validation centre can also release the document again.")


def released_ubl(session: Session, settings: Settings, document: Document) -> tuple[UblRelease, bytes]:
    release = session.scalars(select(UblRelease).where(UblRelease.released_document_id == document.id,
                                                       UblRelease.status == ReleaseStatus.PASSED)).first()
    if release is None or not release.xml_path:
        raise NotFound(N_("document {id} has no released UBL yet"), params={"id": document.id})
    path = settings.data_dir / release.xml_path
    if not path.is_file():
        raise NotFound(N_("the UBL of document {id} is missing from {folder}"), params={"id": document.id, "folder": settings.data_dir},
                       hint=N_("restore DATA_DIR/releases from the backup"))
    xml = path.read_bytes()
    if release.sha256 and sha256_of(xml) != release.sha256:  # never hand over a changed or torn file
        log.error("the stored UBL of document %s (%s) does not match its sha256 %s", document.id, path, release.sha256)
        raise DamagedRelease(N_("the stored UBL of document {id} is damaged: its content no longer matches the checksum "
                                "recorded at release"), params={"id": document.id})
    return release, xml


def record_delivery(session: Session, document: Document, release: UblRelease, channel: DeliveryChannel,
                    user_id: int | None, path: str | None) -> Delivery:
    delivery = Delivery(release_id=release.id, document_id=document.id, user_id=user_id, channel=channel,
                        path=path and path[:500])
    session.add(delivery)
    if document.status is DocumentStatus.RELEASED:
        document.status = DocumentStatus.DELIVERED
    return delivery


def download_ubl(session: Session, settings: Settings, principal: Principal, document_id: int) -> tuple[str, bytes]:
    """(file name, UBL bytes) of a released document; recorded as a delivery for the office."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(N_("document {id} not found"), params={"id": document_id})
    client = require_client_access(session, principal, document.client_id)
    if principal.role in (Role.OPERATOR, Role.SUPERVISOR):
        raise Forbidden(N_("the validation centre validates documents; it does not download them"))
    release, xml = released_ubl(session, settings, document)
    name = ubl_filename(document)
    if principal.role is Role.CLIENT:
        audit(session, actor_id(principal), "ubl_downloaded_by_client", f"document:{document.id}", name)
    else:
        require_handover(session, principal, client)
        record_delivery(session, document, release, DeliveryChannel.DOWNLOAD, actor_id(principal), name)
        audit(session, actor_id(principal), "ubl_downloaded", f"document:{document.id}", name)
    session.flush()
    return name, xml


def delivered_clause() -> Any:
    return exists().where(Delivery.document_id == Document.id)


def handed_over_documents(session: Session, client_id: int, date_from: date | None, date_to: date | None, *,
                          include_delivered: bool) -> list[Document]:
    """Released documents of a client in a period (issue date, inclusive), oldest first."""
    query = select(Document).where(
        Document.client_id == client_id,
        Document.status.in_(HANDED_OVER),
        exists().where(UblRelease.released_document_id == Document.id, UblRelease.status == ReleaseStatus.PASSED),
    )
    if date_from is not None:
        query = query.where(Document.issue_date >= date_from)
    if date_to is not None:
        query = query.where(Document.issue_date <= date_to)
    if not include_delivered:
        query = query.where(~delivered_clause())
    return list(session.scalars(query.order_by(Document.issue_date, Document.id)))


def zip_for_period(
    session: Session,
    settings: Settings,
    principal: Principal,
    client_id: int,
    date_from: date | None,
    date_to: date | None,
    include_delivered: bool = False,
) -> bytes:
    """A ZIP of the period's UBLs with summary.csv and bookings.csv; each document recorded as delivered.

    Documents delivered before (by any channel) are left out unless ``include_delivered``.
    """
    client = require_client_access(session, principal, client_id)
    require_handover(session, principal, client)
    documents = handed_over_documents(session, client_id, date_from, date_to, include_delivered=include_delivered)
    zip_name = f"{slug(client.name)}-{date_from or 'start'}-{date_to or 'now'}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files: dict[int, str] = {}
        copies = second_copies(session, documents)
        for document in documents:
            if document.id in copies:  # flagged in summary.csv, never delivered as a new purchase
                continue
            release, xml = released_ubl(session, settings, document)
            files[document.id] = ubl_filename(document)
            archive.writestr(files[document.id], xml)
            record_delivery(session, document, release, DeliveryChannel.ZIP, actor_id(principal), zip_name)
        archive.writestr("summary.csv", summary_csv(session, client, documents, files, copies))
        archive.writestr("bookings.csv", bookings_csv(session, [d.id for d in documents if d.id not in copies]))
    audit(session, actor_id(principal), "zip_downloaded", f"client:{client_id}",
          f"{len(documents) - len(copies)} document(s), {len(copies)} second copies flagged, {date_from} – {date_to}"
          f"{' (again)' if include_delivered else ''}")
    session.flush()
    log.info("zip for client %s: %d document(s)", client_id, len(documents))
    return buffer.getvalue()


# ---------------------------------------------------------------------------- CSV
def _decimal_text(value: Any) -> str:
    if value in (None, ""):
        return ""
    return format(value, "f") if not isinstance(value, str) else value


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _extra_fields(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for batch in chunks(ids):
        for document_id, name, value in session.execute(
            select(ExtractedFieldRow.document_id, ExtractedFieldRow.name, ExtractedFieldRow.value)
            .where(ExtractedFieldRow.document_id.in_(batch), ExtractedFieldRow.name.in_(_EXTRA_FIELDS))
        ):
            found.setdefault(document_id, {})[name] = value
    return found


def summary_rows(session: Session, client: Client, documents: Sequence[Document], files: dict[int, str],
                 copies: dict[int, int] | None = None) -> list[dict[str, str]]:
    ids = [d.id for d in documents]
    extra = _extra_fields(session, ids)
    who = validated_by(session, ids)
    proposals = document_proposals(session, ids)
    rows = []
    for document in documents:
        fields = extra.get(document.id, {})
        head = next((p for p in proposals.get(document.id, []) if p.line_index == -1), None)
        ledger, code = booked(head) if head is not None else (None, None)
        state = "none" if head is None else "proposed" if head.accepted is None else (
            "accepted" if head.accepted else "overridden")
        rows.append({
            "document_id": str(document.id),
            "client": client.name,
            "supplier_name": document.supplier_name or "",
            "supplier_vat": str(fields.get("supplier_vat") or ""),
            "invoice_number": document.invoice_number or "",
            "document_type": str(document.document_type or ""),
            "issue_date": document.issue_date.isoformat() if document.issue_date else "",
            "due_date": document.due_date.isoformat() if document.due_date else "",
            "currency": document.currency or "",
            "total_excl_vat": _decimal_text(fields.get("total_excl_vat")),
            "total_vat": _decimal_text(fields.get("total_vat")),
            "total_incl_vat": _decimal_text(document.total_incl_vat),
            "ledger_account": ledger or "",
            "vat_code": code or "",
            "booking": state,
            "booking_confidence": "" if head is None else f"{head.confidence:.2f}",
            "booking_basis": "" if head is None else head.basis or "",
            "validated_by": who.get(document.id, ""),
            "released_at": _iso(document.released_at),
            "ubl_file": files.get(document.id, ""),
            "second_copy_of": str((copies or {}).get(document.id) or ""),
        })
    return rows


def summary_csv(session: Session, client: Client, documents: Sequence[Document], files: dict[int, str],
                copies: dict[int, int] | None = None) -> bytes:
    return write_csv(summary_rows(session, client, documents, files, copies), SUMMARY_COLUMNS)


def bookings_csv(session: Session, document_ids: Sequence[int]) -> bytes:
    rows = []
    for document_id, proposals in sorted(document_proposals(session, list(document_ids)).items()):
        for p in proposals:
            rows.append({
                "document_id": str(document_id), "line_index": str(p.line_index),
                "ledger_account": p.ledger_account or "", "vat_code": p.vat_code or "",
                "confidence": f"{p.confidence:.2f}", "basis": p.basis or "",
                "booking": "proposed" if p.accepted is None else ("accepted" if p.accepted else "overridden"),
                "final_ledger_account": p.final_ledger_account or "", "final_vat_code": p.final_vat_code or "",
            })
    return write_csv(rows, BOOKING_COLUMNS)
