"""Jobs on a real Redis with real rq workers (subprocesses), including kill -9 mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymupdf
import pytest
from sqlalchemy import select

from models import Document
from models.enums import DocumentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.upkeep import recover

UBL_EXAMPLE = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"


def _client(url: str) -> None:
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0987654394")


def _worker(env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "worker", *extra],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _scanned_pdf(path: Path) -> Path:
    """An image-only PDF (no text layer), so reading it needs OCR and takes a while."""
    text_doc = pymupdf.open()
    page = text_doc.new_page()
    page.insert_text((72, 100), "FACTUUR 2026-0099   Totaal te betalen: 1.234,56 EUR", fontsize=12)
    pixmap = page.get_pixmap(dpi=200)
    scan = pymupdf.open()
    scan_page = scan.new_page(width=page.rect.width, height=page.rect.height)
    scan_page.insert_image(scan_page.rect, stream=pixmap.tobytes("png"))
    scan.save(path)
    return path


def _status(url: str, document_id: int) -> DocumentStatus:
    with unit_of_work(url) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.status


def _wait_for(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_burst_worker_releases_a_ubl_invoice(db_url: str, redis_url: str, settings_for) -> None:
    settings = settings_for(db_url, redis_url)
    _client(db_url)
    outcome = ingest_files(settings, "Client", [UBL_EXAMPLE])
    assert _status(db_url, outcome.document_ids[0]) is DocumentStatus.RECEIVED  # queued, not run inline
    worker = _worker(dict(os.environ), "--burst")
    assert worker.wait(timeout=180) == 0
    assert _status(db_url, outcome.document_ids[0]) is DocumentStatus.RELEASED
    again = ingest_files(settings, "Client", [UBL_EXAMPLE])  # re-running creates nothing twice
    assert again.created == 0 and again.known == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_worker_killed_mid_job_loses_nothing(db_url: str, redis_url: str, settings_for, tmp_path: Path) -> None:
    settings = settings_for(db_url, redis_url, OCR_ENGINE="rapidocr")
    _client(db_url)
    outcome = ingest_files(settings, "Client", [_scanned_pdf(tmp_path / "scan.pdf")])
    document_id = outcome.document_ids[0]
    worker = _worker(dict(os.environ))
    try:
        assert _wait_for(lambda: _status(db_url, document_id) is DocumentStatus.READING, 120)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-job
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert _status(db_url, document_id) is DocumentStatus.READING  # left behind, not lost

    summary = recover(settings, stale_after_seconds=0)
    assert summary["requeued"] == 1
    second = _worker(dict(os.environ), "--burst")
    assert second.wait(timeout=300) == 0
    final = _status(db_url, document_id)
    assert final in (DocumentStatus.NEEDS_VALIDATION, DocumentStatus.RELEASED), final
    with unit_of_work(db_url) as session:
        document = session.scalars(select(Document).where(Document.id == document_id)).one()
        assert document.attempts == 2
        assert (settings.data_dir / document.original_path).exists()


# --------------------------------------------------------------------------- stable job ids, rq's scheduler
def test_a_document_is_never_queued_twice(redis_url: str, settings_for, tmp_path: Path) -> None:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    from pipeline.jobs.queues import READ_QUEUE, enqueue, job_id
    from pipeline.jobs.read_job import read_job

    settings = settings_for(f"sqlite:///{tmp_path / 'db.sqlite3'}", redis_url)
    assert job_id(read_job, 7) == "read-7"
    assert enqueue(settings, read_job, 7, queue=READ_QUEUE) is True
    assert enqueue(settings, read_job, 7, queue=READ_QUEUE) is False  # waiting already: nothing added
    queue = Queue(READ_QUEUE, connection=Redis.from_url(redis_url))
    assert queue.get_job_ids() == ["read-7"]
    # a job that has ended (finished, failed) leaves its id to the next one
    job = Job.fetch("read-7", connection=queue.connection)
    queue.remove(job)
    job.set_status("finished")
    assert enqueue(settings, read_job, 7, queue=READ_QUEUE) is True
    assert queue.get_job_ids() == ["read-7"]
    # a job rq takes for started is left alone, unless it is the dead worker's (recover)
    queue.remove(job)
    job.set_status("started")
    assert enqueue(settings, read_job, 7, queue=READ_QUEUE) is False
    assert enqueue(settings, read_job, 7, queue=READ_QUEUE, over_started=True) is True
    assert queue.get_job_ids() == ["read-7"]


def test_upkeep_rounds_are_scheduled_once_per_slot(redis_url: str, settings_for, tmp_path: Path) -> None:
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from pipeline.jobs.queues import UPKEEP_QUEUE
    from pipeline.jobs.upkeep import schedule_upkeep

    settings = settings_for(f"sqlite:///{tmp_path / 'db.sqlite3'}", redis_url)
    first = schedule_upkeep(settings, recover_every=3600, queue_every=7200)
    assert sorted(i.rsplit("-", 1)[0] for i in first) == ["upkeep-queue-upkeep", "upkeep-recover"]
    # a second worker, the workbench, a round ending: the same slots, nothing added
    assert schedule_upkeep(settings, recover_every=3600, queue_every=7200) == []
    registry = ScheduledJobRegistry(queue=Queue(UPKEEP_QUEUE, connection=Redis.from_url(redis_url)))
    assert sorted(registry.get_job_ids()) == sorted(first)
    due = {int(i.rsplit("-", 1)[1]) for i in first}
    assert all(due_at % 3600 == 0 and due_at > time.time() for due_at in due)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_worker_runs_the_recovery_round_rq_scheduled(db_url: str, redis_url: str, settings_for,
                                                       tmp_path: Path) -> None:
    """A document left RECEIVED and not queued (Redis was away) is queued by the round that rq's
    scheduler puts on the upkeep queue, and read by the worker; the round schedules its successor."""
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from pipeline.jobs.queues import UPKEEP_QUEUE

    settings = settings_for(db_url, redis_url)
    _client(db_url)
    outcome = ingest_files(settings, "Client", [UBL_EXAMPLE], enqueue_now=False)
    document_id = outcome.document_ids[0]
    worker = _worker(dict(os.environ), "--recover-every", "2")
    try:
        assert _wait_for(lambda: _status(db_url, document_id) is DocumentStatus.RELEASED, 150)
        registry = ScheduledJobRegistry(queue=Queue(UPKEEP_QUEUE, connection=Redis.from_url(redis_url)))
        assert _wait_for(lambda: any(i.startswith("upkeep-recover-") for i in registry.get_job_ids()), 30)
        # a document stored while nothing queued it: only a scheduled recovery round can find it
        later = ingest_files(settings, "Client", [_another_ubl(tmp_path)], enqueue_now=False)
        read = {DocumentStatus.NEEDS_VALIDATION, DocumentStatus.VALIDATED, DocumentStatus.RELEASED}
        assert _wait_for(lambda: _status(db_url, later.document_ids[0]) in read, 120), _status(
            db_url, later.document_ids[0])
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def _another_ubl(folder: Path) -> Path:
    """Another UBL invoice (another number, so a new document)."""
    text = UBL_EXAMPLE.read_text(encoding="utf-8").replace("</cbc:ID>", "-B</cbc:ID>", 1)
    target = folder / "second.xml"
    target.write_text(text, encoding="utf-8")
    return target


def test_the_command_line_maps_an_error_to_its_exit_code(capsys, monkeypatch) -> None:
    import argparse

    import pipeline.__main__ as entry
    from pipeline.core.errors import EX_NOINPUT, NotFound

    def failing(args: argparse.Namespace) -> int:
        raise NotFound("client 'Nobody' does not exist")

    parser = argparse.ArgumentParser()
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(func=failing, command="x")
    monkeypatch.setattr(entry, "build_parser", lambda: parser)
    assert entry.main([]) == EX_NOINPUT == 66
    assert "[not_found] client 'Nobody' does not exist" in capsys.readouterr().err
