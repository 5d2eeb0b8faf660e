"""Light text on dark bands is turned dark-on-light and read (scans and photos)."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pymupdf
import pytest

from models.enums import DocumentKind
from pipeline.core.config import from_environment
from pipeline.read import read_document
from pipeline.read.cleanup import prepare
from pipeline.read.invert import _band_mask, invert_dark_regions
from pipeline.read.ocr import TesseractEngine
from pipeline.read.render import render_page

SETTINGS = from_environment({})
NAME = "Zuiderbrug Logistiek BV"
VAT = "BE 0456.789.123"


def band_page(fill: tuple[float, float, float] = (0.12, 0.29, 0.53)) -> np.ndarray:
    """An A4 page at 200 dpi: a dark full-width header band with white text, a dark
    table header row, a grey box with black text, and ordinary text."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(0, 0, page.rect.width, 92), color=None, fill=fill)
    page.insert_text((40, 42), NAME, fontsize=18, fontname="hebo", color=(1, 1, 1))
    page.insert_text((40, 72), f"BTW {VAT}   Tel. +32 9 123 45 67", fontsize=9, color=(1, 1, 1))
    page.draw_rect(pymupdf.Rect(40, 300, 555, 316), color=None, fill=fill)
    page.insert_text((46, 312), "Omschrijving", fontsize=9, fontname="hebo", color=(1, 1, 1))
    page.insert_text((480, 312), "Bedrag", fontsize=9, fontname="hebo", color=(1, 1, 1))
    page.draw_rect(pymupdf.Rect(40, 400, 300, 440), color=None, fill=(0.55, 0.55, 0.55))
    page.insert_text((50, 425), "Grijs vak zwarte tekst", fontsize=11, color=(0, 0, 0))
    for i in range(8):
        page.insert_text((40, 160 + i * 16), f"Factuurregel {i + 1} bedrag {i * 11 + 3},25 EUR", fontsize=10)
    return render_page(page, 60_000_000)


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def test_dark_bands_inverted_grey_box_left_alone() -> None:
    page = band_page()
    out, regions = invert_dark_regions(page)
    assert len(regions) == 2  # header band and table header; not the grey box
    top = out[20:180, 60:900]
    assert np.median(top) > 200  # the band is now paper-white ...
    assert (top < 100).mean() > 0.01  # ... with dark text on it
    grey = (slice(int(402 * 200 / 72), int(438 * 200 / 72)), slice(int(42 * 200 / 72), int(298 * 200 / 72)))
    assert np.array_equal(out[grey], page[grey])
    clean, none = invert_dark_regions(np.full((800, 600), 245, np.uint8))
    assert not none and clean.dtype == np.uint8


@pytest.mark.parametrize("fill", [(0.12, 0.29, 0.53), (0.85, 0.45, 0.05)])
def test_band_text_read_by_tesseract(fill: tuple[float, float, float]) -> None:
    text = read_document(_png(band_page(fill)), DocumentKind.IMAGE, SETTINGS, engine=TesseractEngine()).text
    assert _compact(NAME) in _compact(text)
    assert _compact(VAT) in _compact(text)
    assert "Omschrijving" in text


def test_band_text_read_by_auto_and_rapidocr() -> None:
    png = _png(band_page())
    for engine in ("auto", "rapidocr"):
        text = read_document(png, DocumentKind.IMAGE, SETTINGS.with_(ocr_engine=engine)).text
        assert _compact(NAME) in _compact(text), engine
        assert _compact(VAT) in _compact(text), engine


def test_band_at_page_edge_kept_when_photo_is_flattened() -> None:
    """A photo: the page lies on a dark table, its header band touching the page edge."""
    page = cv2.cvtColor(band_page(), cv2.COLOR_GRAY2BGR)
    height, width = page.shape[:2]
    table = np.full((height + 600, width + 500, 3), (70, 75, 80), np.uint8)
    noise = np.random.default_rng(3).normal(0, 6, table.shape)
    table = np.clip(table + noise, 0, 255).astype(np.uint8)
    table[300 : 300 + height, 250 : 250 + width] = page
    matrix = cv2.getRotationMatrix2D((table.shape[1] / 2, table.shape[0] / 2), 4.0, 1.0)
    photo = cv2.warpAffine(table, matrix, (table.shape[1], table.shape[0]), borderValue=(70, 75, 80))
    prepared = prepare(photo)
    assert prepared.photo and prepared.inverted >= 1
    text = read_document(_png(photo), DocumentKind.IMAGE, SETTINGS.with_(ocr_engine="auto")).text
    assert _compact(NAME) in _compact(text)
    assert _compact(VAT) in _compact(text)


def test_page_on_streaky_dark_table_is_not_inverted() -> None:
    """A dark table with light streaks around a page: the page (a hole in the dark
    area as large as a page) keeps its dark-on-light text whatever the table gets."""
    M = 900  # the page covers ~30 % of the picture
    page = band_page()
    page[:300] = 255  # no header band: the table alone surrounds the page
    height, width = page.shape
    table = np.full((height + 2 * M, width + 2 * M), 60, np.uint8)
    rng = np.random.default_rng(5)
    for _ in range(3000):  # light wood-grain streaks
        y, x = int(rng.integers(0, table.shape[0])), int(rng.integers(0, table.shape[1] - 60))
        table[y : y + 2, x : x + 60] = 200
    table[M : M + height, M : M + width] = page
    out, _ = invert_dark_regions(table)
    body = (slice(M + 430, M + 790), slice(M + 60, M + width - 60))  # the invoice lines
    assert np.array_equal(out[body], table[body])


def test_band_mask_fills_letters_not_a_page() -> None:
    frame = np.full((400, 400), 60, np.uint8)
    frame[100:300, 100:300] = 240  # a page-sized hole
    frame[20:40, 30:60] = 240  # a letter-sized hole
    mask = _band_mask(frame, np.ones_like(frame), 150, 5)
    assert mask[30, 45] and not mask[200, 200]
