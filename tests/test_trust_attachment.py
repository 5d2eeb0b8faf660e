"""Issue 18 item 1: the file an incoming UBL carries is checked like an upload before it travels on."""

from __future__ import annotations

import base64
from pathlib import Path

import pymupdf
import pytest
from lxml import etree
from sqlalchemy import select

from models import Document, UblRelease, ValidationTask
from models.enums import DocumentKind, DocumentStatus, Role
from pipeline import api
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.intake.attached_file import check_attached_file, safe_name
from pipeline.jobs.ingest import ingest_files

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
PROGRAM = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 400
    + b"This program cannot be run in DOS mode"
)
HOSTILE_NAME = "..\\..\\Startup\\factuur.pdf.exe"


def _with_attachment(
    tmp_path: Path, content: bytes, name: str, mime: str = "application/pdf"
) -> Path:
    tree = etree.parse(str(UBL))
    node = tree.find(".//cbc:EmbeddedDocumentBinaryObject", NS)
    node.set("filename", name)
    node.set("mimeCode", mime)
    node.text = base64.b64encode(content).decode()
    target = tmp_path / "incoming.xml"
    tree.write(str(target), xml_declaration=True, encoding="UTF-8")
    return target


def _embedded(xml: bytes) -> list[tuple[str, bytes]]:
    root = etree.fromstring(xml)
    return [
        (node.get("filename"), base64.b64decode(node.text))
        for node in root.iterfind(".//cbc:EmbeddedDocumentBinaryObject", NS)
    ]


def _pdf() -> bytes:
    document = pymupdf.open()
    document.new_page().insert_text((72, 72), "Factuur INV-2026-0042")
    return document.tobytes()


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [
        (PROGRAM, HOSTILE_NAME, "application/pdf"),
        (
            b"%PDF-1.7\n" + PROGRAM,
            "factuur.pdf",
            "application/pdf",
        ),  # a PDF header, but no PDF that opens
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "factuur.pdf",
            "application/pdf",
        ),  # claims PDF, is an image
        (
            _pdf(),
            "../../factuur.pdf",
            "application/pdf",
        ),  # a real PDF under a name with folders
    ],
)
def test_a_file_that_is_not_what_it_claims_is_a_problem(
    content: bytes, name: str, mime: str
) -> None:
    checked = check_attached_file(name, mime, content)
    assert checked.problem is not None and not checked.is_pdf
    assert (
        "/" not in checked.filename
        and "\\" not in checked.filename
        and ".exe" not in checked.filename
    )


def test_a_real_pdf_passes_under_its_own_name() -> None:
    checked = check_attached_file("INV-2026-0042.pdf", "application/pdf", _pdf())
    assert (
        checked.problem is None
        and checked.is_pdf
        and checked.filename == "INV-2026-0042.pdf"
    )
    assert safe_name(HOSTILE_NAME, DocumentKind.PDF) == "factuur.pdf"


def test_a_program_labelled_pdf_stops_auto_release_and_never_reaches_the_accountant(
    db_url: str, settings_for, tmp_path: Path
) -> None:
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0987654394")
        operator = principal_of(
            create_user(session, "op", "password-123", Role.OPERATOR)
        )
    document_id = ingest_files(
        settings, "Client", [_with_attachment(tmp_path, PROGRAM, HOSTILE_NAME)]
    ).document_ids[0]
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        # every field is certain (structured XML): only the attachment keeps it from auto-release
        assert document.status is DocumentStatus.NEEDS_VALIDATION, document.status_reason
        notes = "; ".join(document.review_notes or ())  # a note for the operator, not a failure
        assert "factuur.bin" in notes and "Windows program" in notes
        assert (
            session.scalars(
                select(UblRelease).where(UblRelease.document_id == document_id)
            ).all()
            == []
        )
        task = session.scalars(
            select(ValidationTask).where(ValidationTask.document_id == document_id)
        ).one()
        assert "not passed on" in task.reason
    # an operator looks and validates the fields: the release carries no program bytes, no hostile name
    view = api.next_task(operator)
    assert view is not None and view.document.id == document_id
    api.save(operator, view.task_id, view.version, corrections={}, confirmed=[])
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        assert document.status is DocumentStatus.RELEASED, document.error
        release = session.scalars(
            select(UblRelease).where(UblRelease.released_document_id == document_id)
        ).one()
        xml = (settings.data_dir / release.xml_path).read_bytes()
    assert b"MZ\x90" not in b"".join(content for _, content in _embedded(xml))
    assert b"Startup" not in xml and b".exe" not in xml


def test_a_real_pdf_still_auto_releases_under_a_clean_name(
    db_url: str, settings_for, tmp_path: Path
) -> None:
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        get_or_create_client(
            session,
            get_or_create_office(session, "Office"),
            "Client",
            vat="BE0987654394",
        )
    pdf = _pdf()
    document_id = ingest_files(
        settings, "Client", [_with_attachment(tmp_path, pdf, "INV-2026-0042.pdf")]
    ).document_ids[0]
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        assert document.status is DocumentStatus.RELEASED, document.error
        release = session.scalars(
            select(UblRelease).where(UblRelease.released_document_id == document_id)
        ).one()
        xml = (settings.data_dir / release.xml_path).read_bytes()
    assert _embedded(xml) == [("INV-2026-0042.pdf", pdf)]
