"""Page time-outs stop the work they abandon: no OCR threads pile up (issue 18, item 8).

Real Tesseract on pages dense enough to take many seconds each, with a one-second
limit. The reader used to start a thread pool per page and leave each timed-out
thread running in the background, so threads and memory piled up with every page.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pymupdf
import pytest

from models.enums import DocumentKind
from pipeline.core.config import from_environment
from pipeline.core.errors import ReadTimeout
from pipeline.read import ocr_worker, read_document
from pipeline.read.ocr import TesseractEngine

pytestmark = pytest.mark.skipif(not TesseractEngine().available(), reason="Tesseract is not installed")


def dense_scan(pages: int) -> bytes:
    """Image-only pages crammed with 7-pt text: ~10 s of Tesseract each."""
    text = " ".join(f"Factuur {i:05d} totaal {i * 3.17:.2f} EUR" for i in range(7))
    source = pymupdf.open()
    for _ in range(pages):
        page = source.new_page()
        for row in range(95):
            page.insert_text((20, 14 + row * 8.6), text, fontsize=7)
    scan = pymupdf.open()
    for page in source:
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        scan.new_page(width=page.rect.width, height=page.rect.height).insert_image(page.rect, pixmap=pix)
    return scan.tobytes(deflate=True)


def _os_threads() -> int:
    return int(next(line for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("Threads:")).split()[1])


def small_scan() -> bytes:
    source = pymupdf.open()
    source.new_page(width=400, height=120).insert_text((20, 60), "TOTAAL 1234,56", fontsize=22)
    scan = pymupdf.open()
    scan.new_page(width=400, height=120).insert_image(pymupdf.Rect(0, 0, 400, 120),
                                                      pixmap=source[0].get_pixmap(dpi=200))
    return scan.tobytes()


@pytest.mark.timeout(120)
def test_timeouts_stop_the_work_and_threads_return_to_baseline() -> None:
    settings = from_environment({}).with_(ocr_engine="tesseract")
    # warm: the OCR thread exists and Tesseract is loaded
    read_document(small_scan(), DocumentKind.PDF, settings.with_(seconds_per_page=60))
    python_threads, os_threads = threading.active_count(), _os_threads()

    data = dense_scan(2)
    for _ in range(2):  # four pages timing out in all
        with pytest.raises(ReadTimeout):
            read_document(data, DocumentKind.PDF, settings.with_(seconds_per_page=1))
        assert ocr_worker.idle()  # the abandoned pages were stopped, not left running
        assert threading.active_count() == python_threads
        assert _os_threads() <= os_threads
    names = [thread.name for thread in threading.enumerate() if thread.name.startswith("ocr")]
    assert len(names) == 1  # one bounded OCR thread per process


def test_a_page_within_its_limit_is_read() -> None:
    settings = from_environment({}).with_(ocr_engine="tesseract", seconds_per_page=60)
    result = read_document(small_scan(), DocumentKind.PDF, settings)
    assert "1234,56" in result.text and not result.warnings
