"""A page scanned upside down is read upright, and its boxes still point at the words."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest

from models.enums import DocumentKind
from pipeline.core.config import from_environment
from pipeline.read import read_document
from pipeline.read.orientation import _box_back, _turn, detect_rotation


def _page_image() -> np.ndarray:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((60, 80), "FACTUUR 2026-0042", fontsize=16)
    y = 130
    for i in range(22):
        page.insert_text((60, y), f"Omschrijving lijn {i} Kerkstraat {i} Gent totaal 1.234,56 EUR", fontsize=10)
        y += 26
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width)


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_rotation_is_detected_and_undone(quarter_turns: int) -> None:
    upright = _page_image()
    turned = np.ascontiguousarray(np.rot90(upright, k=quarter_turns))
    degrees = detect_rotation(turned)
    assert degrees == (360 - 90 * quarter_turns) % 360
    assert np.array_equal(_turn(turned, degrees), upright)


def test_boxes_map_back_onto_the_stored_page() -> None:
    top_left = (0.1, 0.05, 0.3, 0.1)
    assert _box_back(top_left, 180) == pytest.approx((0.7, 0.9, 0.9, 0.95))
    assert _box_back(top_left, 90) == pytest.approx((0.9, 0.1, 0.95, 0.3))  # turned clockwise: top right
    assert _box_back(top_left, 270) == pytest.approx((0.05, 0.7, 0.1, 0.9))  # counter-clockwise: bottom left


def test_upside_down_scan_is_read() -> None:
    upside_down = np.ascontiguousarray(np.rot90(_page_image(), k=2))
    scan = pymupdf.open()
    page = scan.new_page()
    png = pymupdf.Pixmap(pymupdf.csGRAY, upside_down.shape[1], upside_down.shape[0], upside_down.tobytes(), False)
    page.insert_image(page.rect, pixmap=png)
    settings = from_environment({"OCR_ENGINE": "tesseract", "DATA_DIR": "/tmp/unused"})
    result = read_document(scan.tobytes(), DocumentKind.PDF, settings)
    assert "2026-0042" in result.text
    title = next(w for line in result.pages[0].lines for w in line.words if "2026-0042" in w.text)
    assert title.bbox[1] > 0.8 and title.bbox[0] > 0.4  # where the title lies on the stored (upside-down) page
