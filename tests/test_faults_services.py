"""Faults of the real services lose nothing: Redis restarted mid-batch, Redis down during
upload, PostgreSQL backends terminated while a worker reads, two workers racing.

Each test runs its own ``redis-server`` on a free port (``--save ""``: a restart empties
it, the worst case) and its own PostgreSQL database, so terminating connections or
restarting Redis never touches the shared services or other tests.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from models import Document, UblRelease, ValidationTask
from models.enums import DocumentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import engine_for, migrate, unit_of_work
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.queues import READ_QUEUE, RELEASE_QUEUE, redis_connection
from pipeline.jobs.upkeep import recover
from tests.conftest import POSTGRES_URL
from tests.hostile import GOOD_UBL, INVOICE_TEXT, png_bytes, text_pdf

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")

FINAL = {DocumentStatus.NEEDS_VALIDATION, DocumentStatus.VALIDATED, DocumentStatus.RELEASED,
         DocumentStatus.REJECTED, DocumentStatus.DUPLICATE, DocumentStatus.FAILED, DocumentStatus.SPLIT}
SETTLED = FINAL - {DocumentStatus.VALIDATED}  # VALIDATED still waits for its release job


# ------------------------------------------------------------------ private services
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # our own process, by its id
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_pg() -> Iterator[str]:
    """A database of its own, so its backends can be terminated without touching others."""
    name = f"boekbrug_fault_{uuid.uuid4().hex[:10]}"
    admin_url = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _terminate_backends(url: str) -> int:
    """Cut every connection to ``url``'s database (its own database, see private_pg)."""
    engine = create_engine(url, poolclass=None)
    try:
        with engine.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
            conn.commit()
    finally:
        engine.dispose()
    return int(killed)


# ------------------------------------------------------------------ helpers
def _client(url: str) -> None:
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0987654394")


def _ubl(folder: Path, number: int) -> Path:
    """The good invoice under another number: released, not a duplicate of the others."""
    path = folder / f"ubl-{number}.xml"
    data = GOOD_UBL.read_bytes().replace(b"INV-2026-0042", f"INV-2026-9{number:03d}".encode())
    path.write_bytes(data.replace(b"<cbc:IssueDate>2026-11-02<", f"<cbc:IssueDate>2026-11-{number:02d}<".encode()))
    return path


def _scan(folder: Path, number: int) -> Path:
    """An image-only document: reading it needs OCR and takes a moment."""
    path = folder / f"scan-{number}.png"
    path.write_bytes(png_bytes(1400, 900, f"FACTUUR 2026-{number:04d} TOTAAL {number},00 EUR"))
    return path


def _pdf(folder: Path, number: int) -> Path:
    path = folder / f"text-{number}.pdf"
    path.write_bytes(text_pdf((f"FACTUUR 2026-8{number:03d}", *INVOICE_TEXT[1:])))
    return path


