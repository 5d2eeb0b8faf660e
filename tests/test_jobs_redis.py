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
from pipeline.accounts import get_or_create_client, get_or_create_office
from pipeline.config import PROJECT_ROOT
from pipeline.db import unit_of_work
from pipeline.intake.batch import ingest_files
from pipeline.jobs import recover

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
