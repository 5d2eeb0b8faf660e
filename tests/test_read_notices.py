"""Blank pages, damaged PDFs and the page limit are said with a code, never as a crash.

Each hostile file is generated here; the reader must answer in words with a stable
code and log no traceback for these expected conditions.
"""

from __future__ import annotations

import io
import logging

import numpy as np
import pymupdf
import pytest
from PIL import Image

from models.enums import DocumentKind, FieldSource
from pipeline.core.config import from_environment
from pipeline.core.errors import CorruptFile
from pipeline.read import read_document
from pipeline.read.blank import is_blank
from pipeline.read.notices import (
    BLANK_PAGE,
    DAMAGED_PDF,
    PAGE_LIMIT,
    holds_document,
    notices,
)
from pipeline.read.ocr import TesseractEngine
from tests.hostile import many_pages_pdf, page_tree_loop_pdf, truncated_pdf

SETTINGS = from_environment({}).with_(ocr_engine="tesseract")


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    logged = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not logged, [r.getMessage() for r in logged]


def _codes(warnings: tuple[str, ...]) -> list[str]:
    return [n.code for n in notices(warnings)]


def five_pages_cut(keep: float) -> bytes:
    doc = pymupdf.open()
    for number in range(1, 6):
        doc.new_page().insert_text((72, 72), f"Factuur 2026-0042 pagina {number} van 5, totaal 1.210,00 EUR")
    whole = doc.tobytes()
    return whole[: int(len(whole) * keep)]


def test_blank_pdf_page_is_said_not_failed(caplog: pytest.LogCaptureFixture) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Factuur 2026-0042, totaal 1.210,00 EUR, pagina 1")
    doc.new_page()  # the blank back of the sheet
    with caplog.at_level(logging.DEBUG):
        result = read_document(doc.tobytes(), DocumentKind.PDF, SETTINGS)
    assert [p.source for p in result.pages] == [FieldSource.TEXT_LAYER, FieldSource.OCR]
    assert result.pages[1].lines == ()
    assert _codes(result.warnings) == [BLANK_PAGE]
    assert "page 2 is blank" in result.warnings[0]
    assert not any("OCR failed" in w for w in result.warnings)
    assert not any(holds_document(w) for w in result.warnings)  # a blank page holds nothing up
    _no_traceback(caplog)


def test_blank_photo_is_said_not_failed(caplog: pytest.LogCaptureFixture) -> None:
    noisy = np.clip(np.random.default_rng(1).normal(235, 4, (1200, 900)), 0, 255).astype(np.uint8)
    png = io.BytesIO()
    Image.fromarray(noisy).save(png, format="PNG")
    with caplog.at_level(logging.DEBUG):
        result = read_document(png.getvalue(), DocumentKind.IMAGE, SETTINGS)
    assert _codes(result.warnings) == [BLANK_PAGE]
    _no_traceback(caplog)


def test_tesseract_reads_an_empty_page_as_no_lines() -> None:
    """It used to raise RuntimeError('No text returned') from the word iterator."""
    engine = TesseractEngine()
    if not engine.available():
        pytest.skip("Tesseract is not installed")
    assert engine.read(np.full((600, 480), 255, np.uint8)) == []
    assert is_blank(np.full((600, 480), 255, np.uint8))
    page = np.full((600, 480), 255, np.uint8)
    page[300:310, 50:400] = 0
    assert not is_blank(page)


def test_truncated_pdf_says_damaged_and_pages_recovered(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        result = read_document(five_pages_cut(0.4), DocumentKind.PDF, SETTINGS)
    assert _codes(result.warnings) == [DAMAGED_PDF]
    said = result.warnings[0]
    assert "2 of 5 pages could be recovered" in said and "pages 3-5 are lost" in said
    assert "cut off" in said
    assert holds_document(said)  # an operator decides
    assert "pagina 2" in result.pages[1].text and result.pages[2].lines == ()
    _no_traceback(caplog)


def test_truncated_single_page_pdf_read_in_part(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        result = read_document(truncated_pdf(0.7), DocumentKind.PDF, SETTINGS)
    assert _codes(result.warnings) == [DAMAGED_PDF]
    assert "1 of 1 page could be recovered" in result.warnings[0]
    _no_traceback(caplog)


def test_pdf_cut_before_any_page_is_corrupt() -> None:
    with pytest.raises(CorruptFile):
        read_document(truncated_pdf(0.15), DocumentKind.PDF, SETTINGS)


def test_page_tree_loop_says_damaged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        result = read_document(page_tree_loop_pdf(), DocumentKind.PDF, SETTINGS)
    assert _codes(result.warnings)[0] == DAMAGED_PDF
    said = result.warnings[0]
    assert "page tree loops" in said and "1 of 3 pages could be recovered" in said
    assert "1.210,00" in result.pages[0].text
    _no_traceback(caplog)


def test_page_limit_is_a_coded_notice() -> None:
    result = read_document(many_pages_pdf(12), DocumentKind.PDF, SETTINGS.with_(max_pages=10))
    assert len(result.pages) == 10
    assert _codes(result.warnings) == [PAGE_LIMIT]
    assert "only the first 10 of 12 pages were read" in result.warnings[0]
    assert holds_document(result.warnings[0])
