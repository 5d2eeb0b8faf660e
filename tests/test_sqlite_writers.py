"""The embedded default has one SQLite file and several processes writing to it (the
workbench, the HTTP API, the mailbox, in-process jobs). In WAL mode a transaction that
has read and then finds another connection committed cannot write any more: SQLite
answers "database is locked" at once, whatever the busy timeout. Python's sqlite3 (the
driver's default transaction handling, which the engine keeps) begins a transaction only
at the first write, so the seconds a document takes to read hold no snapshot; this test
fails if that ever changes (a driver in autocommit=False mode, a read opened with BEGIN)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from models import Document
from models.enums import DocumentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.db import engine_for, unit_of_work
from pipeline.jobs import read_job
from pipeline.jobs.ingest import ingest_files

UBL = Path(__file__).parent / "fixtures" / "be-invoice-0208.xml"


def test_a_write_elsewhere_while_a_document_is_read_does_not_fail_it(db_url: str, settings_for, monkeypatch) -> None:
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        client_id = get_or_create_client(session, office, "Client", vat="BE0987654394").id
    real = read_job.read_and_extract

    def read_while_someone_else_writes(*args, **kwargs):  # type: ignore[no-untyped-def]
        # another process (an operator saving, an upload) commits while this page is read
        with engine_for(db_url).connect() as other:
            other.execute(text("UPDATE clients SET name = 'Client (renamed)' WHERE id = :id"), {"id": client_id})
            other.commit()
        return real(*args, **kwargs)

    monkeypatch.setattr(read_job, "read_and_extract", read_while_someone_else_writes)
    outcome = ingest_files(settings, "Client", [UBL])
    with unit_of_work(db_url) as session:
        document = session.get(Document, outcome.document_ids[0])
        assert document is not None
        assert document.status is DocumentStatus.RELEASED, document.error
