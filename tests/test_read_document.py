from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageDraw

from models.enums import DocumentKind, FieldSource
from pipeline.core.config import from_environment
from pipeline.core.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    ReadTimeout,
    TooLarge,
    UnsupportedFormat,
)
from pipeline.core.records import Line
from pipeline.read import read_document
from pipeline.read.ocr import TesseractEngine

SETTINGS = from_environment({})


def text_pdf(pages: int = 1, **save: object) -> bytes:
    doc = pymupdf.open()
    for i in range(pages):
        doc.new_page().insert_text((72, 72), f"Factuur pagina {i + 1} totaal 121,00 EUR")
    return doc.tobytes(**save)


def image_page_pdf(text: str) -> bytes:
    """A PDF whose second page is only an image of ``text`` (a scan inside a text PDF)."""
    source = pymupdf.open()
    source.new_page(width=400, height=120).insert_text((20, 60), text, fontsize=22)
    png = source[0].get_pixmap(dpi=200).tobytes("png")
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Begeleidende brief bij de factuur van deze maand")
    scan = doc.new_page()
    scan.insert_image(pymupdf.Rect(50, 50, 450, 170), stream=png)
    return doc.tobytes()


def test_scanned_pdf_read_by_ocr(shared_dir: Path) -> None:
    doc_id = "inv-365602b7b1"
    data = (shared_dir / "data/docs" / f"{doc_id}.pdf").read_bytes()
    truth = json.loads((shared_dir / "data/truth" / f"{doc_id}.json").read_text())["fields"]
    result = read_document(data, DocumentKind.PDF, SETTINGS.with_(ocr_engine="auto"))
    page = result.pages[0]
    assert page.source == FieldSource.OCR and page.engine == "rapidocr+tesseract"
    assert truth["invoice_number"] in page.text
    assert f"{truth['total_incl_vat']:.2f}".replace(".", ",") in page.text
    assert page.seconds > 0
    assert all(0 <= w.confidence <= 1 for line in page.lines for w in line.words)


def test_mixed_pdf_ocrs_only_the_image_page() -> None:
    result = read_document(image_page_pdf("TOTAAL 1234,56"), DocumentKind.PDF,
                           SETTINGS.with_(ocr_engine="tesseract"))
    assert [p.source for p in result.pages] == [FieldSource.TEXT_LAYER, FieldSource.OCR]
    assert "1234,56" in result.pages[1].text


def test_max_pages_reads_first_pages_with_warning() -> None:
    result = read_document(text_pdf(3), DocumentKind.PDF, SETTINGS.with_(max_pages=2))
    assert len(result.pages) == 2
    assert any("2 of 3" in w for w in result.warnings)


def test_encryption() -> None:
    owner_only = text_pdf(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="geheim",
                          permissions=pymupdf.PDF_PERM_PRINT)
    assert "121,00" in read_document(owner_only, DocumentKind.PDF, SETTINGS).text
    user_pw = text_pdf(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="geheim", user_pw="open")
    with pytest.raises(EncryptedPdf):
        read_document(user_pw, DocumentKind.PDF, SETTINGS)


def test_refusals() -> None:
    with pytest.raises(CorruptFile):
        read_document(b"%PDF-1.7\n garbage that is not a pdf", DocumentKind.PDF, SETTINGS)
    with pytest.raises(EmptyFile):
        read_document(b"", DocumentKind.PDF, SETTINGS)
    with pytest.raises(UnsupportedFormat):
        read_document(b"<Invoice/>", DocumentKind.UBL, SETTINGS)
    big = io.BytesIO()
    Image.new("L", (200, 200), 255).save(big, format="PNG")
    with pytest.raises(TooLarge):
        read_document(big.getvalue(), DocumentKind.IMAGE, SETTINGS.with_(max_pixels=10_000))


def test_multipage_tiff_gives_pages() -> None:
    frames = [Image.new("L", (300, 200), 255) for _ in range(3)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    result = read_document(out.getvalue(), DocumentKind.IMAGE, SETTINGS,
                           engine=TesseractEngine())
    assert [p.number for p in result.pages] == [1, 2, 3]
    assert all(p.source == FieldSource.OCR for p in result.pages)


class CrashingEngine:
    name = "crashing"

    def available(self) -> bool:
        return True

    def read(self, image: np.ndarray, *, photo: bool = False) -> list[Line]:
        raise RuntimeError("engine crashed")


class SlowEngine(CrashingEngine):
    name = "slow"

    def read(self, image: np.ndarray, *, photo: bool = False) -> list[Line]:
        time.sleep(1.5)
        return []


def test_failing_page_fails_softly() -> None:
    result = read_document(image_page_pdf("TOTAAL 1,00"), DocumentKind.PDF, SETTINGS,
                           engine=CrashingEngine())
    assert result.pages[0].lines and not result.pages[1].lines
    assert any("page 2" in w and "engine crashed" in w for w in result.warnings)


def test_every_page_timing_out_raises() -> None:
    png = io.BytesIO()
    page = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(page).text((20, 80), "TOTAAL 1,00", fill=0, font_size=24)  # not blank: OCR is tried
    page.save(png, format="PNG")
    with pytest.raises(ReadTimeout):
        read_document(png.getvalue(), DocumentKind.IMAGE, SETTINGS.with_(seconds_per_page=1),
                      engine=SlowEngine())
