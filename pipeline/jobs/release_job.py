"""Build the UBL of a validated document, run the official rules, release or send back.

The body of the release job. Every document type becomes UBL (a receipt: a purchase
invoice with the client as buyer and the shop as seller); the profile — Peppol BIS 3
or EN 16931 — follows from the parties' electronic addresses and is recorded on the
release. A fatal finding blocks the release and becomes a remedy
(``pipeline.ubl.remedies``): the fields that end it are put on the screen, and the task
is routed so it cannot loop (``pipeline.review.tasks.route_rule_failure``). A document
is released at most once (a unique key on the release row); a released one is then
forwarded to the office's delivery targets (``pipeline.deliver.forward``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Client, Document, ExtractedFieldRow, UblRelease
from models.enums import (
    DocumentKind,
    DocumentStatus,
    DocumentType,
    FieldSource,
    FieldState,
    ReleaseStatus,
    UblProfile,
)
from pipeline.core.config import Settings, settings
from pipeline.core.db import unit_of_work
from pipeline.core.errors import BoekbrugError
from pipeline.core.fields import FIELD_TYPES
from pipeline.core.storage import sha256_of, write_atomically
from pipeline.deliver.forward import forward_release
from pipeline.intake.attached_file import decode_embedded
from pipeline.review.fieldstore import current_values, field_rows
from pipeline.review.split import original_bytes
from pipeline.review.tasks import route_rule_failure
from pipeline.suppliers.memory import remember
from pipeline.suppliers.positions import learn_at_release
from pipeline.ubl.build import image_to_pdf
from pipeline.ubl.derive import derived_number
from pipeline.ubl.parse import IncompleteInvoice, invoice_data_from_values
from pipeline.ubl.profile import build_for_best_profile
from pipeline.ubl.remedies import Remedy, for_build_error, for_findings, for_incomplete
from pipeline.ubl.rules import active_ruleset

log = logging.getLogger(__name__)


def original_for_embedding(document: Document, data: bytes) -> tuple[str, bytes, str] | None:
    """The original as (filename, bytes, mime) to embed: PDFs as they are, images as PDF.

    An incoming UBL is its own original: the PDF it carries (if any) travels on."""
    stem = Path(document.original_filename).stem or f"document-{document.id}"
    if document.kind is DocumentKind.IMAGE:
        return f"{stem}.pdf", image_to_pdf(data), "application/pdf"
    if document.kind is DocumentKind.PDF:
        return f"{stem}.pdf", data, "application/pdf"
    return _pdf_inside_ubl(data)


def _pdf_inside_ubl(data: bytes) -> tuple[str, bytes, str] | None:
    """The first embedded file that is a PDF that opens, under a safe name; a file that
    is not what it claims (sniffed like an upload) never travels on."""
    from pipeline.core.xmlsafe import parse_untrusted

    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    for node in parse_untrusted(data).getroot().iter(f"{{{cbc}}}EmbeddedDocumentBinaryObject"):
        if node.get("mimeCode") != "application/pdf" or not node.text:
            continue
        checked = decode_embedded(node.get("filename") or "original.pdf", node.get("mimeCode"), node.text)
        if checked.is_pdf:
            return checked.filename, checked.content, "application/pdf"
        log.warning("embedded file %r left out of the release: %s", checked.filename, checked.problem)
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


def release_values(session: Session, document: Document, client: Client) -> dict:
    """The values the UBL is built from: the fields, the client as buyer, the document's
    type, a booking proposal, and a stable number for a ticket that prints none."""
    values = with_client_as_buyer(current_values(field_rows(session, document.id)), client)
    values["document_type"] = document.document_type
    proposal = _ledger_account(session, document)
    if proposal:
        values.setdefault("accounting_cost", proposal)
    if document.document_type is DocumentType.RECEIPT and not values.get("invoice_number"):
        values["invoice_number"] = derived_number(document.sha256, document.part)
    return values


def release_document(session: Session, settings: Settings, document_id: int) -> UblRelease | None:
    document = session.get(Document, document_id)
    if document is None or document.status is not DocumentStatus.VALIDATED:
        return None
    already = session.scalars(select(UblRelease).where(UblRelease.released_document_id == document_id)).first()
    if already is not None:
        return already
    client = session.get(Client, document.client_id)
    assert client is not None
    values = release_values(session, document, client)
    ruleset = active_ruleset().id
    try:
        invoice = invoice_data_from_values(values)
        original = original_for_embedding(document, original_bytes(settings, document))  # a part: its own pages
        xml, report, profile = build_for_best_profile(invoice, original)
    except IncompleteInvoice as error:
        return _send_back(session, document, client, for_incomplete(error.message, error.fields), ruleset, [])
    except BoekbrugError as error:
        return _send_back(session, document, client, for_build_error(error.reason()), ruleset, [])
    except (ValueError, KeyError, TypeError, ArithmeticError) as error:
        return _send_back(session, document, client, for_build_error(str(error)), ruleset, [])

    if not report.ok:
        remedy = for_findings(report.fatal)
        return _send_back(session, document, client, remedy, report.ruleset,
                          [asdict(finding) for finding in report.findings], profile)

    release = add_passed_release(session, settings, document.id, xml, report, profile)
    try:
        session.flush()
    except IntegrityError:  # a concurrent job released it first
        session.rollback()
        return session.scalars(select(UblRelease).where(UblRelease.released_document_id == document_id)).first()
    document.status = DocumentStatus.RELEASED
    document.released_at = datetime.now(UTC)
    document.clear_reasons()  # released: no failure, findings or notes hold it any more
    remember(session, client.office_id, values)
    learn_at_release(session, document)  # a person released the whole form: its certain fields count too
    session.commit()
    return release


def add_passed_release(session: Session, settings: Settings, document_id: int, xml: bytes, report: Any,
                       profile: UblProfile | None = None) -> UblRelease:
    """Write the UBL under ``releases/`` (by sha256) and add its PASSED release row.

    The row's unique ``released_document_id`` makes a second release of the same
    document fail at flush: a document is released at most once."""
    digest = sha256_of(xml)
    relative = f"releases/{digest[:2]}/{digest}.xml"
    target = settings.data_dir / relative
    if not target.exists() or sha256_of(target.read_bytes()) != digest:  # absent, or torn by an old crash
        write_atomically(target, xml)  # temporary file, fsync, rename: never half a UBL
    release = UblRelease(document_id=document_id, released_document_id=document_id, status=ReleaseStatus.PASSED,
                         ruleset=report.ruleset, xml_path=relative, sha256=digest, profile=profile,
                         findings=[asdict(finding) for finding in report.findings],
                         fatal_count=0, warning_count=len(report.warnings))
    session.add(release)
    return release


def _ledger_account(session: Session, document: Document) -> str | None:
    from pipeline.deliver.booking import proposal_for

    return proposal_for(session, document)


def record_rule_failure(document: Document, remedy: Remedy) -> None:
    """Say on the document why its release stopped and what ends it (code first, then words).

    The one place the release job writes a rule finding onto the document: its
    ``rule_findings`` column (``error`` is for failures only)."""
    document.rule_findings = f"[rule_violation] {remedy.say}"[:2000]


def _send_back(session: Session, document: Document, client: Client, remedy: Remedy, ruleset: str,
               findings: list[dict], profile: UblProfile | None = None) -> UblRelease:
    """Record the failed build, ask for the fields that end it, and route the task so it cannot loop."""
    times_seen = 1 + int(session.scalar(
        select(func.count()).select_from(UblRelease).where(
            UblRelease.document_id == document.id, UblRelease.status == ReleaseStatus.FAILED,
            UblRelease.failure == remedy.signature[:255])) or 0)
    fatal = [f for f in findings if f.get("flag") == "fatal"]
    release = UblRelease(document_id=document.id, status=ReleaseStatus.FAILED, ruleset=ruleset, profile=profile,
                         findings=findings, fatal_count=len(fatal) or 1,
                         warning_count=sum(1 for f in findings if f.get("flag") == "warning"),
                         failure=remedy.signature[:255])
    session.add(release)
    ask_for_fields(session, document, remedy)
    document.status = DocumentStatus.NEEDS_VALIDATION
    record_rule_failure(document, remedy)
    route_rule_failure(session, document_id=document.id, client=client, times_seen=times_seen,
                       needs_supervisor=remedy.supervisor, reason=remedy.say,
                       priority=document.priority + 1)
    session.commit()
    log.info("document %s sent back (%s, seen %d time(s))", document.id, remedy.signature, times_seen)
    return release


# fields the validation screen cannot confirm as shown: never marked as failing a check
_NOT_CONFIRMABLE = frozenset({"lines"})


def ask_for_fields(session: Session, document: Document, remedy: Remedy) -> None:
    """Put the remedy's fields on the screen with the words of the rule: the fields the rule
    names are marked as failing (to confirm or correct); a field the document has no row for
    gets an empty one, so the screen shows it."""
    rows = field_rows(session, document.id)
    check = {"name": "ubl_rules", "ok": False, "message": remedy.say[:500]}
    for name in remedy.fields:
        if name not in FIELD_TYPES:
            continue
        row = rows.get(name)
        if row is None:
            session.add(ExtractedFieldRow(document_id=document.id, name=name, value=None, machine_value=None,
                                          raw_confidence=0.0, confidence=0.0, source=FieldSource.OPERATOR,
                                          machine_source=FieldSource.OPERATOR, checks=[check],
                                          state=FieldState.MISSING))
            continue
        row.checks = [*(c for c in (row.checks or []) if c.get("name") != "ubl_rules"), check]
        if name in remedy.primary and row.value not in (None, "", []) and name not in _NOT_CONFIRMABLE:
            row.state = FieldState.FAILED_CHECK
    session.flush()


# --------------------------------------------------------------------------- the job
def release_job(document_id: int) -> None:
    """Build the UBL, run the official rules, release (or send back), then forward it to the office."""
    current = settings()
    with unit_of_work(current.database_url) as session:
        release = release_document(session, current, document_id)
        passed = release.id if release is not None and release.status is ReleaseStatus.PASSED else None
    if passed is not None:
        forward_release(current, passed)
