"""A document says what it means: failure, rejection, rule findings, notes and page ranges
each in a column of its own (issue #14), and the migration carries old rows over."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    column,
    insert,
    select,
    table,
)
from sqlalchemy.exc import StatementError

from models import Correction, Document
from models.enums import CorrectionAction, DocumentStatus, PaymentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import engine_for, unit_of_work

MINE = "0007_document_reasons"
SEVERAL = "this PDF seems to hold several invoices (pages 1-2, 3-4): an operator should split it"
UNREAD = "page 3: not read (OCR timed out)"
# (status, old error) → (error, rejection_reason, rule_findings, review_notes, invoice_page_ranges)
OLD_ROWS = {
    "failed": ("[corrupt_file] the PDF cannot be opened", None, None, None, None),
    "rejected": ("rejected: unreadable scan", None, None, None, None),
    "duplicate": ("duplicate of document 1 (a.pdf)", None, None, None, None),
    "needs_validation": (
        "[rule_violation] BR-S-02: the seller's VAT number",
        None,
        None,
        None,
        None,
    ),
    "in_validation": (f"{UNREAD}; {SEVERAL}", None, None, None, None),
    "split": (SEVERAL, None, None, None, None),
    "released": (None, None, None, None, None),
}
EXPECTED = {
    "failed": ("[corrupt_file] the PDF cannot be opened", None, None, None, None),
    "rejected": (None, "rejected: unreadable scan", None, None, None),
    "duplicate": (None, "duplicate of document 1 (a.pdf)", None, None, None),
    "needs_validation": (
        None,
        None,
        "[rule_violation] BR-S-02: the seller's VAT number",
        None,
        None,
    ),
    "in_validation": (None, None, None, [UNREAD, SEVERAL], [[1, 2], [3, 4]]),
    "split": (None, None, None, [SEVERAL], [[1, 2], [3, 4]]),
    "released": (None, None, None, None, None),
}

old_documents = table(
    "documents", column("id", Integer), column("client_id", Integer), column("part", String),
    column("sha256", String), column("original_path", String), column("original_filename", String),
    column("size_bytes", Integer), column("channel", String), column("status", String), column("error", Text),
    column("attempts", Integer), column("priority", Integer), column("auto_released", Boolean),
    column("updated_at", DateTime(timezone=True)),
)  # fmt: skip


def _config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    return config


def test_the_migration_carries_every_meaning_to_its_column_and_back(
    db_url: str,
) -> None:
    with unit_of_work(db_url) as session:
        client_id = get_or_create_client(
            session, get_or_create_office(session, "Office"), "Client"
        ).id
    config = _config(db_url)
    before = ScriptDirectory.from_config(config).get_revision(MINE).down_revision
    command.downgrade(config, str(before))
    engine_for(db_url).dispose()
    ids: dict[str, int] = {}
    with engine_for(db_url).begin() as connection:
        for number, (status, (error, *_)) in enumerate(OLD_ROWS.items()):
            ids[status] = connection.execute(
                insert(old_documents)
                .values(
                    client_id=client_id,
                    part="",
                    sha256=f"{number:064d}",
                    original_path="x",
                    original_filename="x.pdf",
                    size_bytes=1,
                    channel="upload",
                    status=status,
                    error=error,
                    attempts=0,
                    priority=0,
                    auto_released=False,
                    updated_at=datetime.now(UTC),
                )
                .returning(old_documents.c.id)
            ).scalar_one()
    command.upgrade(config, "head")
    engine_for(db_url).dispose()
    with unit_of_work(db_url) as session:
        for status, expected in EXPECTED.items():
            document = session.get(Document, ids[status])
            assert document is not None
            got = (
                document.error,
                document.rejection_reason,
                document.rule_findings,
                document.review_notes,
                document.invoice_page_ranges,
            )
            assert got == expected, status
            assert (
                document.status_reason == OLD_ROWS[status][0]
            )  # what a person read before, still said
    command.downgrade(
        config, str(before)
    )  # and back: error holds it all again, as the old code wrote it
    engine_for(db_url).dispose()
    with engine_for(db_url).connect() as connection:
        back = dict(
            connection.execute(
                select(old_documents.c.status, old_documents.c.error)
            ).all()
        )
    assert back == {status: error for status, (error, *_) in OLD_ROWS.items()}
    command.upgrade(config, "head")
    engine_for(db_url).dispose()


def test_status_words_are_enums_in_the_database(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        client = get_or_create_client(
            session, get_or_create_office(session, "Office"), "Client"
        )
        document = Document(
            client_id=client.id,
            sha256="a" * 64,
            original_path="x",
            original_filename="x.pdf",
            size_bytes=1,
            payment_status="paid",
        )
        session.add(document)
        session.flush()
        from pipeline.core.accounts import create_user

        user = create_user(session, "op", "password-123", "operator")
        session.add(
            Correction(
                document_id=document.id,
                user_id=user.id,
                field_name="iban",
                action="correct",
            )
        )
        document_id = document.id
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        assert document.payment_status is PaymentStatus.PAID
        correction = session.scalars(
            select(Correction).where(Correction.document_id == document_id)
        ).one()
        assert correction.action is CorrectionAction.CORRECT
    with (
        pytest.raises(StatementError, match="not among the defined enum values"),
        unit_of_work(db_url) as session,
    ):
        session.get(
            Document, document_id
        ).payment_status = "maybe"  # a word that is no status is refused
        session.flush()


def test_clear_reasons_is_a_fresh_start() -> None:
    document = Document(
        error="[x] y",
        rejection_reason="r",
        rule_findings="f",
        review_notes=["n"],
        invoice_page_ranges=[[1, 1]],
    )
    assert document.status_reason == "[x] y"
    document.clear_reasons()
    assert (
        document.status_reason is None
        and document.review_notes is None
        and document.invoice_page_ranges is None
    )
    assert DocumentStatus.FAILED.value == "failed"
