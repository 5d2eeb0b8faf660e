"""Issue 18 item 3: without Redis, a process killed while reading leaves no document stuck.

A real process is killed with SIGKILL in the middle of reading a document; then the
start of the next process (CLI ``ingest``, the workbench's upkeep via ``pipeline.api``),
or ``retry`` on the stuck document, reads it again — on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from models import Document
from models.enums import DocumentStatus
from pipeline import api
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.retry import retry_documents

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
# a reader that hangs mid-read, as a process does that is about to be killed
HANGING_READER = """
import sys, time
import pipeline.jobs.read_job as read_job
def hang(*args, **kwargs):
    print("reading", flush=True)
    time.sleep(600)
read_job.read_and_extract = hang
read_job.read_job(int(sys.argv[1]))
"""


def _status(url: str, document_id: int) -> Document:
    with unit_of_work(url) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document


def _killed_mid_read(settings, document_id: int) -> Document:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-c", HANGING_READER, str(document_id)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert (
            process.stdout is not None
            and process.stdout.readline().strip() == "reading"
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    document = _status(settings.database_url, document_id)
    assert document.status is DocumentStatus.READING
    assert document.reading_by is not None and document.reading_by.endswith(
        f":{process.pid}"
    )
    return document


@pytest.fixture
def received(db_url: str, settings_for):  # type: ignore[no-untyped-def]
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        get_or_create_client(
            session,
            get_or_create_office(session, "Office"),
            "Client",
            vat="BE0987654394",
        )
    (document_id,) = ingest_files(
        settings, "Client", [UBL], enqueue_now=False
    ).document_ids
    return settings, document_id


def test_the_next_cli_process_reads_again_what_a_killed_one_left(received) -> None:  # type: ignore[no-untyped-def]
    settings, document_id = received
    _killed_mid_read(settings, document_id)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(UBL), "--client", "Client"],
        check=False,
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "already known" in done.stdout
    assert _status(settings.database_url, document_id).status is DocumentStatus.RELEASED


def test_retry_takes_a_document_stuck_by_a_dead_reader(received) -> None:  # type: ignore[no-untyped-def]
    settings, document_id = received
    _killed_mid_read(settings, document_id)
    assert retry_documents(settings, [document_id]) == [document_id]
    assert _status(settings.database_url, document_id).status is DocumentStatus.RELEASED


def test_retry_leaves_a_document_whose_reader_is_alive(received) -> None:  # type: ignore[no-untyped-def]
    settings, document_id = received
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, document_id)
        document.status = DocumentStatus.READING
        document.reading_started_at = datetime.now(UTC)
        document.reading_by = (
            f"embedded:{os.uname().nodename}:{os.getpid()}"  # this very process: alive
        )
    assert retry_documents(settings, [document_id]) == []
    assert _status(settings.database_url, document_id).status is DocumentStatus.READING


def test_the_workbench_process_recovers_at_boot(received) -> None:  # type: ignore[no-untyped-def]
    settings, document_id = received
    _killed_mid_read(settings, document_id)
    stop = api.start_queue_upkeep(settings)
    try:
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and _status(settings.database_url, document_id).status
            is DocumentStatus.READING
        ):
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and _status(settings.database_url, document_id).status
            is not DocumentStatus.RELEASED
        ):
            time.sleep(0.2)
    finally:
        stop.set()
    assert _status(settings.database_url, document_id).status is DocumentStatus.RELEASED
