"""The official rules gate every release: a fatal finding sends the document back to an
operator with the rule's message on the field; the operator's fix then releases it."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from sqlalchemy import select

from models import Document, ExtractedFieldRow, UblRelease, ValidationTask
from models.enums import (
    DocumentStatus,
    FieldState,
    ReleaseStatus,
    Role,
    TaskKind,
    UblProfile,
)
from pipeline import api
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.jobs.ingest import ingest_files

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def _supplier_without_identifiers(tmp_path: Path) -> Path:
    tree = etree.parse(str(UBL))
    party = tree.find("cac:AccountingSupplierParty/cac:Party", NS)
    for path in ("cbc:EndpointID", "cac:PartyTaxScheme", "cac:PartyLegalEntity/cbc:CompanyID"):
        node = party.find(path, NS)
        node.getparent().remove(node)
    target = tmp_path / "no-supplier-ids.xml"
    tree.write(str(target), xml_declaration=True, encoding="UTF-8")
    return target


def test_rule_failure_goes_back_to_an_operator_then_releases(db_url: str, settings_for, tmp_path: Path) -> None:
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0987654394")
        operator = principal_of(create_user(session, "op", "password-123", Role.OPERATOR))
    document_id = ingest_files(settings, "Client", [_supplier_without_identifiers(tmp_path)]).document_ids[0]

    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        assert document.status is DocumentStatus.NEEDS_VALIDATION
        # no seller address: EN 16931 profile, where the Peppol routing rule is only reported;
        # the seller still needs a VAT number (BR-S-02), which the operator is asked for in words
        assert document.error is None  # findings, not a failure
        assert "BR-S-02" in (document.rule_findings or "") and "seller's VAT number" in (document.rule_findings or "")
        failed = session.scalars(select(UblRelease).where(UblRelease.document_id == document_id)).one()
        assert failed.status is ReleaseStatus.FAILED and failed.fatal_count >= 1
        assert failed.profile is UblProfile.EN16931 and failed.failure and "BR-S-02" in failed.failure
        routing = [f for f in failed.findings if f["rule_id"] == "PEPPOL-EN16931-R020"]
        assert routing and routing[0]["flag"] == "warning"
        task = session.scalars(select(ValidationTask).where(ValidationTask.document_id == document_id)).one()
        assert task.kind is TaskKind.RULE_FAILURE

    view = api.next_task(operator)
    assert view is not None and view.document.id == document_id
    result = api.save(operator, view.task_id, view.version, corrections={"supplier_vat": "BE0123456749"}, confirmed=[])
    assert result.status in (DocumentStatus.VALIDATED, DocumentStatus.RELEASED)
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        assert document.status is DocumentStatus.RELEASED
        passed = session.scalars(select(UblRelease).where(UblRelease.released_document_id == document_id)).one()
        assert passed.profile is UblProfile.PEPPOL_BIS3  # the VAT number gives the seller an address
        xml = (settings.data_dir / passed.xml_path).read_bytes()
        assert b'<cbc:EndpointID schemeID="0208">0123456749</cbc:EndpointID>' in xml
        vat = session.scalars(select(ExtractedFieldRow).where(ExtractedFieldRow.document_id == document_id,
                                                              ExtractedFieldRow.name == "supplier_vat")).one()
        assert vat.state is FieldState.CORRECTED and vat.machine_value is None
