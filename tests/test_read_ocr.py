from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from models.enums import DocumentKind
from pipeline.core.config import from_environment
from pipeline.core.errors import OcrUnavailable
from pipeline.read import read_document
from pipeline.read.cleanup import prepare, rotate
from pipeline.read.images import iter_frames
from pipeline.read.ocr import AutoEngine, RapidOcrEngine, TesseractEngine, get_engine
from pipeline.read.ocr.rapid import recognise_crops
from pipeline.read.render import render_page


def test_engines_decline_politely() -> None:
    with pytest.raises(OcrUnavailable):
        get_engine("no-such-engine")
    missing = TesseractEngine(lang="xxx")
    assert not missing.available()
    with pytest.raises(OcrUnavailable):
        missing.read(np.full((50, 50), 255, np.uint8))
    assert RapidOcrEngine().available() and TesseractEngine().available() and AutoEngine().available()
    assert not AutoEngine(tesseract=missing, rapid=_NoRapid()).available()


class _NoRapid(RapidOcrEngine):
    def available(self) -> bool:
        return False


def _text_page() -> np.ndarray:
    doc = pymupdf.open()
    page = doc.new_page()
    for i in range(30):
        page.insert_text((60, 80 + i * 22), f"Regel {i} met tekst en bedrag {i * 13},50 EUR", fontsize=11)
    return render_page(page, 60_000_000)


def test_clean_scan_left_alone_and_tilt_straightened() -> None:
    clean = _text_page()
    prepared = prepare(clean)
    assert not prepared.warped and prepared.angle == 0.0
    assert prepared.image.shape == clean.shape
    tilted = prepare(rotate(clean, 3.0))
    assert not tilted.warped
    assert abs(tilted.angle + 3.0) <= 0.3


def test_photo_flattened_and_read(shared_dir: Path) -> None:
    doc_id = "inv-17da140d7b"
    data = (shared_dir / "data/docs" / f"{doc_id}.jpg").read_bytes()
    truth = json.loads((shared_dir / "data/truth" / f"{doc_id}.json").read_text())["fields"]
    prepared = prepare(next(iter_frames(data, 60_000_000)))
    assert prepared.warped and prepared.photo
    result = read_document(data, DocumentKind.IMAGE, from_environment({}).with_(ocr_engine="auto"))
    text = result.text
    assert truth["invoice_number"] in text
    assert "110,00" in text


def test_recognise_crops_keeps_order_and_empty_crops() -> None:
    words = ["1.234,56", "Factuurnummer", "BE0456.789.123", "21%"]
    crops = []
    for word in words:
        doc = pymupdf.open()
        page = doc.new_page(width=20 + 7 * len(word), height=24)
        page.insert_text((6, 17), word, fontsize=11)
        crops.append(render_page(page, 60_000_000))
    crops.insert(2, np.zeros((0, 10), np.uint8))
    readings = recognise_crops(crops)
    assert len(readings) == 5 and readings[2] == ("", 0.0)
    texts = [t.replace(" ", "") for t, _ in readings[:2] + readings[3:]]
    assert texts == words
    assert all(score > 0.8 for _, score in readings[:2] + readings[3:])
