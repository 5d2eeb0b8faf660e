from __future__ import annotations

import json
from pathlib import Path

import pymupdf

from models.enums import DocumentKind, FieldSource
from pipeline.core.config import from_environment
from pipeline.read import read_document
from pipeline.read.ocr.base import normalise_text
from pipeline.read.textlayer import garbage_share, read_text_layer

SETTINGS = from_environment({})


def test_text_pdf_words_with_boxes(shared_dir: Path) -> None:
    doc_id = "inv-02f21402eb"
    data = (shared_dir / "data/docs" / f"{doc_id}.pdf").read_bytes()
    truth = json.loads((shared_dir / "data/truth" / f"{doc_id}.json").read_text())["fields"]
    result = read_document(data, DocumentKind.PDF, SETTINGS)
    page = result.pages[0]
    assert page.source == FieldSource.TEXT_LAYER and page.engine == "pymupdf"
    assert truth["invoice_number"] in page.text
    words = [w for line in page.lines for w in line.words]
    assert len(words) > 50
    for word in words:
        x0, y0, x1, y1 = word.bbox
        assert 0.0 <= x0 <= x1 <= 1.0 and 0.0 <= y0 <= y1 <= 1.0
        assert word.confidence == 1.0
    number = next(w for w in words if w.text == truth["invoice_number"])
    assert number.bbox[2] - number.bbox[0] < 0.5  # a word box, not the page
    assert page.seconds < 0.5


def test_unicode_normalised_and_blank_page_needs_ocr() -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "BE\u00a00123.456.749 re\u00adference ")
    layer = read_text_layer(page)
    blank = doc.new_page()
    assert "BE 0123.456.749 re-ference" in "\n".join(line.text for line in layer.lines)
    assert not layer.needs_ocr
    assert read_text_layer(blank).needs_ocr
    assert normalise_text("1\u202f234,56 \ufb01n") == "1 234,56 fin"
    assert garbage_share("\ufffd\ufffd\ufffdab") > 0.5
