"""Build the UBL of a validated document, run the official rules, release or send back.

The body of the release job. A fatal finding blocks the release: the document goes
back to an operator with a RULE_FAILURE task and the rule's message on the fields it
concerns. A document is released at most once (a unique key on the release row).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Client, Document, UblRelease
from models.enums import (
    DocumentKind,
    DocumentStatus,
    FieldState,
    ReleaseStatus,
    TaskKind,
)
from pipeline.config import Settings
from pipeline.errors import BoekbrugError
from pipeline.fieldstore import current_values, field_rows
from pipeline.queue import open_task
from pipeline.split import original_bytes
from pipeline.storage import sha256_of
from pipeline.suppliers import remember

log = logging.getLogger(__name__)


def original_for_embedding(document: Document, data: bytes) -> tuple[str, bytes, str] | None:
    """The original as (filename, bytes, mime) to embed: PDFs as they are, images as PDF.

    An incoming UBL is its own original: the PDF it carries (if any) travels on."""
    stem = Path(document.original_filename).stem or f"document-{document.id}"
    if document.kind is DocumentKind.IMAGE:
        from pipeline.ubl.build import image_to_pdf

        return f"{stem}.pdf", image_to_pdf(data), "application/pdf"
    if document.kind is DocumentKind.PDF:
        return f"{stem}.pdf", data, "application/pdf"
    return _pdf_inside_ubl(data)


def _pdf_inside_ubl(data: bytes) -> tuple[str, bytes, str] | None:
    import base64

    from pipeline.ubl.xmlsafe import parse_untrusted

    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    for node in parse_untrusted(data).getroot().iter(f"{{{cbc}}}EmbeddedDocumentBinaryObject"):
        if node.get("mimeCode") == "application/pdf" and node.text:
            return node.get("filename") or "original.pdf", base64.b64decode(node.text), "application/pdf"
    return None


def with_client_as_buyer(values: dict, client: Client) -> dict:
    """An incoming invoice is addressed to our client: fill the buyer from what we know."""
    filled = dict(values)
    if not filled.get("customer_name"):
        filled["customer_name"] = client.name
    if not filled.get("customer_vat") and client.vat:
        filled["customer_vat"] = client.vat
    if not filled.get("customer_enterprise_number") and client.enterprise_number:
        filled["customer_enterprise_number"] = client.enterprise_number
    return filled


def release_document(session: Session, settings: Settings, document_id: int) -> UblRelease | None:
    from pipeline.ubl.build import build_ubl
    from pipeline.ubl.parse import invoice_data_from_values
    from pipeline.ubl.validate import validate

    document = session.get(Document, document_id)
    if document is None or document.status is not DocumentStatus.VALIDATED:
        return None
    already = session.scalars(select(UblRelease).where(UblRelease.released_document_id == document_id)).first()
    if already is not None:
        return already
    client = session.get(Client, document.client_id)
    assert client is not None
    rows = field_rows(session, document.id)
    values = with_client_as_buyer(current_values(rows), client)
    values["document_type"] = document.document_type
    proposal = _ledger_account(session, document)
    if proposal:
        values.setdefault("accounting_cost", proposal)
    try:
        invoice = invoice_data_from_values(values)
        original = original_for_embedding(document, original_bytes(settings, document))  # a part: its own pages
        xml = build_ubl(invoice, original)
        report = validate(xml)
    except BoekbrugError as error:
        return _send_back(session, document, client, [], error.reason())
    except (ValueError, KeyError, TypeError) as error:
        return _send_back(session, document, client, [], f"[ubl_build] cannot build the UBL: {error}")

    findings = [asdict(finding) for finding in report.findings]
    if not report.ok:
        release = UblRelease(document_id=document.id, status=ReleaseStatus.FAILED, ruleset=report.ruleset,
                             findings=findings, fatal_count=len(report.fatal), warning_count=len(report.warnings))
        session.add(release)
        messages = "; ".join(f"{f.rule_id}: {f.message}" for f in report.fatal[:5])
        _send_back(session, document, client, list(report.fields_in_error()), f"[rule_violation] {messages}")
        return release

    release = add_passed_release(session, settings, document.id, xml, report)
    try:
        session.flush()
    except IntegrityError:  # a concurrent job released it first
        session.rollback()
        return session.scalars(select(UblRelease).where(UblRelease.released_document_id == document_id)).first()
    document.status = DocumentStatus.RELEASED
    document.released_at = datetime.now(UTC)
    document.error = None
    remember(session, client.office_id, values)
    session.commit()
    return release


def add_passed_release(session: Session, settings: Settings, document_id: int, xml: bytes, report: Any) -> UblRelease:
    """Write the UBL under ``releases/`` (by sha256) and add its PASSED release row.

    The row's unique ``released_document_id`` makes a second release of the same
    document fail at flush: a document is released at most once."""
    digest = sha256_of(xml)
    relative = f"releases/{digest[:2]}/{digest}.xml"
    target = settings.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(xml)
    release = UblRelease(document_id=document_id, released_document_id=document_id, status=ReleaseStatus.PASSED,
                         ruleset=report.ruleset, xml_path=relative, sha256=digest,
                         findings=[asdict(finding) for finding in report.findings],
                         fatal_count=0, warning_count=len(report.warnings))
    session.add(release)
    return release


def _ledger_account(session: Session, document: Document) -> str | None:
    from pipeline.deliver.booking import proposal_for

    return proposal_for(session, document)


def _send_back(session: Session, document: Document, client: Client, field_names: list[str], reason: str) -> None:
    rows = field_rows(session, document.id)
    for name in field_names:
        row = rows.get(name)
        if row is not None:
            row.state = FieldState.FAILED_CHECK
            row.checks = [*(row.checks or []), {"name": "peppol_rules", "ok": False, "message": reason[:500]}]
    document.status = DocumentStatus.NEEDS_VALIDATION
    document.error = reason[:2000]
    open_task(session, document_id=document.id, client=client, kind=TaskKind.RULE_FAILURE,
              expected_errors=1.0, reason=reason, priority=document.priority + 1)
    session.commit()
