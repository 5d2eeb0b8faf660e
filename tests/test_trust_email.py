"""Issue 18 item 6: every attachment of an e-mail gets a line on it: taken, or refused with the reason."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pymupdf
from sqlalchemy import select

from models import Document
from models.enums import DocumentStatus
from pipeline.core.accounts import (
    get_or_create_client,
    get_or_create_office,
)
from pipeline.core.db import unit_of_work
from pipeline.intake.email import build_email
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.retry import retry_documents


def _pdf() -> bytes:
    document = pymupdf.open()
    document.new_page().insert_text((72, 72), "Factuur 2026-0042  Totaal 121,00 EUR")
    return document.tobytes()


def _zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "x" * 100)
    return buffer.getvalue()


def test_a_mail_with_a_pdf_a_zip_and_a_docx_says_what_became_of_each(
    db_url: str, settings_for, tmp_path: Path
) -> None:
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        get_or_create_client(session, get_or_create_office(session, "Office"), "Client")
    pdf = _pdf()
    mail = build_email(
        "facturen@leverancier.example",
        "Facturen",
        [
            ("factuur.pdf", pdf, "application/pdf"),
            ("archief.zip", _zip("factuur.pdf"), "application/zip"),
            (
                "brief.docx",
                _zip("word/document.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("kopie.pdf", pdf, "application/pdf"),  # the same file twice
        ],
    )
    path = tmp_path / "mail.eml"
    path.write_bytes(mail)
    (mail_id,) = ingest_files(settings, "Client", [path]).document_ids
    with unit_of_work(db_url) as session:
        message = session.get(Document, mail_id)
        assert message.status is DocumentStatus.SPLIT
        lines = {line["file"]: line for line in message.attachment_lines}
        children = {
            c.original_filename: c
            for c in session.scalars(
                select(Document).where(Document.parent_id == mail_id)
            )
        }
    assert set(lines) == {"factuur.pdf", "archief.zip", "brief.docx", "kopie.pdf"}
    assert (
        lines["factuur.pdf"]["taken"]
        and lines["factuur.pdf"]["document_id"] == children["factuur.pdf"].id
    )
    for refused in ("archief.zip", "brief.docx"):
        assert (
            not lines[refused]["taken"]
            and "ZIP archive or Office document" in lines[refused]["reason"]
        )
        # kept as a failed document with the reason: seen in the lists, retryable
        assert (
            children[refused].status is DocumentStatus.FAILED
            and "unsupported_format" in children[refused].error
        )
        assert lines[refused]["document_id"] == children[refused].id
    assert (
        not lines["kopie.pdf"]["taken"] and "same file" in lines["kopie.pdf"]["reason"]
    )
    assert children["factuur.pdf"].status is not DocumentStatus.FAILED
    assert (
        retry_documents(settings, [children["archief.zip"].id]) == []
    )  # still no invoice document