def _worker(*extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pipeline", "worker", *extra], cwd=PROJECT_ROOT,
                            env=dict(os.environ), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def _statuses(url: str, ids: list[int]) -> dict[int, DocumentStatus]:
    with unit_of_work(url) as session:
        return dict(session.execute(select(Document.id, Document.status).where(Document.id.in_(ids))).all())


def _wait(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _assert_nothing_lost(url: str, data_dir: Path, ids: list[int]) -> None:
    with unit_of_work(url) as session:
        documents = session.scalars(select(Document).where(Document.id.in_(ids))).all()
        assert len(documents) == len(ids)
        for document in documents:
            assert (data_dir / document.original_path).exists()
            assert document.status in SETTLED, (document.id, document.status, document.error)
            assert not (document.error or "").startswith("[internal_error]"), document.error
        per_document = session.execute(
            select(UblRelease.document_id, func.count()).where(UblRelease.released_document_id.is_not(None))
            .group_by(UblRelease.document_id)).all()
        assert all(count == 1 for _, count in per_document), per_document  # never released twice
        released = {d.id for d in documents if d.status is DocumentStatus.RELEASED}
        assert released == {doc_id for doc_id, _ in per_document if doc_id in ids}


# ------------------------------------------------------------------ the faults
@pytest.mark.timeout(240)
def test_redis_restarted_mid_batch(private_pg: str, private_redis: PrivateRedis, settings_for,
                                   tmp_path: Path) -> None:
    settings = settings_for(private_pg, private_redis.url, OCR_ENGINE="tesseract")
    _client(private_pg)
    folder = tmp_path / "in"
    folder.mkdir()
    first = ingest_files(settings, "Client", [_scan(folder, 1), _scan(folder, 2), _ubl(folder, 1), _ubl(folder, 2),
                                              _scan(folder, 3), _ubl(folder, 3)])
    assert not first.not_queued
    worker = _worker("--recover-every", "1")
    try:
        assert _wait(lambda: DocumentStatus.READING in _statuses(private_pg, first.document_ids).values(), 90)
        private_redis.restart()  # the queue empties: what was waiting is gone from Redis
        redis_connection.cache_clear()
        second = ingest_files(settings, "Client", [_ubl(folder, 4), _pdf(folder, 1)])
        ids = first.document_ids + second.document_ids
        # the worker reconnects; its recovery sweep re-queues what the restart dropped
        _wait(lambda: set(_statuses(private_pg, ids).values()) <= SETTLED, 150)
    finally:
        _stop(worker)
    recover(settings, stale_after_seconds=0)  # whatever a dead horse left READING
    burst = _worker("--burst")
    assert burst.wait(timeout=120) == 0
    _assert_nothing_lost(private_pg, settings.data_dir, ids)
    assert {_statuses(private_pg, ids)[i] for i in (first.document_ids[2], second.document_ids[0])} == {
        DocumentStatus.RELEASED}


@pytest.mark.timeout(120)
def test_redis_down_during_upload_keeps_the_documents(private_pg: str, private_redis: PrivateRedis,
                                                       settings_for, tmp_path: Path) -> None:
    settings = settings_for(private_pg, private_redis.url, OCR_ENGINE="tesseract")
    _client(private_pg)
    folder = tmp_path / "in"
    folder.mkdir()
    private_redis.stop()
    outcome = ingest_files(settings, "Client", [_ubl(folder, 5), _pdf(folder, 2), _ubl(folder, 6)])
    assert sorted(outcome.not_queued) == sorted(outcome.document_ids)  # no exception, nothing lost
    statuses = _statuses(private_pg, outcome.document_ids)
    assert set(statuses.values()) == {DocumentStatus.RECEIVED}
    private_redis.start()
    redis_connection.cache_clear()
    summary = recover(settings)
    assert summary["read"] == 3
    assert recover(settings)["read"] == 0  # already queued: not queued twice
    burst = _worker("--burst")
    assert burst.wait(timeout=120) == 0
    _assert_nothing_lost(private_pg, settings.data_dir, outcome.document_ids)


@pytest.mark.timeout(240)
def test_database_connections_cut_while_a_worker_reads(private_pg: str, private_redis: PrivateRedis,
                                                       settings_for, tmp_path: Path) -> None:
    settings = settings_for(private_pg, private_redis.url, OCR_ENGINE="tesseract")
    _client(private_pg)
    folder = tmp_path / "in"
    folder.mkdir()
    first = ingest_files(settings, "Client", [_scan(folder, 11), _scan(folder, 12), _scan(folder, 13)])
    worker = _worker("--recover-every", "1")
    try:
        assert _wait(lambda: DocumentStatus.READING in _statuses(private_pg, first.document_ids).values(), 90)
        # keep cutting every connection while the worker reads and saves, ~3 s
        deadline = time.monotonic() + 3
        killed = 0
        while time.monotonic() < deadline:
            killed += _terminate_backends(private_pg)
            time.sleep(0.02)
        assert killed > 0
        # the next jobs succeed on fresh connections (pool_pre_ping)
        second = ingest_files(settings, "Client", [_ubl(folder, 11), _pdf(folder, 11)])
        assert _wait(lambda: set(_statuses(private_pg, second.document_ids).values()) <= SETTLED, 90)
        assert _statuses(private_pg, second.document_ids)[second.document_ids[0]] is DocumentStatus.RELEASED
    finally:
        _stop(worker)
    # an interrupted read is left READING (not failed as if the document were bad): recover
    recover(settings, stale_after_seconds=0)
    burst = _worker("--burst")
    assert burst.wait(timeout=120) == 0
    _assert_nothing_lost(private_pg, settings.data_dir, first.document_ids + second.document_ids)


@pytest.mark.timeout(180)
def test_two_workers_racing_on_recovery_release_once(private_pg: str, private_redis: PrivateRedis,
                                                     settings_for, tmp_path: Path) -> None:
    """Two sweeps queue the same documents twice; two workers run both copies at once."""
    from rq import Queue

    from pipeline.jobs.read_job import read_job
    from pipeline.jobs.release_job import release_job

    settings = settings_for(private_pg, private_redis.url, OCR_ENGINE="tesseract")
    _client(private_pg)
    folder = tmp_path / "in"
    folder.mkdir()
    outcome = ingest_files(settings, "Client", [_ubl(folder, 21), _ubl(folder, 22), _pdf(folder, 21)],
                           enqueue_now=False)
    connection = redis_connection(private_redis.url)
    read_queue = Queue(READ_QUEUE, connection=connection)
    release_queue = Queue(RELEASE_QUEUE, connection=connection)
    for _ in range(2):  # every job twice, as two racing recoveries would
        for document_id in outcome.document_ids:
            read_queue.enqueue(read_job, document_id)
            release_queue.enqueue(release_job, document_id)
    workers = [_worker("--burst"), _worker("--burst")]
    for worker in workers:
        assert worker.wait(timeout=150) == 0
    recover(settings)  # a VALIDATED document whose release job ran too early is queued now
    assert _worker("--burst").wait(timeout=120) == 0
    _assert_nothing_lost(private_pg, settings.data_dir, outcome.document_ids)
    with unit_of_work(private_pg) as session:
        for document in session.scalars(select(Document).where(Document.id.in_(outcome.document_ids))):
            assert document.attempts == 1  # claimed once: the second copy of its job did nothing
        tasks = session.scalars(select(ValidationTask.document_id)
                                .where(ValidationTask.document_id.in_(outcome.document_ids))).all()
        assert len(tasks) == len(set(tasks))  # one task per document
